"""The columns of a site export: their order, their types and the title a person reads for each.

The machine names (``site_id``, ``nearest_dam_m``) are the contract of every export file. The titles are for a
spreadsheet user (the CSV's translated header): every title is a plain string literal in :data:`COLUMN_TITLES`, so
a later gettext step can mark them for translation in this one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from core.imagery.provenance import IMAGERY_EXPORT_COLUMNS

EXPORT_COLUMNS = (
    "site_id", "scan_id", "scene_id", "lon", "lat", "area_km2", "p_max", "p_mean", "cell_count", "impact_class",
    "impact_rating", "match_status", "nearest_dam_id", "nearest_dam_name", "nearest_dam_owner", "nearest_dam_m",
    "nearest_mine_id", "nearest_mine_m", "inside_polygon_id", "decision", "reason", "note", "reviewer", "decided_at",
    "discovery_model", "impact_model", *IMAGERY_EXPORT_COLUMNS, "outline_wkt",
)  # fmt: skip
#: A site's place over time, after every other column (db.exports.export_rows gives them): the place, the period of
#: the site's scan (ISO dates, ``period_end`` exclusive; empty when undated), the place's first and last period,
#: persistence and growth since its previous sighting; then ``area_ha_<period>``, one column per period.
PLACE_EXPORT_COLUMNS = ("place_id", "period", "period_start", "period_end", "first_period", "last_period",
                        "persistence", "growth_ha", "growth_pct")  # fmt: skip
AREA_PREFIX = "area_ha_"
INT_COLUMNS = ("site_id", "scan_id", "cell_count")
FLOAT_COLUMNS = ("lon", "lat", "area_km2", "p_max", "p_mean", "nearest_dam_m", "nearest_mine_m", "growth_ha",
                 "growth_pct")  # fmt: skip
TIME_COLUMNS = ("decided_at",)
GEOMETRY_COLUMN = "outline_wkt"

#: The title of each column a site export may carry (the register details of the nearest dam come as extra columns).
COLUMN_TITLES: dict[str, str] = {
    "site_id": "Site",
    "scan_id": "Scan",
    "scene_id": "Scene",
    "lon": "Longitude",
    "lat": "Latitude",
    "area_km2": "Area (km²)",
    "p_max": "Highest probability",
    "p_mean": "Mean probability",
    "cell_count": "Cells",
    "impact_class": "Impact class",
    "impact_rating": "Impact rating",
    "match_status": "Register status",
    "nearest_dam_id": "Nearest dam (register id)",
    "nearest_dam_name": "Nearest dam",
    "nearest_dam_owner": "Nearest dam owner",
    "nearest_dam_m": "Distance to nearest dam (m)",
    "nearest_mine_id": "Nearest mine (register id)",
    "nearest_mine_m": "Distance to nearest mine (m)",
    "inside_polygon_id": "Inside registered area",
    "decision": "Decision",
    "reason": "Reason",
    "note": "Note",
    "reviewer": "Reviewer",
    "decided_at": "Decided at",
    "discovery_model": "Discovery model",
    "impact_model": "Impact model",
    "imagery_source": "Imagery source",
    "imagery_collection": "Imagery collection",
    "imagery_start": "Imagery from",
    "imagery_end": "Imagery until (exclusive)",
    "imagery_summary": "Imagery",
    "nearest_dam_state": "Nearest dam: state",
    "nearest_dam_ore": "Nearest dam: main ore",
    "nearest_dam_risk": "Nearest dam: risk category",
    "nearest_dam_damage": "Nearest dam: potential damage",
    "place_id": "Place",
    "period": "Period",
    "period_start": "Period start",
    "period_end": "Period end (exclusive)",
    "first_period": "First seen",
    "last_period": "Last seen",
    "persistence": "Persistence",
    "growth_ha": "Growth (ha)",
    "growth_pct": "Growth (%)",
    "outline_wkt": "Outline (WKT, WGS84)",
}
#: The title of an ``area_ha_<period>`` column.
AREA_TITLE = "Area in {period} (ha)"
#: The title of a time column: the zone its times are written in is part of it.
TIME_TITLE = "{title} ({zone})"


def column_titles(columns: Iterable[str], zone: str) -> list[str]:
    """The title of each column, in order; a column without a title keeps its machine name.

    Args:
        columns: machine names, as :func:`core.review.exports.prepare_rows` orders them.
        zone: the time zone the time columns are written in (``UTC``, ``America/Sao_Paulo``).
    """
    titles = []
    for name in columns:
        if name.startswith(AREA_PREFIX):
            title = AREA_TITLE.format(period=name.removeprefix(AREA_PREFIX))
        else:
            title = COLUMN_TITLES.get(name, name)
        titles.append(TIME_TITLE.format(title=title, zone=zone) if name in TIME_COLUMNS else title)
    return titles


def iso_utc(value: Any) -> str | None:
    """ISO-8601 UTC text (``2026-11-20T14:03:05Z``) of a timestamp, or ``None`` for a null."""
    if value is None or pd.isna(value):
        return None
    return str(pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"))
