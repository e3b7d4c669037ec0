"""The columns of a site export: their order, their types and the title a person reads for each.

The machine names (``site_id``, ``nearest_dam_m``) are the contract of every export file and never change with the
language. The titles are for a spreadsheet user (the CSV's optional header row): every title is marked for the
catalogs in :data:`COLUMN_TITLES` and written in the current language by :func:`column_titles`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from core.imagery.provenance import IMAGERY_EXPORT_COLUMNS
from core.wording.translate import N_, _

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

#: The title of each column a site export may carry (the register details of the nearest dam come as extra columns),
#: in English: :func:`column_titles` translates them.
COLUMN_TITLES: dict[str, str] = {
    "site_id": N_("Site"),
    "scan_id": N_("Scan"),
    "scene_id": N_("Scene"),
    "lon": N_("Longitude"),
    "lat": N_("Latitude"),
    "area_km2": N_("Area (km²)"),
    "p_max": N_("Highest probability"),
    "p_mean": N_("Mean probability"),
    "cell_count": N_("Cells"),
    "impact_class": N_("Impact class"),
    "impact_rating": N_("Impact rating"),
    "match_status": N_("Register status"),
    "nearest_dam_id": N_("Nearest dam (register id)"),
    "nearest_dam_name": N_("Nearest dam"),
    "nearest_dam_owner": N_("Nearest dam owner"),
    "nearest_dam_m": N_("Distance to nearest dam (m)"),
    "nearest_mine_id": N_("Nearest mine (register id)"),
    "nearest_mine_m": N_("Distance to nearest mine (m)"),
    "inside_polygon_id": N_("Inside registered area"),
    "decision": N_("Decision"),
    "reason": N_("Reason"),
    "note": N_("Note"),
    "reviewer": N_("Reviewer"),
    "decided_at": N_("Decided at"),
    "discovery_model": N_("Discovery model"),
    "impact_model": N_("Impact model"),
    "imagery_source": N_("Imagery source"),
    "imagery_collection": N_("Imagery collection"),
    "imagery_start": N_("Imagery from"),
    "imagery_end": N_("Imagery until (exclusive)"),
    "imagery_summary": N_("Imagery"),
    "nearest_dam_state": N_("Nearest dam: state"),
    "nearest_dam_ore": N_("Nearest dam: main ore"),
    "nearest_dam_risk": N_("Nearest dam: risk category"),
    "nearest_dam_damage": N_("Nearest dam: potential damage"),
    "place_id": N_("Place"),
    "period": N_("Period"),
    "period_start": N_("Period start"),
    "period_end": N_("Period end (exclusive)"),
    "first_period": N_("First seen"),
    "last_period": N_("Last seen"),
    "persistence": N_("Persistence"),
    "growth_ha": N_("Growth (ha)"),
    "growth_pct": N_("Growth (%)"),
    "outline_wkt": N_("Outline (WKT, WGS84)"),
}
#: The title of an ``area_ha_<period>`` column.
AREA_TITLE = N_("Area in {period} (ha)")
#: The title of a time column: the zone its times are written in is part of it.
TIME_TITLE = "{title} ({zone})"


def column_titles(columns: Iterable[str], zone: str) -> list[str]:
    """The title of each column in the current language, in order; a column without a title keeps its machine name.

    Args:
        columns: machine names, as :func:`core.review.exports.prepare_rows` orders them.
        zone: the time zone the time columns are written in (``UTC``, ``America/Sao_Paulo``).
    """
    titles = []
    for name in columns:
        if name.startswith(AREA_PREFIX):
            title = _(AREA_TITLE).format(period=name.removeprefix(AREA_PREFIX))
        else:
            title = _(COLUMN_TITLES[name]) if name in COLUMN_TITLES else name
        titles.append(TIME_TITLE.format(title=title, zone=zone) if name in TIME_COLUMNS else title)
    return titles


def iso_utc(value: Any) -> str | None:
    """ISO-8601 UTC text (``2026-11-20T14:03:05Z``) of a timestamp, or ``None`` for a null."""
    if value is None or pd.isna(value):
        return None
    return str(pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"))
