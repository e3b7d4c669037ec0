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
from core.wording import translate
from core.wording.translate import N_, _
from db.dossiers import place_token
from db.queue import queue_choices
from db.reviews import review_history
from db.scans import scan_imagery, scan_scene_path
from db.sites import site_impact_probs
from db.workflows import decide
from ui import auth, resources, site_pictures, state
from ui.decision_keys import keys_help, reason_buttons, step_buttons
from ui.dossier import dossier_downloads
from ui.place_history import changed_note, place_summary, show_in_time
from ui.triage_map import MAP_FOCUS, triage_map

#: Sites per page of the queue: the selector, the table and the map's outlines hold one page.
PAGE_SIZE = 200
#: The impact filter's code for sites without an impact class (db.queue), and the words for a missing rating.
NOT_RATED = "not rated"
NOT_RATED_WORDS = N_("not rated")
#: What an empty filter means (Streamlit's own placeholder is English).
ANY = N_("Any")
#: Stable widget keys: a widget whose options or default change between runs keeps the person's choice.
SITE_KEY = "triage_site"


def _record_decision(identity: Identity, site_id: int, decision: str, following: int | None) -> None:
    """Store the decision (with the reason and note typed for this site) and move the queue on."""
    if auth.current_identity() is None:  # the session ended since the page was drawn: record nothing
        return
    reason = st.session_state.get(f"reason_{site_id}")
    if decision == "rejected" and reason is None:  # the key N works before a reason: it says what is missing
        st.session_state[state.DECISION_ERROR] = _(
            "**Pick a reason first.** A rejection says what the site is: choose it above or press its key "
            "(**1**-**9**, **0**), then reject again. Nothing was recorded."
        )
        return
    note = st.session_state.get(f"note_{site_id}") or None
    shown = st.session_state.get(state.SITE_SHOWN_AT)
    seconds = round(time.monotonic() - shown[1], 1) if shown and shown[0] == site_id else None
    before = resources.queue_token()
    try:
        review_id = decide(resources.db(), identity, site_id, decision, reason, note, seconds)
    except MineScanError as err:
        st.session_state[state.DECISION_ERROR] = f"**{_(err.title)}.** {err}"
        return
    resources.note_own_decision(identity.username, site_id, decision, before, review_id)
    words = {"site_id": site_id, "decision": wording.label(decision).lower()}
    st.session_state[state.FLASH] = (
        _("Site {site_id}: {decision} ({reason}).").format(reason=wording.label(reason), **words)
        if reason
        else _("Site {site_id}: {decision}.").format(**words)
    )
    if following is not None:
        st.session_state[SITE_KEY] = following
        st.session_state[state.SELECTED_SITE] = following


def _wkt(value: object) -> str | None:
    return None if wording.is_missing(value) else str(value)


def _prefetch(con: Any, row: Any, site_id: int, reviewer: str) -> None:
    scene = scan_scene_path(con, int(row["scan_id"]))
    site_pictures.prefetch(resources.store(), site_id, reviewer, place_token(con, site_id), scene, float(row["lon"]),
                           float(row["lat"]), _wkt(row["outline_wkt"]), translate.current())  # fmt: skip


def _site_label(row: Any) -> str:
    impact = wording.label(row.impact_class, short=True, missing=wording.NOT_RATED)
    status = wording.label(row.match_status, short=True)
    marks = [_("changed since decided")] if getattr(row, "changed", False) else []
    marks += [_("new this period")] if getattr(row, "new_in_latest", False) else []
    text = _("#{rank} · site {site_id} · {status} · {impact}").format(
        rank=row.rank, site_id=row.site_id, status=status, impact=impact
    )
    return text + "".join(f" · {m}" for m in marks)


def _nearest_dam(site: object) -> str:
    get = site.get  # type: ignore[attr-defined]
    if wording.is_missing(get("nearest_dam_id")) or wording.is_missing(get("nearest_dam_m")):
        return _("No registered dam in the store.")
    return _(
        "Nearest registered dam: **{name}** (id {dam_id}), {distance} away · owner {owner} · ore {ore} · risk {risk} "
        "· potential damage {damage}"
    ).format(
        name=wording.text(get("nearest_dam_name")), dam_id=get("nearest_dam_id"),
        distance=wording.metres(get("nearest_dam_m")), owner=wording.text(get("nearest_dam_owner")),
        ore=wording.text(get("nearest_dam_ore")), risk=wording.text(get("nearest_dam_risk")),
        damage=wording.text(get("nearest_dam_damage")),
    )  # fmt: skip


@st.fragment
def decision_panel(identity: Identity, queue: QueueFilter, offset: int) -> None:
    """The selected site's evidence, its history and the decision buttons (reruns on its own)."""
    with resources.page_run():  # a fragment run does not pass through app.py: close what it opens here
        if auth.current_identity() is None:  # revoked, expired or disabled since the last full run
            st.rerun(scope="app")
        _panel(identity, queue, offset)


