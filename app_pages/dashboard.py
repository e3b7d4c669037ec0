"""Managers' dashboard: sites by status and decision, the places over time (mined area, new unregistered area,
confirmed places no register explains), confirmed unregistered sites, throughput, queue progress."""

import altair as alt
import pandas as pd
import streamlit as st

from core import wording
from core.review.export_columns import COLUMN_TITLES
from core.wording.translate import N_, _, localise_number, ngettext
from db.connection import Connection
from db.exports import export_rows
from db.place_stats import AMW_MIN_DIFF_HA, SPLITS, over_time
from db.reviews import disagreements, reviewer_throughput, status_decision_counts
from ui import auth, resources
from ui.headline import show_headline, store_headline

#: How the mined area can be split, in words.
SPLIT_WORDS = {"state": N_("State of the nearest registered dam"), "status": N_("Register status")}
#: The columns of the confirmed unregistered sites' table (their titles are the export's).
UNREG_COLUMNS = ["site_id", "match_status", "nearest_dam_name", "nearest_dam_owner", "nearest_dam_m",
                 "nearest_dam_risk", "nearest_dam_damage", "imagery_summary"]  # fmt: skip
#: The columns of the reviewer throughput table, in words.
THROUGHPUT_WORDS = {"day": N_("Day"), "reviewer": N_("Reviewer"), "decisions": N_("Decisions"),
                    "median_seconds": N_("Median seconds per decision")}  # fmt: skip


def period_bars(frame: pd.DataFrame, value: str, title: str, legend: str) -> alt.Chart:
    """Bars per period in time order (``period`` words), stacked by ``group``; the provisional period paler.

    ``title`` and ``legend`` are words already in the reader's language (the fields stay codes)."""
    order = frame.sort_values("period_start")["period"].unique().tolist()
    data = frame[["period", "provisional", "group", value]]
    period = _("Period")
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("period:N", sort=order, title=period, axis=alt.Axis(labelAngle=0)),
            y=alt.Y(f"{value}:Q", title=title, stack=True),
            color=alt.Color("group:N", title=legend),
            opacity=alt.condition("datum.provisional", alt.value(0.45), alt.value(1.0)),
            tooltip=[
                alt.Tooltip("period:N", title=period),
                alt.Tooltip("group:N", title=legend),
                alt.Tooltip(f"{value}:Q", title=title, format=",.2f"),
            ],
        )
    )


def show_over_time(con: Connection) -> None:
    """Mined area and places per period, new unregistered area per period, confirmed places no register explains."""
    st.subheader(_("Over time"))
    c1, c2 = st.columns(2)
    split = c1.radio(_("Split by"), SPLITS, format_func=lambda s: _(SPLIT_WORDS[s]), horizontal=True)
    confirmed_only = c2.toggle(
        _("Only places a reviewer confirmed"),
        help=_("Otherwise every place not rejected: confirmed, unsure, undecided."),
    )
    reason = _(wording.SMALL_DIFF_REASON).format(ha=AMW_MIN_DIFF_HA)
    ha = localise_number(f"{AMW_MIN_DIFF_HA:g}")
    drop_small = c2.checkbox(_("Drop differences of {ha} ha or less").format(ha=ha), value=False, help=reason)
    stats = over_time(con, by=split, confirmed_only=confirmed_only, min_diff_ha=AMW_MIN_DIFF_HA if drop_small else 0.0)
    if stats.latest_period is None:
        st.caption(_("No dated scans yet: these charts need scans with an acquisition period."))
        return
    note = _(wording.PROVISIONAL_NOTE).format(latest=stats.latest_period)
    counted = _("only places a reviewer confirmed") if confirmed_only else _("places a reviewer rejected are left out")
    undated = ngettext(
        "{places} seen only in undated scans is left out.", "{places} seen only in undated scans are left out.",
        stats.undated_places,
    ).format(places=wording.count(stats.undated_places, "place", "places"))  # fmt: skip
    words = wording.state if split == "state" else wording.label
    legend = _(SPLIT_WORDS[split])
    mined = wording.label_periods(stats.mined).assign(group=[words(v) for v in stats.mined[split]])
    st.markdown(_("**Mined area and places per period**"))
    left, right = st.columns(2)
    left.altair_chart(period_bars(mined, "area_ha", _("Mined area (ha)"), legend), width="stretch")
    right.altair_chart(period_bars(mined, "places", _("Places"), legend), width="stretch")
    caption = _(
        "Each place counts in every period it was seen in, with that period's area, register status and nearest "
        "registered dam; {counted}. {note}"
    ).format(counted=counted, note=note)
    st.caption(f"{caption} {undated}" if stats.undated_places else caption)
    st.markdown(_("**New unregistered area per period**"))
    new = wording.label_periods(stats.new_area)
    parts = pd.concat(
        [
            new.assign(group=_("First seen in the period"), ha=new["new_ha"]),
            new.assign(group=_("Growth of places seen before"), ha=new["growth_ha"]),
        ]
    )
    st.altair_chart(period_bars(parts, "ha", _("New unregistered area (ha)"), _("Part")), width="stretch")
    dropped = _("Differences of {ha} ha or less are dropped.").format(ha=ha) + " " if drop_small else ""
    st.caption(f"{_(wording.NEW_AREA_DEFINITION)} {dropped}{reason} {note}")
    columns = {
        "period": _("Period"),
        "new_places": _("Places first seen"),
        "new_ha": _("Their area (ha)"),
        "grown_places": _("Places grown"),
        "growth_ha": _("Growth (ha)"),
        "total_ha": _("New unregistered (ha)"),
    }
    st.dataframe(new[list(columns)].rename(columns=columns), hide_index=True)
    st.markdown(_("**Confirmed places no register explains**, first seen first"))
    places = stats.confirmed_unregistered
    if places.empty:
        st.caption(_("None yet: no confirmed place lies away from every register."))
        return
    shown = pd.DataFrame(
        {
            _("Place"): places["place_id"],
            _("First seen"): [
                wording.period(p, f) for p, f in zip(places["first_period"], places["first_provisional"])
            ],
            _("Last seen"): [wording.period(p, f) for p, f in zip(places["last_period"], places["last_provisional"])],
            _("Persistence"): [wording.persistence(v) for v in places["persistence"]],
            _("First area (ha)"): places["first_area_ha"],
            _("Last area (ha)"): places["last_area_ha"],
            _("Growth (ha)"): places["growth_ha"],
            _("Growth (%)"): places["growth_pct"],
        }
    )
    st.dataframe(shown, hide_index=True)
    st.caption(_("Growth: since the place's previous sighting. {note}").format(note=note))


