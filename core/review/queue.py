"""The triage queue's order and filters: what an auditor should look at first, and why (shown in the UI).

The store runs the order in SQL over all sites (db.queue.queue_page); the order itself is defined here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

#: Register status, most urgent first (a site no register explains comes first).
STATUS_ORDER = ("unregistered", "possibly_off_target", "registered")
#: Impact class, most urgent first; unrated sites come after these.
IMPACT_ORDER = ("high_impact", "low_impact")

RANKING_EXPLAINED = (
    "Sites no register explains come first (unregistered, then possibly off-target register coordinates, then "
    "registered); within each, high-impact ore before low-impact and unrated; then the model's highest P(mine), "
    "then the largest area. Undecided sites come before decided ones."
)

UNCERTAIN_EXPLAINED = (
    "Least certain first: the sites whose P(mine) is nearest the scan's threshold, where the model is least sure "
    "and a decision teaches it most; undecided sites before decided ones."
)
#: The queue orders a reviewer can choose, with what each one means.
ORDERS: dict[str, str] = {"risk": RANKING_EXPLAINED, "uncertain": UNCERTAIN_EXPLAINED}


@dataclass(frozen=True)
class QueueFilter:
    """Which sites the queue shows. Empty tuples and None mean 'no filter'; impact 'not rated' means no class."""

    scan_id: int | None = None
    states: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    impacts: tuple[str, ...] = ()
    decided: bool | None = None
    #: ``"risk"``: :data:`RANKING_EXPLAINED`; ``"uncertain"``: :data:`UNCERTAIN_EXPLAINED` (teaches the model most).
    order: str = "risk"

    def __post_init__(self) -> None:
        if self.order not in ORDERS:
            raise ValueError(f"queue order must be one of {', '.join(ORDERS)}; got {self.order!r}")


def next_site(ranked: pd.DataFrame, after_site_id: int | None) -> int | None:
    """The first undecided site in queue order other than ``after_site_id`` (None when all are decided)."""
    undecided = ranked[ranked["decision"].isna() & (ranked["site_id"] != after_site_id)]
    return int(undecided["site_id"].iloc[0]) if not undecided.empty else None
