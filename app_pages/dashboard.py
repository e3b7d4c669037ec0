"""Managers' dashboard: sites by status and decision, the places over time (mined area, new unregistered area,
confirmed places no register explains), confirmed unregistered sites, throughput, queue progress."""

import altair as alt
import pandas as pd
import streamlit as st

from core import wording
from db.connection import Connection
from db.exports import export_rows
from db.place_stats import AMW_MIN_DIFF_HA, SPLITS, over_time
from db.reviews import disagreements, reviewer_throughput, status_decision_counts
from ui import auth, resources
from ui.headline import show_headline, store_headline

#: How the mined area can be split, in words.
SPLIT_WORDS = {"state": "State of the nearest registered dam", "status": "Register status"}


def period_bars(frame: pd.DataFrame, value: str, title: str, legend: str) -> alt.Chart:
    """Bars per period in time order (``period`` words), stacked by ``group``; the provisional period paler."""
    order = frame.sort_values("period_start")["period"].unique().tolist()
    data = frame[["period", "provisional", "group", value]]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("period:N", sort=order, title="Period", axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{value}:Q", title=title, stack=True),
            color=alt.Color("group:N", title=legend),
            opacity=alt.condition("datum.provisional", alt.value(0.45), alt.value(1.0)),
            tooltip=[
                alt.Tooltip("period:N", title="Period"),
                alt.Tooltip("group:N", title=legend),
                alt.Tooltip(f"{value}:Q", title=title, format=",.2f"),
            ],
        )
    )


def show_over_time(con: Connection) -> None:
    """Mined area and places per period, new unregistered area per period, confirmed places no register explains."""
    st.subheader("Over time")
    c1, c2 = st.columns(2)
    split = c1.radio("Split by", SPLITS, format_func=SPLIT_WORDS.__getitem__, horizontal=True)
    confirmed_only = c2.toggle(
        "Only places a reviewer confirmed", help="Otherwise every place not rejected: confirmed, unsure, undecided."
    )
    reason = wording.SMALL_DIFF_REASON.format(ha=AMW_MIN_DIFF_HA)
    drop_small = c2.checkbox(f"Drop differences of {AMW_MIN_DIFF_HA:g} ha or less", value=False, help=reason)
    stats = over_time(con, by=split, confirmed_only=confirmed_only, min_diff_ha=AMW_MIN_DIFF_HA if drop_small else 0.0)
    if stats.latest_period is None:
        st.caption("No dated scans yet: these charts need scans with an acquisition period.")
        return
    note = wording.PROVISIONAL_NOTE.format(latest=stats.latest_period)
    counted = "only places a reviewer confirmed" if confirmed_only else "places a reviewer rejected are left out"
    undated = f" {wording.count(stats.undated_places, 'place')} seen only in undated scans are left out."
    words = wording.state if split == "state" else wording.label
    mined = wording.label_periods(stats.mined).assign(group=[words(v) for v in stats.mined[split]])
    st.markdown("**Mined area and places per period**")
    left, right = st.columns(2)
    left.altair_chart(period_bars(mined, "area_ha", "Mined area (ha)", SPLIT_WORDS[split]), width="stretch")
    right.altair_chart(period_bars(mined, "places", "Places", SPLIT_WORDS[split]), width="stretch")
    st.caption(
        "Each place counts in every period it was seen in, with that period's area, register status and nearest "
        f"registered dam; {counted}. {note}{undated if stats.undated_places else ''}"
    )
    st.markdown("**New unregistered area per period**")
    new = wording.label_periods(stats.new_area)
    parts = pd.concat(
        [
            new.assign(group="First seen in the period", ha=new["new_ha"]),
            new.assign(group="Growth of places seen before", ha=new["growth_ha"]),
        ]
    )
    st.altair_chart(period_bars(parts, "ha", "New unregistered area (ha)", "Part"), width="stretch")
    dropped = f"Differences of {AMW_MIN_DIFF_HA:g} ha or less are dropped. " if drop_small else ""
    st.caption(f"{wording.NEW_AREA_DEFINITION} {dropped}{reason} {note}")
    columns = {
        "period": "Period",
        "new_places": "Places first seen",
        "new_ha": "Their area (ha)",
        "grown_places": "Places grown",
        "growth_ha": "Growth (ha)",
        "total_ha": "New unregistered (ha)",
    }
    st.dataframe(new[list(columns)].rename(columns=columns), hide_index=True)
    st.markdown("**Confirmed places no register explains**, first seen first")
    places = stats.confirmed_unregistered
    if places.empty:
        st.caption("None yet: no confirmed place lies away from every register.")
        return
    shown = pd.DataFrame(
        {
            "Place": places["place_id"],
            "First seen": [wording.period(p, f) for p, f in zip(places["first_period"], places["first_provisional"])],
            "Last seen": [wording.period(p, f) for p, f in zip(places["last_period"], places["last_provisional"])],
            "Persistence": [wording.persistence(v) for v in places["persistence"]],
            "First area (ha)": places["first_area_ha"],
            "Last area (ha)": places["last_area_ha"],
            "Growth (ha)": places["growth_ha"],
            "Growth (%)": places["growth_pct"],
        }
    )
    st.dataframe(shown, hide_index=True)
    st.caption(f"Growth: since the place's previous sighting. {note}")


auth.require_page("view_dashboard")
st.title("Dashboard")
resources.store_banner()
con = resources.db()
counts = status_decision_counts(con)
if counts.empty:
    st.info("No candidate sites yet.")
    st.stop()
numbers = store_headline(con, counts)
show_headline(numbers)
total, decided, agreement = numbers.sites, numbers.decided, numbers.agreement
st.subheader("Agreement between reviewers")
st.caption(
    f"{agreement.summary()}. A share of sites goes to two reviewers who do not see each other's decision; "
    f"{len(disagreements(con))} disagreement(s) wait for a supervisor."
)
st.subheader("Sites by register status and decision")
# Charts name their axes and legends in words: the columns are renamed before charting.
by_status = wording.label_columns(counts, ("status", "decision")).rename(
    columns={"status": "Register status", "decision": "Decision", "sites": "Sites"}
)
st.bar_chart(by_status, x="Register status", y="Sites", color="Decision", stack=True, horizontal=True)
st.progress(decided / total, text=f"Queue progress: {decided:,} of {wording.count(total, 'site')} decided")
show_over_time(con)
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
    per_state = by.groupby(["state", "impact"]).size().rename("Sites").reset_index()
    per_state = per_state.rename(columns={"state": "State of the nearest dam", "impact": "Impact"})
    st.bar_chart(per_state, x="State of the nearest dam", y="Sites", color="Impact", stack=True)
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
    st.bar_chart(
        throughput.rename(columns={"day": "Day", "decisions": "Decisions", "reviewer": "Reviewer"}),
        x="Day", y="Decisions", color="Reviewer", stack=True,
    )  # fmt: skip
    st.dataframe(throughput, hide_index=True)
