"""CSV exports: the plain file (RFC 4180, ``,``, ISO UTC times) and the one Excel opens as numbers in Brazil.

Both are UTF-8 with a BOM (Excel then reads accents as UTF-8) and neutralise text a spreadsheet would run as a
formula. The ``excel-br`` dialect separates with ``;`` and writes a decimal comma with a fixed number of decimals per
column (no thousands separator) and the times in a chosen zone, which is what Excel in pt-BR reads as numbers and
dates.
"""

from __future__ import annotations

import csv
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from core.review.export_columns import AREA_PREFIX, column_titles, iso_utc
from core.wording.translate import _

PLAIN = "plain"
EXCEL_BR = "excel-br"
CSV_DIALECTS = (PLAIN, EXCEL_BR)
DEFAULT_TZ = "America/Sao_Paulo"

# OWASP "CSV injection": a spreadsheet evaluates a cell starting with one of these as a formula.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Decimals per column in the ``excel-br`` dialect: ~0.1 m for coordinates, m² for km², whole metres.
DECIMALS: dict[str, int] = {
    "lon": 6, "lat": 6, "area_km2": 4, "p_max": 3, "p_mean": 3, "nearest_dam_m": 0, "nearest_mine_m": 0,
    "growth_ha": 2, "growth_pct": 1,
}  # fmt: skip
AREA_DECIMALS = 2  # area_ha_<period>: 100 m², a Sentinel-2 pixel
OTHER_DECIMALS = 6


@dataclass(frozen=True)
class CsvOptions:
    """How a CSV export is written.

    Attributes:
        dialect: ``plain`` (``,``, numbers as stored, ISO UTC times) or ``excel-br`` (``;``, decimal comma with
            :data:`DECIMALS`, times as ``2026-11-21 06:30:15`` in ``tz``).
        tz: the IANA time zone of the ``excel-br`` times; ``None`` is :data:`DEFAULT_TZ`. The plain CSV is UTC.
        titles: human-readable column titles (:data:`core.review.export_columns.COLUMN_TITLES`, in the current
            language) instead of the machine names.

    Raises:
        ValueError: an unknown dialect or time zone, or a time zone for the plain dialect.
    """

    dialect: str = PLAIN
    tz: str | None = None
    titles: bool = False

    def __post_init__(self) -> None:
        if self.dialect not in CSV_DIALECTS:
            message = _("unknown CSV dialect {dialect!r}; use one of {dialects}")
            raise ValueError(message.format(dialect=self.dialect, dialects=", ".join(CSV_DIALECTS)))
        if self.tz is not None:
            if self.dialect == PLAIN:
                message = _("the plain CSV keeps ISO UTC times; a time zone ({tz}) needs '{dialect}'")
                raise ValueError(message.format(tz=self.tz, dialect=EXCEL_BR))
            check_time_zone(self.tz)

    @property
    def zone(self) -> str:
        """The zone the times are written in."""
        return "UTC" if self.dialect == PLAIN else self.tz or DEFAULT_TZ


def check_time_zone(name: str) -> str:
    """``name`` if it is an IANA time zone (``America/Sao_Paulo``, ``UTC``).

    Raises:
        ValueError: not a time zone this computer knows.
    """
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        message = _("unknown time zone {name!r}; use an IANA name such as {example} or UTC")
        raise ValueError(message.format(name=name, example=DEFAULT_TZ)) from None
    return name


def time_zones() -> list[str]:
    """Every IANA time zone this computer knows, sorted."""
    return sorted(zoneinfo.available_timezones())


def neutralise_formula(value: str | None) -> str | None:
    """Prefix ``'`` to text a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``+1``, ``@SUM``...)."""
    if value and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(rows: pd.DataFrame, path: Path, options: CsvOptions) -> None:
    """Write prepared export rows (:func:`core.review.exports.prepare_rows`) as CSV in ``options``' dialect."""
    out = rows.copy()
    excel = options.dialect == EXCEL_BR
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].map(_local_time(options.zone) if excel else iso_utc)
        elif out[col].dtype == object:  # text: only what people typed or imported can hold a formula
            out[col] = out[col].map(neutralise_formula)
        elif excel:
            out[col] = _decimal_comma(out[col], _decimals(str(col)))
    if options.titles:
        out.columns = pd.Index(column_titles([str(c) for c in out.columns], options.zone))
    # utf-8-sig: the BOM makes Excel read accents as UTF-8; CRLF + minimal quoting is RFC 4180.
    out.to_csv(path, index=False, sep=";" if excel else ",", encoding="utf-8-sig", lineterminator="\r\n",
               quoting=csv.QUOTE_MINIMAL)  # fmt: skip


def _decimals(column: str) -> int:
    if column.startswith(AREA_PREFIX):
        return AREA_DECIMALS
    return DECIMALS.get(column, OTHER_DECIMALS)


def _decimal_comma(values: pd.Series, decimals: int) -> pd.Series:
    """Numbers as ``-43,550000`` (no thousands separator), ints as digits, empty for a null."""
    if pd.api.types.is_integer_dtype(values.dtype):
        return values.map(lambda v: "" if pd.isna(v) else str(int(v)))

    def text(value: float) -> str:
        if pd.isna(value):
            return ""
        shown = f"{value:.{decimals}f}"
        # -0.00001 rounds to "-0,0000": a sign on a zero reads as an error, not a tiny negative.
        return shown.lstrip("-").replace(".", ",") if float(shown) == 0 else shown.replace(".", ",")

    return values.map(text)


def _local_time(zone: str) -> Callable[[Any], str | None]:
    """Timestamps as ``2026-11-21 06:30:15`` in ``zone``: the layout every Excel locale reads as a date and time."""

    def local(value: Any) -> str | None:
        if value is None or pd.isna(value):
            return None
        return str(pd.Timestamp(value).tz_convert(zone).strftime("%Y-%m-%d %H:%M:%S"))

    return local
