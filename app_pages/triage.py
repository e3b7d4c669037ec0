"""Triage: the ranked queue of candidate sites, the map, the evidence for one site, and the decision.

The decision panel is a fragment: choosing a site or deciding one reruns the panel only, never the map (whose
pictures and outlines are the slowest thing the browser draws). The map is redrawn when the filters change, or when
the reviewer asks for it with 'Show on the map'.
"""

import time
from typing import Any

import streamlit as st

from core import wording
from core.access.users import Identity
from core.errors import MineScanError
from core.review.decisions import DECISION_KEYS, REASONS
from core.review.queue import IMPACT_ORDER, ORDERS, STATUS_ORDER, QueueFilter, next_site
from db.dossiers import place_token
from db.queue import queue_choices
from db.reviews import review_history
from db.scans import scan_imagery, scan_scene_path
from db.sites import site_impact_probs
from db.workflows import decide
from ui import auth, resources, site_pictures, state
from ui.decision_keys import KEYS_HELP, reason_buttons, step_buttons
from ui.dossier import dossier_downloads
from ui.place_history import changed_note, place_summary, show_in_time
from ui.triage_map import MAP_FOCUS, triage_map

#: Sites per page of the queue: the selector, the table and the map's outlines hold one page.
PAGE_SIZE = 200
NOT_RATED = "not rated"
#: Stable widget keys: a widget whose options or default change between runs keeps the person's choice.
SITE_KEY = "triage_site"


def _record_decision(identity: Identity, site_id: int, decision: str, following: int | None) -> None:
    """Store the decision (with the reason and note typed for this site) and move the queue on."""
    if auth.current_identity() is None:  # the session ended since the page was drawn: record nothing
        return
    reason = st.session_state.get(f"reason_{site_id}")
    note = st.session_state.get(f"note_{site_id}") or None
    shown = st.session_state.get(state.SITE_SHOWN_AT)
    seconds = round(time.monotonic() - shown[1], 1) if shown and shown[0] == site_id else None
    before = resources.queue_token()
    try:
        review_id = decide(resources.db(), identity, site_id, decision, reason, note, seconds)
    except MineScanError as err:
        st.session_state[state.DECISION_ERROR] = f"**{err.title}.** {err}"
        return
    resources.note_own_decision(identity.username, site_id, decision, before, review_id)
    st.session_state[state.FLASH] = f"Site {site_id}: {wording.label(decision).lower()}" + (
        f" ({REASONS[reason]})." if reason else "."
    )
    if following is not None:
        st.session_state[SITE_KEY] = following
        st.session_state[state.SELECTED_SITE] = following


def _wkt(value: object) -> str | None:
    return None if wording.is_missing(value) else str(value)


def _prefetch(con: Any, row: Any, site_id: int, reviewer: str) -> None:
    scene = scan_scene_path(con, int(row["scan_id"]))
    site_pictures.prefetch(resources.store(), site_id, reviewer, place_token(con, site_id), scene,
                           float(row["lon"]), float(row["lat"]), _wkt(row["outline_wkt"]))  # fmt: skip


def _site_label(row: Any) -> str:
    impact = wording.label(row.impact_class, short=True, missing=wording.NOT_RATED)
    status = wording.label(row.match_status, short=True)
    time = " · changed since decided" if getattr(row, "changed", False) else ""
    time += " · new this period" if getattr(row, "new_in_latest", False) else ""
    return f"#{row.rank} · site {row.site_id} · {status} · {impact}{time}"


def _nearest_dam(site: object) -> str:
    get = site.get  # type: ignore[attr-defined]
    if wording.is_missing(get("nearest_dam_id")) or wording.is_missing(get("nearest_dam_m")):
        return "No registered dam in the store."
    return (
        f"Nearest registered dam: **{wording.text(get('nearest_dam_name'))}** (id {get('nearest_dam_id')}), "
        f"{wording.metres(get('nearest_dam_m'))} away · owner {wording.text(get('nearest_dam_owner'))} · "
        f"ore {wording.text(get('nearest_dam_ore'))} · risk {wording.text(get('nearest_dam_risk'))} · "
        f"potential damage {wording.text(get('nearest_dam_damage'))}"
    )


@st.fragment
def decision_panel(identity: Identity, queue: QueueFilter, offset: int) -> None:
    """The selected site's evidence, its history and the decision buttons (reruns on its own)."""
    with resources.page_run():  # a fragment run does not pass through app.py: close what it opens here
        if auth.current_identity() is None:  # revoked, expired or disabled since the last full run
            st.rerun(scope="app")
        _panel(identity, queue, offset)


