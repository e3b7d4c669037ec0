"""Triage: the ranked queue of candidate sites, the map, the evidence for one site, and the decision."""

import time

import streamlit as st

from core.chips import site_chips
from core.errors import MineScanError
from core.queue import IMPACT_ORDER, RANKING_EXPLAINED, STATUS_ORDER, QueueFilter, next_site
from core.review import REASONS
from core.scene_preview import scene_overview
from core.users import Identity
from db import repository
from db.workflows import decide
from ui import auth, resources, state
from ui.maps import triage_deck

IMPACT_LABELS = {"high_impact": "High", "low_impact": "Low"}
#: Sites per page of the queue: the selector, the table and the map's outlines hold one page.
PAGE_SIZE = 200
#: Grid of the map's count dots for the sites beyond the page.
DENSITY_CELL_DEG = 0.25


def _record_decision(identity: Identity, site_id: int, decision: str, following: int | None) -> None:
    """Store the decision (with the reason and note typed for this site) and move the queue on."""
    reason = st.session_state.get(f"reason_{site_id}")
    note = st.session_state.get(f"note_{site_id}") or None
    shown = st.session_state.get(state.SITE_SHOWN_AT)
    seconds = round(time.monotonic() - shown[1], 1) if shown and shown[0] == site_id else None
    try:
        decide(resources.db(), identity, site_id, decision, reason, note, seconds)
    except MineScanError as err:
        st.session_state[state.DECISION_ERROR] = f"**{err.title}.** {err}"
        return
    st.session_state[state.FLASH] = f"Site {site_id}: {decision}" + (f" ({REASONS[reason]})." if reason else ".")
    st.session_state[state.SELECTED_SITE] = following


identity = auth.require_page("decide")
st.title("Triage queue")
con = resources.db()
scan_ids, dam_states = repository.queue_choices(con)
if not scan_ids:
    st.info("No candidate sites yet: run a scan (or set up the demo on the Overview page).")
    st.page_link("app_pages/scan.py", label="Scan a scene", icon=":material/satellite_alt:")
    st.stop()

f1, f2, f3, f4, f5 = st.columns(5)
scan_id = f1.selectbox("Scan", scan_ids, index=0)
states = f2.multiselect("State (of nearest dam)", dam_states)
statuses = f3.multiselect("Register status", list(STATUS_ORDER))
impacts = f4.multiselect("Impact", [*IMPACT_ORDER, "not rated"])
decided_choice = f5.radio("Show", ["Undecided", "Decided", "All"], horizontal=True)
decided = {"Undecided": False, "Decided": True, "All": None}[decided_choice]
queue = QueueFilter(scan_id, tuple(states), tuple(statuses), tuple(impacts), decided)
# The store ranks all sites; the page holds one page of them. Double-review sites stay blind (only this
# reviewer's own call shows) until two reviewers have decided them.
page_key = f"{state.QUEUE_PAGE}_{hash(queue)}"
page_no = int(st.session_state.get(page_key, 1)) - 1
ranked, total = resources.queue_page(identity.username, queue, limit=PAGE_SIZE, offset=page_no * PAGE_SIZE)
if ranked.empty and page_no > 0:  # decisions emptied the last page: back to the first
    st.session_state.pop(page_key, None)
    ranked, total = resources.queue_page(identity.username, queue, limit=PAGE_SIZE)
st.caption(f"**Order.** {RANKING_EXPLAINED}")
if ranked.empty:
    st.success("Nothing left in this view: every site here is decided (choose 'All' to see them).")
    st.stop()
