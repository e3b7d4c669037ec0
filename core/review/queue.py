"""The triage queue's order and filters: what an auditor should look at first, and why (shown in the UI).

The store runs the order in SQL over all sites (db.queue.queue_page); the order itself is defined here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.wording.translate import N_, _, localise_number

#: Register status, most urgent first (a site no register explains comes first).
STATUS_ORDER = ("unregistered", "possibly_off_target", "registered")
#: Impact class, most urgent first; unrated sites come after these.
IMPACT_ORDER = ("high_impact", "low_impact")

#: What each queue order means (English, translated where shown: ``_(ORDERS[order])``).
RANKING_EXPLAINED = N_(
    "Sites no register explains come first (unregistered, then possibly off-target register coordinates, then "
    "registered); within each, high-impact ore before low-impact and unrated; then the model's highest P(mine), "
    "then the largest area. Undecided sites come before decided ones."
)

UNCERTAIN_EXPLAINED = N_(
    "Least certain first: the sites whose P(mine) is nearest the scan's threshold, where the model is least sure "
    "and a decision teaches it most; undecided sites before decided ones."
)
NEW_EXPLAINED = N_(
    "New this period first: within each register group, the places first seen in the latest imagery of their area "
    "(seen nowhere in the earlier imagery of the same area) come before the rest, then by risk."
)
GROWTH_EXPLAINED = N_(
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
            message = _("the re-queue thresholds must be positive; got {pct} % and {ha} ha")
            raise ValueError(message.format(pct=_g(self.growth_pct), ha=_g(self.growth_ha)))

    def describe(self) -> str:
        """The rule in one line for a reviewer."""
        message = _(
            "A confirmed or rejected place comes back when it grew by more than {pct} % or {ha} ha since the "
            "decision, or its register status changed."
        )
        return message.format(pct=_g(self.growth_pct), ha=_g(self.growth_ha))


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
            message = _("queue order must be one of {orders}; got {order!r}")
            raise ValueError(message.format(orders=", ".join(ORDERS), order=self.order))


def _g(value: float) -> str:
    """A threshold as typed (``50``, ``2.5``; ``2,5`` in pt-BR)."""
    return localise_number(f"{value:g}")


def next_site(ranked: pd.DataFrame, after_site_id: int | None) -> int | None:
    """The first undecided site in queue order other than ``after_site_id`` (None when all are decided)."""
    undecided = ranked[ranked["decision"].isna() & (ranked["site_id"] != after_site_id)]
    return int(undecided["site_id"].iloc[0]) if not undecided.empty else None