def _panel(identity: Identity, queue: QueueFilter, offset: int) -> None:
    con = resources.db()
    ranked, _total = resources.queue_page(identity.username, queue, limit=PAGE_SIZE, offset=offset)
    if ranked.empty:
        st.success(_("Nothing left on this page: every site here is decided."))
        if st.button(_("Show the queue again")):
            st.rerun(scope="app")
        return
    ids = [int(i) for i in ranked["site_id"]]
    if st.session_state.get(SITE_KEY) not in ids:
        wanted = st.session_state.get(state.SELECTED_SITE)
        st.session_state[SITE_KEY] = wanted if wanted in ids else (next_site(ranked, None) or ids[0])
    labels = {int(r.site_id): _site_label(r) for r in ranked.itertuples()}
    current = int(st.selectbox(_("Site"), ids, key=SITE_KEY, format_func=lambda i: labels[int(i)]))
    st.session_state[state.SELECTED_SITE] = current
    step_buttons(ids, current, SITE_KEY, state.SELECTED_SITE)
    shown = st.session_state.get(state.SITE_SHOWN_AT)
    if not shown or shown[0] != current:
        st.session_state[state.SITE_SHOWN_AT] = (current, time.monotonic())
    site = ranked.set_index("site_id").loc[current]

    st.subheader(_("Site {site_id}: {status}").format(site_id=current, status=wording.label(site["match_status"])))
    if summary := place_summary(site):
        st.markdown(summary)
    if note := changed_note(site):
        st.warning(note, icon=":material/history:")
    m1, m2, m3 = st.columns(3)
    m1.metric(_("P(mine) max"), wording.number(site["p_max"], 2))
    m2.metric(_("Area (km²)"), wording.number(site["area_km2"], 2))
    m3.metric(_("Impact"), wording.label(site["impact_class"], short=True, missing=wording.NOT_RATED))
    if wording.is_missing(site["impact_class"]):
        st.caption(_("Impact {rating}.").format(rating=wording.text(site["impact_rating"], NOT_RATED_WORDS)))
    probs = site_impact_probs(con, current)
    impact = ", ".join(f"{wording.label(k).lower()} {wording.number(v, 2)}" for k, v in probs.items())
    st.caption(
        _("P(mine) max {p_max}, mean {p_mean} over {cells} · impact: {impact}").format(
            p_max=wording.number(site["p_max"], 2),
            p_mean=wording.number(site["p_mean"], 2),
            cells=wording.count(int(site["cell_count"]), "cell", "cells"),
            impact=impact or _("none"),
        )
    )
    st.markdown(_nearest_dam(site))
    # Plain text: the recipe holds a region label someone typed.
    st.text(_("Imagery: {summary}").format(summary=scan_imagery(con, int(site["scan_id"])).summary()))
    scene_path = scan_scene_path(con, int(site["scan_id"]))
    if scene_path:
        try:
            chips = site_pictures.chips(scene_path, float(site["lon"]), float(site["lat"]), _wkt(site["outline_wkt"]),
                                        translate.current())  # fmt: skip
            for col, chip in zip(st.columns(len(chips)), chips, strict=True):
                bar = f"{chip.scale_m} m"
                col.image(chip.rgb, caption=_("{picture} · bar {length}").format(picture=chip.title, length=bar))
        except (MineScanError, ValueError) as err:
            st.warning(_("No image chip: {error}").format(error=err))
    try:
        token = place_token(con, current)
        show_in_time(
            site_pictures.place_dossier(resources.store(), current, identity.username, token, translate.current())
        )
    except MineScanError as err:
        st.caption(_("No history for this place: {error}").format(error=err))
    dossier_downloads(current, identity)
    if st.button(_("Show on the map"), help=_("Redraw the map centred on this site, with the decisions taken so far")):
        st.session_state[MAP_FOCUS] = current
        st.rerun(scope="app")

    history = review_history(con, current)
    if bool(site["blind"]):
        history = history[history["reviewer"] == identity.username]
        st.caption(_("Double review: a colleague decides this site too; you see each other's calls once both are in."))
    if not history.empty:
        st.markdown(_("**History**"))
        st.table(wording.history_rows(history))  # a plain table: notes are shown as typed, never as Markdown or HTML
    st.selectbox(
        _("Reason"),
        list(REASONS),
        index=None,
        format_func=wording.label,
        key=f"reason_{current}",
        placeholder=_("What is it? (required to reject)"),
    )
    reason_buttons(current)
    st.text_area(_("Note"), key=f"note_{current}")
    following = next_site(ranked, current)
    if following is not None:  # what a decision moves on to: its pictures are made while this site is looked at
        _prefetch(con, ranked.set_index("site_id").loc[following], following, identity.username)
    b1, b2, b3 = st.columns(3)
    for d, column in (("confirmed", b1), ("rejected", b2), ("unsure", b3)):
        column.button(
            wording.label(d),
            key=f"{d}_{current}",
            shortcut=DECISION_KEYS[d],
            use_container_width=True,
            # A callback records the decision before the panel reruns: one run per click, not two.
            on_click=_record_decision,
            args=(identity, current, d, following),
        )
    st.caption(keys_help())
    if st.session_state.get(state.DECISION_ERROR):
        st.error(st.session_state.pop(state.DECISION_ERROR))
    if st.session_state.get(state.FLASH):
        st.toast(st.session_state.pop(state.FLASH))


