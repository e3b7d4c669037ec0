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
NEW_EXPLAINED = (
    "New this period first: within each register group, the places first seen in the latest imagery of their area "
    "(seen nowhere in the earlier imagery of the same area) come before the rest, then by risk."
)
GROWTH_EXPLAINED = (
    "Grew most first: within each register group, the places whose area grew most since the period before come "
    "first (in hectares), then by risk."
)
#: The queue orders a reviewer can choose, with what each one means.
ORDERS: dict[str, str] = {
    "risk": RANKING_EXPLAINED,
    "uncertain": UNCERTAIN_EXPLAINED,
    "new": NEW_EXPLAINED,
    "growth": GROWTH_EXPLAINED,
}


@dataclass(frozen=True)
class RequeueRule:
    """When a place already confirmed or rejected comes back to the queue: its area grew by more than
    ``growth_pct`` percent or more than ``growth_ha`` hectares since the decision (or its register status changed).
    A supervisor sets it; these are the defaults."""

    growth_pct: float = 50.0
    growth_ha: float = 5.0

    def __post_init__(self) -> None:
        if not (self.growth_pct > 0 and self.growth_ha > 0):
            raise ValueError(
                f"the re-queue thresholds must be positive; got {self.growth_pct:g} % and {self.growth_ha:g} ha"
            )

    def describe(self) -> str:
        """The rule in one line for a reviewer."""
        return (
            f"A confirmed or rejected place comes back when it grew by more than {self.growth_pct:g} % or "
            f"{self.growth_ha:g} ha since the decision, or its register status changed."
        )


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
