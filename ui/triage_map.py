"""The triage page's map: the page's places over a scene picture, at their latest sighting, in one period, or as
the change between two periods, with the register near the place in focus and the queue's density."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import settings, wording
from core.access.users import Identity
from core.errors import MineScanError
from core.imagery.pictures import scene_picture
from core.review.map_time import CHANGE, CHANGES, LATEST, MapView, change_counts, map_views, rows_for_view
from core.review.queue import QueueFilter, next_site
from db.place_map import map_periods, period_scan, place_sightings
from db.places import requeue_rule
from db.registers import register_near
from db.scans import scan_scene_path
from ui import resources, state
from ui.maps import triage_deck

#: Grid of the map's count dots for the sites beyond the page.
DENSITY_CELL_DEG = 0.25
MAP_FOCUS = "triage_map_focus"
VIEW_KEY = "triage_map_view"
#: A scene picture is about 350 KB: a few periods' pictures stay in memory.
_cached_picture = st.cache_data(show_spinner=False, max_entries=4)(scene_picture)


def _choose_view(periods: list[str]) -> MapView:
    views = {v.label: v for v in map_views(periods)}
    if len(views) == 1:
        return MapView()
    if st.session_state.get(VIEW_KEY) not in views:
        st.session_state.pop(VIEW_KEY, None)
    tip = "The outlines of one period, or what each place did between two (grown or shrunk by the re-queue rule)"
    label = st.radio("Map shows", list(views), horizontal=True, key=VIEW_KEY, help=tip)
    return views[str(label)]


def _focus(ranked: pd.DataFrame) -> int:
    ids = [int(i) for i in ranked["site_id"]]
    focus = st.session_state.get(MAP_FOCUS)
    if focus not in ids:
        focus = st.session_state.get(state.SELECTED_SITE)
    if focus not in ids:
        focus = next_site(ranked, None) or ids[0]
    return int(focus)


def _caption(view: MapView, drawn: pd.DataFrame, page: int, focus: int, shown: bool, extra: str) -> str:
    where = f"Centred on site {focus} (yellow outline)" if shown else f"Site {focus} was not seen in {view.period}"
    text = f"{where}, with registered dams and mines within 0.5° of it. "
    if view.kind == LATEST:
        text += f"The map outlines this page's {wording.count(page, 'site')} at their latest sighting"
    elif view.kind == CHANGE:
        counts = ", ".join(f"{n:,} {CHANGES[k]}" for k, n in change_counts(drawn).items()) or "none"
        text += (
            f"Change of this page's places from {view.before} (white outline) to {view.after} (filled, over the "
            f"{view.after} scene): {counts}"
        )
    else:
        text += f"{wording.count(len(drawn), 'place')} of this page's {page:,} seen in {view.period}, over its scene"
    return text + "; decisions show on it when it is redrawn ('Show on the map')." + extra


def triage_map(identity: Identity, queue: QueueFilter, ranked: pd.DataFrame, total: int) -> None:
    """Draw the map for the queue page ``ranked`` (``total`` sites in the queue's view)."""
    con = resources.db()
    view = _choose_view(map_periods(con))
    focus = _focus(ranked)
    drawn = ranked
    if view.kind != LATEST:
        drawn = rows_for_view(ranked, place_sightings(con, ranked["place_id"].tolist()), view, requeue_rule(con))
    focus_rows = drawn[drawn["site_id"] == focus]
    shown = not focus_rows.empty
    anchor = focus_rows.iloc[0] if shown else ranked[ranked["site_id"] == focus].iloc[0]
    # Under the map: the scene the place in focus was drawn from, else a scene of the period the view shows.
    if shown and not (view.kind == CHANGE and anchor.get("change") == "gone"):
        scan_id: int | None = int(anchor["scan_id"])
    else:
        scan_id = period_scan(con, view.scene_period) if view.scene_period else int(anchor["scan_id"])
    scene_path = scan_scene_path(con, scan_id) if scan_id is not None else None
    try:
        overview = _cached_picture(scene_path, settings.pictures_dir()) if scene_path else None
    except MineScanError as err:  # the scene file was moved or deleted since the scan: the sites still count
        overview = None
        st.caption(f"No scene image under the map: {err}")
    density = resources.queue_density(identity.username, queue, DENSITY_CELL_DEG) if total > len(ranked) else None
    register = register_near(con, [anchor["lon"]], [anchor["lat"]], margin_deg=0.5)
    st.pydeck_chart(triage_deck(drawn, register, overview, focus, density), height=520)
    extra = (
        f" Grey dots count all {wording.count(total, 'site')} in this view per {DENSITY_CELL_DEG}° cell."
        if density is not None
        else ""
    )
    st.caption(_caption(view, drawn, len(ranked), focus, shown, extra))
