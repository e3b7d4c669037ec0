"""Managers' dashboard: sites by status and decision, confirmed unregistered sites, throughput, queue progress."""

import streamlit as st

from core import wording
from core.review.agreement import cohen_kappa
from db.exports import export_rows
from db.reviews import disagreements, double_review_pairs, reviewer_throughput, status_decision_counts
from ui import auth, resources

auth.require_page("view_dashboard")
st.title("Dashboard")
resources.store_banner()
con = resources.db()
counts = status_decision_counts(con)
if counts.empty:
    st.info("No candidate sites yet.")
    st.stop()
total = int(counts["sites"].sum())
decided = int(counts.loc[counts["decision"] != "undecided", "sites"].sum())
confirmed_unreg = int(
    counts.loc[(counts["decision"] == "confirmed") & (counts["status"] == "unregistered"), "sites"].sum()
)
m1, m2, m3, m4 = st.columns(4)
m1.metric("Candidate sites", total)
m2.metric("Decided", decided, f"{decided / total:.0%} of the queue")
m3.metric("Confirmed unregistered", confirmed_unreg)
m4.metric(
    "Unregistered, undecided",
    int(counts.loc[(counts["decision"] == "undecided") & (counts["status"] == "unregistered"), "sites"].sum()),
)
pairs = double_review_pairs(con)
agreement = cohen_kappa(pairs["decision_1"].tolist(), pairs["decision_2"].tolist())
st.subheader("Agreement between reviewers")
a1, a2 = st.columns([1, 3])
a1.metric("Cohen's kappa", "—" if not agreement.pairs else f"{agreement.kappa:.2f}")
a2.caption(
    f"{agreement.summary()}. A share of sites goes to two reviewers who do not see each other's decision; "
    f"{len(disagreements(con))} disagreement(s) wait for a supervisor."
)
st.subheader("Sites by register status and decision")
st.bar_chart(wording.label_columns(counts, ("status", "decision")), x="status", y="sites", color="decision", stack=True)
st.progress(decided / total, text=f"Queue progress: {decided:,} of {wording.count(total, 'site')} decided")
rows = export_rows(con, decision="confirmed")
unreg = rows[rows["match_status"] != "registered"]
st.subheader("Confirmed sites no register explains")
if unreg.empty:
    st.caption("None confirmed yet.")
else:
    by = unreg.assign(
        impact=[wording.label(v, missing=wording.NOT_RATED) for v in unreg["impact_class"]],
        state=unreg["nearest_dam_state"].fillna("no dam near"),
    )
    st.bar_chart(
        by.groupby(["state", "impact"]).size().rename("sites").reset_index(),
        x="state",
        y="sites",
        color="impact",
        stack=True,
    )
    st.caption("State is that of the nearest registered dam. Registered dams near confirmed sites:")
    st.dataframe(
        wording.label_columns(unreg, ("match_status",))[
            [
                "site_id",
                "match_status",
                "nearest_dam_name",
                "nearest_dam_owner",
                "nearest_dam_m",
                "nearest_dam_risk",
                "nearest_dam_damage",
                "imagery_summary",
            ]
        ],
        hide_index=True,
    )
throughput = reviewer_throughput(con)
st.subheader("Reviewer throughput")
if throughput.empty:
    st.caption("No decisions yet.")
else:
    st.bar_chart(throughput, x="day", y="decisions", color="reviewer", stack=True)
    st.dataframe(throughput, hide_index=True)
