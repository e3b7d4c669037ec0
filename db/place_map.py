"""What the triage map needs to show places in time: the store's dated periods and the page's places per period.

Parameters are bound; the SQL is constant.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pandas as pd

#: One row per given place and period it was seen in: the site that stands for it then (the largest of the scan
#: that saw most of it), with its position and outline. Parameter: $places.
_SIGHTINGS_SQL = """
SELECT pp.place_id, pp.period_label, pp.period_start, pp.site_id AS sighting_site_id, s.scan_id, s.lon, s.lat,
       pp.area_km2, s.outline_wkt
FROM place_period pp JOIN site s ON s.id = pp.site_id
WHERE pp.place_id IN (SELECT unnest(CAST($places AS VARCHAR[])))
ORDER BY pp.place_id, pp.period_start
"""


def map_periods(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The dated periods places were seen in, in time order (undated scans have none)."""
    rows = con.execute(
        "SELECT period_label FROM place_period WHERE period_start IS NOT NULL "
        "GROUP BY period_label ORDER BY min(period_start), period_label"
    ).fetchall()
    return [str(r[0]) for r in rows]


def place_sightings(con: duckdb.DuckDBPyConnection, place_ids: Sequence[str]) -> pd.DataFrame:
    """The given places' sightings, one row per place and period (see :func:`core.review.map_time.rows_for_view`)."""
    return con.execute(_SIGHTINGS_SQL, {"places": [str(p) for p in place_ids]}).df()


def period_scan(con: duckdb.DuckDBPyConnection, period: str) -> int | None:
    """A scan of ``period`` (the one with most sites): its scene lies under the map when the place in focus was
    not seen then."""
    row = con.execute(
        "SELECT c.id FROM scan c JOIN site s ON s.scan_id = c.id WHERE c.period_label = ? "
        "GROUP BY c.id ORDER BY count(*) DESC, c.id DESC LIMIT 1",
        [period],
    ).fetchone()
    return int(row[0]) if row else None
