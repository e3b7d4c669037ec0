"""Supervisors: agreement between reviewers, the disagreements queue, and signing off or overriding decisions."""

import streamlit as st

from core.agreement import cohen_kappa
from core.errors import MineScanError
from core.review import DECISIONS, REASONS
from db import repository
from db.workflows import override
from ui import auth, resources

identity = auth.require_page("supervise")
st.title("Disagreements")
con = resources.db()
pairs = repository.double_review_pairs(con)
st.caption(cohen_kappa(pairs["decision_1"].tolist(), pairs["decision_2"].tolist()).summary())
open_items = repository.disagreements(con)
if open_items.empty:
    st.success("No disagreement waits for a sign-off.")
else:
    st.dataframe(open_items, hide_index=True)
site_ids = open_items["site_id"].astype(int).tolist()
with st.form("override"):
    st.markdown("**Sign off or override** a site's decision: your decision becomes the final one; the others stay.")
    site_id = st.number_input("Site", min_value=1, step=1, value=site_ids[0] if site_ids else 1)
    decision = st.radio("Final decision", list(DECISIONS), horizontal=True)
    reason = st.selectbox("Reason", list(REASONS), index=None, format_func=lambda k: REASONS[k])
    note = st.text_area("Why (required)")
    submitted = st.form_submit_button("Record the final decision", type="primary")
if submitted:
    try:
        override(con, identity, int(site_id), decision, note, reason)
    except MineScanError as err:
        resources.show_error(err)
    else:
        st.success(f"Site {int(site_id)}: final decision '{decision}' recorded.")
        st.rerun()
history = repository.review_history(con, int(site_id))
if not history.empty:
    st.subheader(f"Decisions on site {int(site_id)}")
    st.dataframe(history[["decided_at", "reviewer", "role", "kind", "decision", "reason", "note"]], hide_index=True)