if total > PAGE_SIZE:
    pages = -(-total // PAGE_SIZE)
    st.number_input(
        f"Page ({PAGE_SIZE} sites each, {pages:,} pages; {total:,} sites in this view)", 1, pages, key=page_key
    )

ids = ranked["site_id"].tolist()
current = st.session_state.get(state.SELECTED_SITE)
if current not in ids:
    current = next_site(ranked, None) or ids[0]
labels = {
    int(r.site_id): f"#{r.rank} · site {r.site_id} · {r.match_status} · {r.impact_class or 'not rated'}"
    for r in ranked.itertuples()
}
current = st.selectbox("Site", ids, index=ids.index(current), format_func=lambda i: labels[int(i)])
st.session_state[state.SELECTED_SITE] = current
shown = st.session_state.get(state.SITE_SHOWN_AT)
if not shown or shown[0] != current:
    st.session_state[state.SITE_SHOWN_AT] = (current, time.monotonic())
site = ranked.set_index("site_id").loc[current]
scene_path = repository.scan_scene_path(con, int(site["scan_id"]))

left, right = st.columns([3, 2])
with left:
    try:
        overview = st.cache_data(scene_overview, show_spinner=False)(scene_path) if scene_path else None
    except MineScanError as err:  # the scene file was moved or deleted since the scan: the sites still count
        overview = None
        st.caption(f"No scene image under the map: {err}")
    density = resources.queue_density(identity.username, queue, DENSITY_CELL_DEG) if total > len(ranked) else None
    # The map opens on the selected site: the register around it is what an auditor compares it with.
    register = repository.register_near(con, [site["lon"]], [site["lat"]], margin_deg=0.5)
    st.pydeck_chart(triage_deck(ranked, register, overview, int(current), density), height=520)
    if density is not None:
        st.caption(
            f"The map outlines this page's {len(ranked)} sites; grey dots count all {total:,} sites in this view "
            f"per {DENSITY_CELL_DEG}° cell; registered dams and mines within 0.5° of the selected site."
        )
    st.dataframe(
        ranked[["rank", "site_id", "match_status", "impact_class", "p_max", "area_km2", "nearest_dam_m", "decision"]],
        hide_index=True,
        height=220,
        column_config={
            "p_max": st.column_config.NumberColumn("P(mine)", format="%.2f"),
            "area_km2": st.column_config.NumberColumn("km²", format="%.2f"),
            "nearest_dam_m": st.column_config.NumberColumn("nearest dam (m)", format="%.0f"),
        },
    )
with right:
    st.subheader(f"Site {current}: {site['match_status'].replace('_', ' ')}")
    m1, m2, m3 = st.columns(3)
    m1.metric("P(mine) max", f"{site['p_max']:.2f}")
    m2.metric("Area (km²)", f"{site['area_km2']:.2f}")
    m3.metric("Impact", IMPACT_LABELS.get(site["impact_class"], "Not rated"))
    if not isinstance(site["impact_class"], str):
        st.caption(f"Impact {site['impact_rating']}.")
    probs = repository.site_impact_probs(con, int(current))
    st.caption(
        f"P(mine) max {site['p_max']:.2f}, mean {site['p_mean']:.2f} over {site['cell_count']} cells · impact: "
        + (", ".join(f"{k.replace('_', ' ')} {v:.2f}" for k, v in probs.items()) if probs else "none")
    )
    if site["nearest_dam_id"] is not None and site["nearest_dam_m"] == site["nearest_dam_m"]:
        st.write(
            f"Nearest registered dam: **{site['nearest_dam_name']}** (id {site['nearest_dam_id']}), "
            f"{site['nearest_dam_m']:,.0f} m away · owner {site['nearest_dam_owner']} · ore {site['nearest_dam_ore']} "
            f"· risk {site['nearest_dam_risk']} · potential damage {site['nearest_dam_damage']}"
        )
    else:
        st.write("No registered dam in the store.")
    # Plain text: the recipe holds a region label someone typed.
    st.text(f"Imagery: {repository.scan_imagery(con, int(site['scan_id'])).summary()}")
    if scene_path:
        try:
            chips = st.cache_data(site_chips, show_spinner=False)(
                scene_path, float(site["lon"]), float(site["lat"]), outline_wkt=site["outline_wkt"]
            )
            for col, chip in zip(st.columns(len(chips)), chips, strict=True):
                col.image(chip.rgb, caption=f"{chip.title} · bar {chip.scale_m} m")
        except (MineScanError, ValueError) as err:
            st.warning(f"No image chip: {err}")
    history = repository.review_history(con, int(current))
    if bool(site["blind"]):
        history = history[history["reviewer"] == identity.username]
        st.caption("Double review: a colleague decides this site too; you see each other's calls once both are in.")
    if not history.empty:
        st.caption("History: " + "; ".join(f"{h.decision} by {h.reviewer}" for h in history.itertuples()))
    reason = st.selectbox(
        "Reason",
        list(REASONS),
        index=None,
        format_func=lambda k: REASONS[k],
        key=f"reason_{current}",
        placeholder="What is it? (required to reject)",
    )
    note = st.text_area("Note", key=f"note_{current}")
    following = next_site(ranked, int(current))
    b1, b2, b3 = st.columns(3)
    for d, column in (("confirmed", b1), ("rejected", b2), ("unsure", b3)):
        column.button(
            d.capitalize(),
            disabled=d == "rejected" and reason is None,
            key=f"{d}_{current}",
            use_container_width=True,
            # A callback records the decision before the next run draws the page: one run per click, not two.
            on_click=_record_decision,
            args=(identity, int(current), d, following),
        )
if st.session_state.get(state.DECISION_ERROR):
    st.error(st.session_state.pop(state.DECISION_ERROR))
if st.session_state.get(state.FLASH):
    st.toast(st.session_state.pop(state.FLASH))