def _panel(identity: Identity, queue: QueueFilter, offset: int) -> None:
    con = resources.db()
    ranked, _ = resources.queue_page(identity.username, queue, limit=PAGE_SIZE, offset=offset)
    if ranked.empty:
        st.success("Nothing left on this page: every site here is decided.")
        if st.button("Show the queue again"):
            st.rerun(scope="app")
        return
    ids = [int(i) for i in ranked["site_id"]]
    if st.session_state.get(SITE_KEY) not in ids:
        wanted = st.session_state.get(state.SELECTED_SITE)
        st.session_state[SITE_KEY] = wanted if wanted in ids else (next_site(ranked, None) or ids[0])
    labels = {int(r.site_id): _site_label(r) for r in ranked.itertuples()}
    current = int(st.selectbox("Site", ids, key=SITE_KEY, format_func=lambda i: labels[int(i)]))
    st.session_state[state.SELECTED_SITE] = current
    step_buttons(ids, current, SITE_KEY, state.SELECTED_SITE)
    shown = st.session_state.get(state.SITE_SHOWN_AT)
    if not shown or shown[0] != current:
        st.session_state[state.SITE_SHOWN_AT] = (current, time.monotonic())
    site = ranked.set_index("site_id").loc[current]

    st.subheader(f"Site {current}: {wording.label(site['match_status'])}")
    if summary := place_summary(site):
        st.markdown(summary)
    if note := changed_note(site):
        st.warning(note, icon=":material/history:")
    m1, m2, m3 = st.columns(3)
    m1.metric("P(mine) max", wording.number(site["p_max"], 2))
    m2.metric("Area (km²)", wording.number(site["area_km2"], 2))
    m3.metric("Impact", wording.label(site["impact_class"], short=True, missing=wording.NOT_RATED))
    if wording.is_missing(site["impact_class"]):
        st.caption(f"Impact {wording.text(site['impact_rating'], NOT_RATED)}.")
    probs = site_impact_probs(con, current)
    st.caption(
        f"P(mine) max {wording.number(site['p_max'], 2)}, mean {wording.number(site['p_mean'], 2)} over "
        f"{wording.count(int(site['cell_count']), 'cell')} · impact: "
        + (", ".join(f"{wording.label(k).lower()} {v:.2f}" for k, v in probs.items()) if probs else "none")
    )
    st.markdown(_nearest_dam(site))
    # Plain text: the recipe holds a region label someone typed.
    st.text(f"Imagery: {scan_imagery(con, int(site['scan_id'])).summary()}")
    scene_path = scan_scene_path(con, int(site["scan_id"]))
    if scene_path:
        try:
            chips = site_pictures.chips(scene_path, float(site["lon"]), float(site["lat"]), _wkt(site["outline_wkt"]))
            for col, chip in zip(st.columns(len(chips)), chips, strict=True):
                col.image(chip.rgb, caption=f"{chip.title} · bar {chip.scale_m} m")
        except (MineScanError, ValueError) as err:
            st.warning(f"No image chip: {err}")
    try:
        show_in_time(
            site_pictures.place_dossier(resources.store(), current, identity.username, place_token(con, current))
        )
    except MineScanError as err:
        st.caption(f"No history for this place: {err}")
    dossier_downloads(current, identity)
    if st.button("Show on the map", help="Redraw the map centred on this site, with the decisions taken so far"):
        st.session_state[MAP_FOCUS] = current
        st.rerun(scope="app")

    history = review_history(con, current)
    if bool(site["blind"]):
        history = history[history["reviewer"] == identity.username]
        st.caption("Double review: a colleague decides this site too; you see each other's calls once both are in.")
    if not history.empty:
        st.markdown("**History**")
        st.table(wording.history_rows(history))  # a plain table: notes are shown as typed, never as Markdown or HTML
    reason = st.selectbox(
        "Reason",
        list(REASONS),
        index=None,
        format_func=lambda k: REASONS[k],
        key=f"reason_{current}",
        placeholder="What is it? (required to reject)",
    )
    reason_buttons(current)
    st.text_area("Note", key=f"note_{current}")
    following = next_site(ranked, current)
    if following is not None:  # what a decision moves on to: its pictures are made while this site is looked at
        _prefetch(con, ranked.set_index("site_id").loc[following], following, identity.username)
    b1, b2, b3 = st.columns(3)
    for d, column in (("confirmed", b1), ("rejected", b2), ("unsure", b3)):
        column.button(
            wording.label(d),
            disabled=d == "rejected" and reason is None,
            key=f"{d}_{current}",
            shortcut=DECISION_KEYS[d],
            use_container_width=True,
            # A callback records the decision before the panel reruns: one run per click, not two.
            on_click=_record_decision,
            args=(identity, current, d, following),
        )
    st.caption(KEYS_HELP)
    if st.session_state.get(state.DECISION_ERROR):
        st.error(st.session_state.pop(state.DECISION_ERROR))
    if st.session_state.get(state.FLASH):
        st.toast(st.session_state.pop(state.FLASH))


