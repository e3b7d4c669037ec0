"""The Imagery page's side of periods: the periods a user types, the plan's table (one row per tile and period),
and the region job over every period."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.imagery.earth_engine.plan import ImageryPlan
from core.imagery.periods import Period, parse_periods
from core.wording.translate import N_, _

PERIODS_HELP = N_(
    "Several composites in one request, one per period, instead of the dates: 2019-2025 for one composite per "
    "year, 2024-Q1..2024-Q4 for quarters, or a list such as 2019, 2022, 2025-Q2 (a period is a year, a quarter "
    "2024-Q2, a month 2024-05, a day, or a range 2024-03-01/2024-06-01 with the end exclusive). Every tile is "
    "requested once per period, with the cloud limit and mask above."
)
#: The headers of the plan's table (the plan's keys -> words; ``crs`` and ``km`` read the same in every language).
PLAN_COLUMNS = {
    "region": N_("region"),
    "tile": N_("tile"),
    "width_px": N_("width (px)"),
    "height_px": N_("height (px)"),
    "west": N_("west"),
    "south": N_("south"),
    "east": N_("east"),
    "north": N_("north"),
    "download_requests": N_("download requests"),
    "how": N_("how"),
    "period": N_("period"),
    "file": N_("file"),
}
#: How a tile's pixels are fetched: the plan's codes (English words), in words.
HOW_WORDS = {"download or export": N_("download or export"), "export only": N_("export only")}


def periods_input() -> list[Period] | None:
    """The "Periods (optional)" box: the periods typed, in time order, or None when it is empty.

    Raises:
        PeriodError: text that is not periods MineScan reads, a period given twice, or periods that overlap.
    """
    text = st.text_input(_("Periods (optional)"), placeholder="2019-2025", help=_(PERIODS_HELP), key="imagery_periods")
    return parse_periods(text) if text.strip() else None


def plan_table(plan: ImageryPlan) -> list[dict[str, Any]]:
    """The plan's rows for a table: one per scene (tile and period), without the outlines, headed in words."""
    headers = {code: _(words) for code, words in PLAN_COLUMNS.items()}
    return [
        {headers.get(k, k): how_word(v) if k == "how" else v for k, v in row.items() if k != "polygon"}
        for row in plan.rows()
    ]


def how_word(how: object) -> str:
    """How a tile's pixels are fetched (the plan's ``how``: ``download or export``, ``export only``) in words."""
    return _(HOW_WORDS[str(how)]) if str(how) in HOW_WORDS else str(how)
