"""The triage queue's order: what an auditor should look at first, and why (shown in the UI)."""

from __future__ import annotations

import pandas as pd

STATUS_RANK = {"unregistered": 0, "possibly_off_target": 1, "registered": 2}
IMPACT_RANK = {"high_impact": 0, "low_impact": 1}

RANKING_EXPLAINED = (
    "Sites no register explains come first (unregistered, then possibly off-target register coordinates, then "
    "registered); within each, high-impact ore before low-impact and unrated; then the model's highest P(mine), "
    "then the largest area. Undecided sites come before decided ones."
)


def rank_queue(sites: pd.DataFrame) -> pd.DataFrame:
    """Sort sites for review (see :data:`RANKING_EXPLAINED`) and number them from 1 in a ``rank`` column.

    Expects the columns ``match_status``, ``impact_class``, ``p_max``, ``area_km2`` and ``decision``.
    """
    if sites.empty:
        return sites.assign(rank=pd.Series(dtype="int64"))
    keys = pd.DataFrame(
        {
            "decided": sites["decision"].notna().astype(int),
            "status": sites["match_status"].map(STATUS_RANK).fillna(len(STATUS_RANK)),
            "impact": sites["impact_class"].map(IMPACT_RANK).fillna(len(IMPACT_RANK)),
            "p": -sites["p_max"].astype(float),
            "area": -sites["area_km2"].astype(float),
            "id": sites["site_id"],
        },
        index=sites.index,
    )
    order = keys.sort_values(list(keys.columns), kind="stable").index
    ranked = sites.loc[order].reset_index(drop=True)
    return ranked.assign(rank=range(1, len(ranked) + 1))


def next_site(ranked: pd.DataFrame, after_site_id: int | None) -> int | None:
    """The first undecided site in queue order other than ``after_site_id`` (None when all are decided)."""
    undecided = ranked[ranked["decision"].isna() & (ranked["site_id"] != after_site_id)]
    return int(undecided["site_id"].iloc[0]) if not undecided.empty else None


def filter_sites(
    sites: pd.DataFrame,
    *,
    scan_id: int | None = None,
    states: list[str] | None = None,
    statuses: list[str] | None = None,
    impacts: list[str] | None = None,
    decided: bool | None = None,
) -> pd.DataFrame:
    """Keep the sites that pass every given filter (None = no filter). Unrated impact is called 'not rated'."""
    keep = pd.Series(True, index=sites.index)
    if scan_id is not None:
        keep &= sites["scan_id"] == scan_id
    if states:
        keep &= sites["nearest_dam_state"].isin(states)
    if statuses:
        keep &= sites["match_status"].isin(statuses)
    if impacts:
        keep &= sites["impact_class"].fillna("not rated").isin(impacts)
    if decided is not None:
        keep &= sites["decision"].notna() == decided
    return sites[keep]


#: Columns of a site's decision that a blind reviewer must not see from others.
DECISION_COLUMNS = ("decision", "reason", "note", "reviewer", "decided_at")


def as_seen_by(sites: pd.DataFrame, reviewer: str, blind: set[int], own: pd.DataFrame) -> pd.DataFrame:
    """The queue as ``reviewer`` sees it: on ``blind`` sites (double review, not yet decided by two reviewers)
    only their own latest decision (``own``: site_id and decision columns), never another reviewer's.

    Adds ``blind`` (bool). A blind site this reviewer has not decided stays undecided for them, so it stays in
    their queue even after a colleague decided it.
    """
    out = sites.copy()
    out["blind"] = out["site_id"].isin(blind)
    if not out["blind"].any():
        return out
    mine = own.assign(reviewer=reviewer).set_index("site_id")
    ids = out.loc[out["blind"], "site_id"]
    for col in DECISION_COLUMNS:
        if col in out.columns:
            out[col] = out[col].astype(object)
            values = mine[col].to_dict() if col in mine.columns else {}
            out.loc[out["blind"], col] = [values.get(i) for i in ids]
    return out