identity = auth.require_page("decide")
st.title("Triage queue")
con = resources.db()
scan_ids, dam_states = queue_choices(con)
if not scan_ids:
    st.info("No candidate sites yet: run a scan (or set up the demo on the Overview page).")
    st.page_link("app_pages/scan.py", label="Scan a scene", icon=":material/satellite_alt:")
    st.stop()
if st.session_state.get("triage_scan") not in scan_ids:
    st.session_state.pop("triage_scan", None)

f1, f2, f3, f4, f5 = st.columns(5)
scan_id = f1.selectbox("Scan", scan_ids, key="triage_scan")
states = f2.multiselect("State (of nearest dam)", dam_states, key="triage_states")
statuses = f3.multiselect("Register status", list(STATUS_ORDER), format_func=wording.label, key="triage_statuses")
impacts = f4.multiselect(
    "Impact",
    [*IMPACT_ORDER, NOT_RATED],
    format_func=lambda k: wording.label(k, short=True) if k != NOT_RATED else wording.NOT_RATED,
    key="triage_impacts",
)
decided_choice = f5.radio("Show", ["Undecided", "Decided", "All"], horizontal=True, key="triage_show")
decided = {"Undecided": False, "Decided": True, "All": None}[decided_choice]
ORDER_LABELS = {
    "risk": "Highest risk first",
    "uncertain": "Least certain first (teaches the model most)",
    "new": "New this period first",
    "growth": "Grew most first",
}
order = st.radio("Order", list(ORDERS), horizontal=True, key="triage_order", format_func=ORDER_LABELS.__getitem__)
queue = QueueFilter(scan_id, tuple(states), tuple(statuses), tuple(impacts), decided, order)
# The store ranks all sites; the page holds one page of them. Double-review sites stay blind (only this
# reviewer's own call shows) until two reviewers have decided them.
page_key = f"{state.QUEUE_PAGE}_{hash(queue)}"
page_no = int(st.session_state.get(page_key, 1)) - 1
ranked, total = resources.queue_page(identity.username, queue, limit=PAGE_SIZE, offset=page_no * PAGE_SIZE)
if ranked.empty and page_no > 0:  # decisions emptied the last page: back to the first
    st.session_state.pop(page_key, None)
    page_no = 0
    ranked, total = resources.queue_page(identity.username, queue, limit=PAGE_SIZE)
st.caption(f"**Order.** {ORDERS[order]}")
if ranked.empty:
    st.success("Nothing left in this view: every site here is decided (choose 'All' to see them).")
    st.stop()
if total > PAGE_SIZE:
    pages = -(-total // PAGE_SIZE)
    st.number_input(
        f"Page ({PAGE_SIZE} sites each, {wording.count(pages, 'page')}; {wording.count(total, 'site')} in this view)",
        1,
        pages,
        key=page_key,
    )

left, right = st.columns([3, 2])
with left:
    triage_map(identity, queue, ranked, total)
    table = wording.label_columns(ranked, ("match_status", "impact_class"), missing=wording.NOT_RATED)
    table = wording.label_columns(table, ("decision",), missing="Undecided")
    st.dataframe(
        table[["rank", "site_id", "match_status", "impact_class", "p_max", "area_km2", "nearest_dam_m", "decision"]],
        hide_index=True,
        height=220,
        column_config={
            "rank": st.column_config.NumberColumn("#"),
            "site_id": st.column_config.NumberColumn("Site"),
            "match_status": st.column_config.TextColumn("Register status"),
            "impact_class": st.column_config.TextColumn("Impact"),
            "p_max": st.column_config.NumberColumn("P(mine)", format="%.2f"),
            "area_km2": st.column_config.NumberColumn("km²", format="%.2f"),
            "nearest_dam_m": st.column_config.NumberColumn("Nearest dam (m)", format="%.0f"),
            "decision": st.column_config.TextColumn("Decision"),
        },
    )
with right:
    decision_panel(identity, queue, page_no * PAGE_SIZE)
