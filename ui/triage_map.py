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
from core.wording.translate import _
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
    tip = _("The outlines of one period, or what each place did between two (grown or shrunk by the re-queue rule)")
    label = st.radio(_("Map shows"), list(views), horizontal=True, key=VIEW_KEY, help=tip)
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
    if shown:
        where = _("Centred on site {site_id} (yellow outline)").format(site_id=focus)
    else:
        where = _("Site {site_id} was not seen in {period}").format(site_id=focus, period=view.period)
    text = _("{where}, with registered dams and mines within 0.5° of it.").format(where=where)
    if view.kind == LATEST:
        shows = _("The map outlines this page's {sites} at their latest sighting").format(
            sites=wording.count(page, "site", "sites")
        )
    elif view.kind == CHANGE:
        counts = ", ".join(f"{wording.number(n)} {_(CHANGES[k])}" for k, n in change_counts(drawn).items())
        shows = _(
            "Change of this page's places from {before} (white outline) to {after} (filled, over the {after} "
            "scene): {counts}"
        ).format(before=view.before, after=view.after, counts=counts or _("none"))
    else:
        shows = _("{places} of this page's {page} seen in {period}, over its scene").format(
            places=wording.count(len(drawn), "place", "places"), page=wording.number(page), period=view.period
        )
    shows = _("{shows}; decisions show on it when it is redrawn ('Show on the map').").format(shows=shows)
    return f"{text} {shows}{extra}"


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
        st.caption(_("No scene image under the map: {error}").format(error=err))
    density = resources.queue_density(identity.username, queue, DENSITY_CELL_DEG) if total > len(ranked) else None
    register = register_near(con, [anchor["lon"]], [anchor["lat"]], margin_deg=0.5)
    st.pydeck_chart(triage_deck(drawn, register, overview, focus, density), height=520)
    extra = ""
    if density is not None:
        extra = " " + _("Grey dots count all {sites} in this view per {cell}° cell.").format(
            sites=wording.count(total, "site", "sites"), cell=wording.number(DENSITY_CELL_DEG, 2)
        )
    st.caption(_caption(view, drawn, len(ranked), focus, shown, extra))
