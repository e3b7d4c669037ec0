"""Supervisors: agreement between reviewers, the disagreements queue, and signing off or overriding decisions."""

from pathlib import Path

import streamlit as st

from core import wording
from core.errors import MineScanError
from core.imagery.chips import Chip, site_chips
from core.review.agreement import cohen_kappa
from core.review.decisions import DECISIONS, REASONS
from core.wording import translate
from core.wording.translate import _
from db.exports import export_rows
from db.reviews import disagreements, double_review_pairs, review_history
from db.scans import scan_scene_path
from db.workflows import override
from ui import auth, resources

SAVED = "override_saved"


@st.cache_data(show_spinner=False, max_entries=32)
def _cached_chips(scene: Path, lon: float, lat: float, outline_wkt: str | None, language: str) -> list[Chip]:
    """:func:`core.imagery.chips.site_chips`, titled in ``language`` (a cache entry per language)."""
    with translate.using(language):
        return site_chips(scene, lon, lat, outline_wkt=outline_wkt)


def _chip_caption(chip: Chip) -> str:
    return _("{picture} · bar {length}").format(picture=chip.title, length=f"{chip.scale_m} m")


identity = auth.require_page("supervise")
st.title(_("Disagreements"))
resources.store_banner()
con = resources.db()
pairs = double_review_pairs(con)
st.caption(cohen_kappa(pairs["decision_1"].tolist(), pairs["decision_2"].tolist()).summary())
if st.session_state.get(SAVED):
    st.success(st.session_state.pop(SAVED))
open_items = disagreements(con)
if open_items.empty:
    st.success(_("No disagreement waits for a sign-off."))
else:
    st.dataframe(
        wording.label_columns(open_items, ("decision_1", "decision_2", "reason_1", "reason_2"), missing="—"),
        hide_index=True,
        column_config={
            "site_id": _("Site"),
            "reviewer_1": _("First reviewer"),
            "decision_1": _("First decision"),
            "reviewer_2": _("Second reviewer"),
            "decision_2": _("Second decision"),
            "override_decision": wording.label("override"),
            "override_by": _("Signed off by"),
        },
    )
site_ids = open_items["site_id"].astype(int).tolist()
with st.form("override", clear_on_submit=True):
    st.markdown(_("**Sign off or override** a site's decision: your decision becomes the final one; the others stay."))
    site_id = st.number_input(_("Site"), min_value=1, step=1, value=site_ids[0] if site_ids else 1, key="override_site")
    decision = st.radio(
        _("Final decision"), list(DECISIONS), index=None, horizontal=True, format_func=wording.label, key="override_dec"
    )
    reason = st.selectbox(_("Reason"), list(REASONS), index=None, format_func=wording.label, key="override_why")
    note = st.text_area(_("Why (required)"), key="override_note")
    submitted = st.form_submit_button(_("Record the final decision"), type="primary")
if submitted:
    if decision is None:
        st.error(_("**Choose the final decision.** Nothing was recorded."))
    else:
        try:
            override(con, identity, int(site_id), decision, note, reason)
        except MineScanError as err:
            resources.show_error(err)
        else:
            words = {"site_id": int(site_id), "decision": wording.label(decision), "reviewer": identity.label}
            st.session_state[SAVED] = (
                _("Site {site_id}: final decision '{decision}' recorded by {reviewer} ({reason}).").format(
                    reason=wording.label(reason), **words
                )
                if reason
                else _("Site {site_id}: final decision '{decision}' recorded by {reviewer}.").format(**words)
            )
            st.rerun()

row = export_rows(con).set_index("site_id")
if int(site_id) in row.index:
    site = row.loc[int(site_id)]
    st.subheader(_("Site {site_id}: {status}").format(site_id=int(site_id), status=wording.label(site["match_status"])))
    scene_path = scan_scene_path(con, int(site["scan_id"]))
    if scene_path:
        try:
            chips = _cached_chips(
                Path(scene_path), float(site["lon"]), float(site["lat"]), site["outline_wkt"], translate.current()
            )
            for col, chip in zip(st.columns(len(chips) + 1)[: len(chips)], chips, strict=True):
                col.image(chip.rgb, caption=_chip_caption(chip))
        except (MineScanError, ValueError) as err:
            st.warning(_("No image chip: {error}").format(error=err))
history = review_history(con, int(site_id))
if not history.empty:
    st.markdown(_("**Decisions on site {site_id}**").format(site_id=int(site_id)))
    st.table(wording.history_rows(history))  # notes shown as typed, never as Markdown or HTML