#: The 'Show' choices (their values are codes; the words are translated where shown) and the queue orders' names.
SHOW_LABELS = {"Undecided": wording.LABELS["undecided"], "Decided": N_("Decided"), "All": N_("All")}
ORDER_LABELS = {
    "risk": N_("Highest risk first"),
    "uncertain": N_("Least certain first (teaches the model most)"),
    "new": N_("New this period first"),
    "growth": N_("Grew most first"),
}

identity = auth.require_page("decide")
st.title(_("Triage queue"))
con = resources.db()
scan_ids, dam_states = queue_choices(con)
if not scan_ids:
    st.info(_("No candidate sites yet: run a scan (or set up the demo on the Overview page)."))
    st.page_link("app_pages/scan.py", label=_("Scan a scene"), icon=":material/satellite_alt:")
    st.stop()
if st.session_state.get("triage_scan") not in scan_ids:
    st.session_state.pop("triage_scan", None)

f1, f2, f3, f4, f5 = st.columns(5)
scan_id = f1.selectbox(_("Scan"), scan_ids, key="triage_scan")
states = f2.multiselect(_("State (of nearest dam)"), dam_states, key="triage_states", placeholder=_(ANY))
statuses = f3.multiselect(
    _("Register status"), list(STATUS_ORDER), format_func=wording.label, key="triage_statuses", placeholder=_(ANY)
)
impacts = f4.multiselect(
    _("Impact"),
    [*IMPACT_ORDER, NOT_RATED],
    format_func=lambda k: wording.label(k, short=True) if k != NOT_RATED else _(wording.NOT_RATED),
    key="triage_impacts",
    placeholder=_(ANY),
)
decided_choice = f5.radio(
    _("Show"), list(SHOW_LABELS), horizontal=True, key="triage_show", format_func=lambda k: _(SHOW_LABELS[k])
)
decided = {"Undecided": False, "Decided": True, "All": None}[decided_choice]
order = st.radio(
    _("Order"), list(ORDERS), horizontal=True, key="triage_order", format_func=lambda k: _(ORDER_LABELS[k])
)
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
st.caption(_("**Order.** {explained}").format(explained=_(ORDERS[order])))
if ranked.empty:
    st.success(_("Nothing left in this view: every site here is decided (choose 'All' to see them)."))
    st.stop()
if total > PAGE_SIZE:
    pages = -(-total // PAGE_SIZE)
    st.number_input(
        _("Page ({per_page} sites each, {pages}; {sites} in this view)").format(
            per_page=wording.number(PAGE_SIZE),
            pages=wording.count(pages, "page", "pages"),
            sites=wording.count(total, "site", "sites"),
        ),
        1,
        pages,
        key=page_key,
    )

left, right = st.columns([3, 2])
with left:
    triage_map(identity, queue, ranked, total)
    table = wording.label_columns(ranked, ("match_status", "impact_class"), missing=wording.NOT_RATED)
    table = wording.label_columns(table, ("decision",), missing=wording.LABELS["undecided"])
    st.dataframe(
        table[["rank", "site_id", "match_status", "impact_class", "p_max", "area_km2", "nearest_dam_m", "decision"]],
        hide_index=True,
        height=220,
        column_config={
            "rank": st.column_config.NumberColumn("#"),
            "site_id": st.column_config.NumberColumn(_("Site")),
            "match_status": st.column_config.TextColumn(_("Register status")),
            "impact_class": st.column_config.TextColumn(_("Impact")),
            "p_max": st.column_config.NumberColumn(_("P(mine)"), format="%.2f"),
            "area_km2": st.column_config.NumberColumn("km²", format="%.2f"),
            "nearest_dam_m": st.column_config.NumberColumn(_("Nearest dam (m)"), format="%.0f"),
            "decision": st.column_config.TextColumn(_("Decision")),
        },
    )
with right:
    decision_panel(identity, queue, page_no * PAGE_SIZE)
