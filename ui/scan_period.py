"""The acquisition period of a scene to scan: what the file records, else what the user types."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.imagery.periods import Period, PeriodError, parse_period
from core.imagery.raster import scene_period
from core.wording.translate import N_, _

_SOURCE_WORDS = {"recipe": N_("its imagery recipe"), "tags": N_("its tags")}


def period_input(scene: Path | None) -> tuple[Period | None, bool]:
    """Show the scene's period, or ask for it; return the typed period (None when the file records one or nothing
    was typed) and whether the scan may start (False on text that is not a period)."""
    if scene is None:
        return None, True
    recorded = scene_period(scene)
    if recorded is not None:
        period, source = recorded
        where = _(_SOURCE_WORDS[source]) if source in _SOURCE_WORDS else source
        st.caption(_("Acquisition period: **{period}** (from {source}).").format(period=period.label, source=where))
        return None, True
    text = st.text_input(
        _("Acquisition period"), key=f"period_for_{scene.name}", placeholder=_("e.g. 2024"),
        help=_("When this file's imagery was acquired (it does not record it): a year (2024), a quarter (2024-Q2), a "
               "month (2024-05), a day or a range (2024-03-01/2024-06-01). Without it the scan is undated and its "
               "sites cannot be followed over time."),
    )  # fmt: skip
    if not text.strip():
        st.caption(_("Undated: this scan's sites will not be compared across dates."))
        return None, True
    try:
        return parse_period(text), True
    except PeriodError as err:
        st.error(str(err))
        return None, False
