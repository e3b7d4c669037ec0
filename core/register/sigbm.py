"""The ANM dam register (SIGBM) in its three shapes: xlsx download, detailed ``;`` CSV, 2019 TSV."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from core.register.columns import SIGBM_ALIASES, describe_required, looks_like_sigbm_header, map_columns
from core.register.dms import AXIS_PROBLEM, hemisphere_sign, parse_lat, parse_lon_brazil
from core.register.errors import RegisterImportError
from core.register.model import RegisterEntry, RegisterImport, RejectedRow
from core.register.numbers import parse_br_number
from core.register.tables import Cell, Table, cell_text, read_table
from core.register.validate import check_point, measure_flags
from core.wording.translate import N_, _

REGISTER_KINDS = ("dam", "mine", "reference")
_NULL_TEXT = {"", "-", "--", "n/a", "na", "none", "null"}
#: The xlsx downloads say "Alto/Médio/Baixo", the detailed export "Alta/Média/Baixa": store one spelling.
_LEVELS = {
    "alto": "Alta",
    "alta": "Alta",
    "medio": "Média",
    "médio": "Média",
    "média": "Média",
    "media": "Média",
    "baixo": "Baixa",
    "baixa": "Baixa",
}
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_BR_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
#: Which coordinates a row lacks, by (no latitude, no longitude).
MISSING_AXES: dict[tuple[bool, bool], str] = {
    (True, False): N_("latitude"),
    (False, True): N_("longitude"),
    (True, True): N_("latitude and longitude"),
}


class _RowError(ValueError):
    """A row that cannot become an entry (no usable coordinates)."""


def clean_text(cell: Cell) -> str | None:
    """Stripped text, or None for blanks and placeholders ("-", "N/A", "Não se aplica ...")."""
    text = cell_text(cell).strip()
    if text.lower() in _NULL_TEXT or text.lower().startswith("não se aplica"):
        return None
    return text


def _level(cell: Cell) -> str | None:
    text = clean_text(cell)
    return _LEVELS.get(text.lower(), text) if text else None


def _measure(cell: Cell, flag: str, flags: list[str]) -> float | None:
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return float(cell)
    try:
        return parse_br_number(cell_text(cell))
    except ValueError:
        flags.append(flag)
        return None


def _parse_axis(axis: str, text: str, parse: Callable[[bool], float], flags: list[str]) -> float:
    """Parse strictly; if only minutes/seconds of 60-99 fail, carry them over and flag "dms_overflow"."""
    try:
        return parse(False)
    except ValueError as exc:
        strict_error = exc
    try:
        value = parse(True)
    except ValueError:
        raise _RowError(_(AXIS_PROBLEM[axis]).format(problem=strict_error)) from None
    if "dms_overflow" not in flags:
        flags.append("dms_overflow")
    return value


def _coordinates(get: dict[str, Cell]) -> tuple[float, float, list[str]]:
    lat_text, lon_text = cell_text(get.get("lat")).strip(), cell_text(get.get("lon")).strip()
    if not lat_text or not lon_text:
        missing = _(MISSING_AXES[(not lat_text, not lon_text)])
        raise _RowError(_("no {missing}: a dam without a place cannot be matched").format(missing=missing))
    hemisphere = clean_text(get.get("hemisphere"))
    flags: list[str] = []
    lat = _parse_axis(
        "latitude", lat_text, lambda overflow: parse_lat(lat_text, hemisphere, allow_overflow=overflow), flags
    )
    lon = _parse_axis(
        "longitude", lon_text, lambda overflow: parse_lon_brazil(lon_text, allow_overflow=overflow), flags
    )
    if hemisphere and lat_text.startswith("-") and hemisphere_sign(hemisphere) == 1 and lat != 0:
        flags.append("hemisphere_conflict")
    return lon, lat, flags


def entry_from_cells(
    header: tuple[str, ...], cells: tuple[Cell, ...], columns: dict[str, int], line: int, kind: str
) -> RegisterEntry:
    """One register row as an entry with its flags.

    Raises:
        ValueError: the row has no usable coordinates (the message says which and why).
    """
    get = {field: cells[index] if index < len(cells) else None for field, index in columns.items()}
    lon, lat, flags = _coordinates(get)
    point = check_point(lon, lat)
    height_m = _measure(get.get("height_m"), "height_not_a_number", flags)
    volume_m3 = _measure(get.get("volume_m3"), "volume_not_a_number", flags)
    state = clean_text(get.get("state"))
    return RegisterEntry(
        kind=kind,
        register_id=cell_text(get.get("register_id")).strip() or f"line:{line}",
        name=clean_text(get.get("name")),
        owner=clean_text(get.get("owner")),
        state=state.upper() if state else None,
        municipality=clean_text(get.get("municipality")),
        main_ore=clean_text(get.get("main_ore")),
        height_m=height_m,
        volume_m3=volume_m3,
        construction_method=clean_text(get.get("construction_method")),
        risk_category=_level(get.get("risk_category")),
        potential_damage=_level(get.get("potential_damage")),
        emergency_level=clean_text(get.get("emergency_level")),
        lon=point.lon,
        lat=point.lat,
        geometry_wkt=None,
        raw={name or f"column_{i + 1}": cell_text(cells[i]) if i < len(cells) else "" for i, name in enumerate(header)},
        flags=tuple(flags) + point.flags + measure_flags(height_m, volume_m3),
        source_line=line,
    )


def snapshot_date(file_name: str, preamble: str) -> str | None:
    """ISO date of the export: from the file name (``..._2025-10-17.xlsx``), else a dd/mm/yyyy date above the header."""
    match = _ISO_DATE.search(file_name)
    if match:
        return match.group(0)
    match = _BR_DATE.search(preamble)
    return f"{match.group(3)}-{match.group(2)}-{match.group(1)}" if match else None


def _file_format(table: Table) -> str:
    if table.delimiter is None:
        return "sigbm_xlsx"
    return "anm_2019_tsv" if table.delimiter == "\t" else "sigbm_detailed_csv"


def read_register(path: Path, kind: str = "dam") -> RegisterImport:
    """Read a SIGBM/ANM dam register (xlsx download, detailed ``;`` CSV or 2019 TSV); the format is detected.

    Rows without usable coordinates are rejected with their line and reason; every other problem keeps the row
    and adds a flag (see ``FLAG_DESCRIPTIONS``). Swapped lat/lon are stored un-swapped and flagged.

    Raises:
        ValueError: ``kind`` is not "dam", "mine" or "reference".
        RegisterImportError: the file is missing, unreadable, or has no ID/latitude/longitude header.
    """
    if kind not in REGISTER_KINDS:
        raise ValueError(
            _("kind must be one of {kinds}; got {kind!r}").format(kinds=", ".join(REGISTER_KINDS), kind=kind)
        )
    path = Path(path)
    if not path.is_file():
        raise RegisterImportError(_("{path} does not exist or is not a file.").format(path=path))
    table = read_table(path, looks_like_sigbm_header, describe_required())
    columns = map_columns(table.header, SIGBM_ALIASES)
    entries: list[RegisterEntry] = []
    rejected: list[RejectedRow] = []
    for line, cells in table.rows:
        try:
            entries.append(entry_from_cells(table.header, cells, columns, line, kind))
        except _RowError as exc:
            rejected.append(RejectedRow(source_line=line, reason=str(exc)))
    return RegisterImport(
        source_file=path.name,
        file_format=_file_format(table),
        snapshot_date=snapshot_date(path.name, table.preamble),
        entries=tuple(entries),
        rejected=tuple(rejected),
        rows_read=len(table.rows),
    )
