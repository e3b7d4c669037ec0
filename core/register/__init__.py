"""Reading dam registers (ANM SIGBM) and mine/reference layers into plain records, with flags and a report.

No database here: the store writes these records. Entry points: :func:`read_register` (SIGBM/ANM formats),
:func:`read_layer` (GeoJSON, GeoPackage, shapefile, lat/lon CSV) and :func:`diff_snapshots`.
"""

from core.register.diff import SnapshotDiff, diff_snapshots
from core.register.dms import parse_dms, parse_lat, parse_lon_brazil
from core.register.errors import RegisterImportError
from core.register.layers import read_layer
from core.register.model import FLAG_DESCRIPTIONS, RegisterEntry, RegisterImport, RejectedRow
from core.register.numbers import parse_br_number
from core.register.sigbm import read_register
from core.register.validate import in_brazil

__all__ = [
    "FLAG_DESCRIPTIONS",
    "RegisterEntry",
    "RegisterImport",
    "RegisterImportError",
    "RejectedRow",
    "SnapshotDiff",
    "diff_snapshots",
    "in_brazil",
    "parse_br_number",
    "parse_dms",
    "parse_lat",
    "parse_lon_brazil",
    "read_layer",
    "read_register",
]
