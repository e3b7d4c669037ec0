"""The acquisition period of a scene to scan: what the file records, else what the user types."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.imagery.periods import Period, PeriodError, parse_period
from core.imagery.raster import scene_period

_SOURCE_WORDS = {"recipe": "its imagery recipe", "tags": "its tags"}


def period_input(scene: Path | None) -> tuple[Period | None, bool]:
    """Show the scene's period, or ask for it; return the typed period (None when the file records one or nothing
    was typed) and whether the scan may start (False on text that is not a period)."""
    if scene is None:
        return None, True
    recorded = scene_period(scene)
    if recorded is not None:
        period, source = recorded
        st.caption(f"Acquisition period: **{period.label}** (from {_SOURCE_WORDS.get(source, source)}).")
        return None, True
    text = st.text_input(
        "Acquisition period", key=f"period_for_{scene.name}", placeholder="e.g. 2024",
        help="When this file's imagery was acquired (it does not record it): a year (2024), a quarter (2024-Q2), a "
        "month (2024-05), a day or a range (2024-03-01/2024-06-01). Without it the scan is undated and its sites "
        "cannot be followed over time.",
    )  # fmt: skip
    if not text.strip():
        st.caption("Undated: this scan's sites will not be compared across dates.")
        return None, True
    try:
        return parse_period(text), True
    except PeriodError as err:
        st.error(str(err))
        return None, False
