"""Supervisors: agreement between reviewers, the disagreements queue, and signing off or overriding decisions."""

from pathlib import Path

import streamlit as st

from core import wording
from core.errors import MineScanError
from core.imagery.chips import site_chips
from core.review.agreement import cohen_kappa
from core.review.decisions import DECISIONS, REASONS
from db.exports import export_rows
from db.reviews import disagreements, double_review_pairs, review_history
from db.scans import scan_scene_path
from db.workflows import override
from ui import auth, resources

_cached_chips = st.cache_data(show_spinner=False, max_entries=32)(site_chips)
SAVED = "override_saved"

identity = auth.require_page("supervise")
st.title("Disagreements")
resources.store_banner()
con = resources.db()
pairs = double_review_pairs(con)
st.caption(cohen_kappa(pairs["decision_1"].tolist(), pairs["decision_2"].tolist()).summary())
if st.session_state.get(SAVED):
    st.success(st.session_state.pop(SAVED))
open_items = disagreements(con)
if open_items.empty:
    st.success("No disagreement waits for a sign-off.")
else:
    st.dataframe(
        wording.label_columns(open_items, ("decision_1", "decision_2", "reason_1", "reason_2"), missing="—"),
        hide_index=True,
    )
site_ids = open_items["site_id"].astype(int).tolist()
with st.form("override", clear_on_submit=True):
    st.markdown("**Sign off or override** a site's decision: your decision becomes the final one; the others stay.")
    site_id = st.number_input("Site", min_value=1, step=1, value=site_ids[0] if site_ids else 1, key="override_site")
    decision = st.radio(
        "Final decision", list(DECISIONS), index=None, horizontal=True, format_func=wording.label, key="override_dec"
    )
    reason = st.selectbox("Reason", list(REASONS), index=None, format_func=lambda k: REASONS[k], key="override_why")
    note = st.text_area("Why (required)", key="override_note")
    submitted = st.form_submit_button("Record the final decision", type="primary")
if submitted:
    if decision is None:
        st.error("**Choose the final decision.** Nothing was recorded.")
    else:
        try:
            override(con, identity, int(site_id), decision, note, reason)
        except MineScanError as err:
            resources.show_error(err)
        else:
            st.session_state[SAVED] = (
                f"Site {int(site_id)}: final decision '{wording.label(decision)}' recorded by {identity.label}"
                + (f" ({REASONS[reason]})." if reason else ".")
            )
            st.rerun()

row = export_rows(con).set_index("site_id")
if int(site_id) in row.index:
    site = row.loc[int(site_id)]
    st.subheader(f"Site {int(site_id)}: {wording.label(site['match_status'])}")
    scene_path = scan_scene_path(con, int(site["scan_id"]))
    if scene_path:
        try:
            chips = _cached_chips(
                Path(scene_path), float(site["lon"]), float(site["lat"]), outline_wkt=site["outline_wkt"]
            )
            for col, chip in zip(st.columns(len(chips) + 1)[: len(chips)], chips, strict=True):
                col.image(chip.rgb, caption=f"{chip.title} · bar {chip.scale_m} m")
        except (MineScanError, ValueError) as err:
            st.warning(f"No image chip: {err}")
history = review_history(con, int(site_id))
if not history.empty:
    st.markdown(f"**Decisions on site {int(site_id)}**")
    st.table(wording.history_rows(history))  # notes shown as typed, never as Markdown or HTML