auth.require_page("view_dashboard")
st.title(_("Dashboard"))
resources.store_banner()
con = resources.db()
counts = status_decision_counts(con)
if counts.empty:
    st.info(_("No candidate sites yet."))
    st.stop()
numbers = store_headline(con, counts)
show_headline(numbers)
total, decided, agreement = numbers.sites, numbers.decided, numbers.agreement
st.subheader(_("Agreement between reviewers"))
waiting = len(disagreements(con))
st.caption(
    ngettext(
        "{summary}. A share of sites goes to two reviewers who do not see each other's decision; {n} disagreement "
        "waits for a supervisor.",
        "{summary}. A share of sites goes to two reviewers who do not see each other's decision; {n} disagreements "
        "wait for a supervisor.",
        waiting,
    ).format(summary=agreement.summary(), n=wording.number(waiting))
)
st.subheader(_("Sites by register status and decision"))
# Charts name their axes and legends in words: the columns are renamed before charting.
status_word, decision_word, sites_word = _("Register status"), _("Decision"), _("Sites")
by_status = wording.label_columns(counts, ("status", "decision")).rename(
    columns={"status": status_word, "decision": decision_word, "sites": sites_word}
)
st.bar_chart(by_status, x=status_word, y=sites_word, color=decision_word, stack=True, horizontal=True)
progress = _("Queue progress: {decided} of {sites} decided").format(
    decided=wording.number(decided), sites=wording.count(total, "site", "sites")
)
st.progress(decided / total, text=progress)
show_over_time(con)
rows = export_rows(con, decision="confirmed")
unreg = rows[rows["match_status"] != "registered"]
st.subheader(_("Confirmed sites no register explains"))
if unreg.empty:
    st.caption(_("None confirmed yet."))
else:
    by = unreg.assign(
        impact=[wording.label(v, missing=wording.NOT_RATED) for v in unreg["impact_class"]],
        state=unreg["nearest_dam_state"].fillna(_("no dam near")),
    )
    state_word, impact_word = _("State of the nearest dam"), _("Impact")
    per_state = by.groupby(["state", "impact"]).size().rename(sites_word).reset_index()
    per_state = per_state.rename(columns={"state": state_word, "impact": impact_word})
    st.bar_chart(per_state, x=state_word, y=sites_word, color=impact_word, stack=True)
    st.caption(_("State is that of the nearest registered dam. Registered dams near confirmed sites:"))
    st.dataframe(
        wording.label_columns(unreg, ("match_status",))[UNREG_COLUMNS],
        hide_index=True,
        column_config={name: _(COLUMN_TITLES[name]) for name in UNREG_COLUMNS},
    )
throughput = reviewer_throughput(con)
st.subheader(_("Reviewer throughput"))
if throughput.empty:
    st.caption(_("No decisions yet."))
else:
    day_word, decisions_word, reviewer_word = _("Day"), _("Decisions"), _("Reviewer")
    st.bar_chart(
        throughput.rename(columns={"day": day_word, "decisions": decisions_word, "reviewer": reviewer_word}),
        x=day_word, y=decisions_word, color=reviewer_word, stack=True,
    )  # fmt: skip
    st.dataframe(
        throughput,
        hide_index=True,
        column_config={name: _(words) for name, words in THROUGHPUT_WORDS.items() if name in throughput.columns},
    )
