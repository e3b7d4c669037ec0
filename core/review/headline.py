"""The few numbers a manager comes for: how many candidate sites, how many decided, how many confirmed sites no
register explains, and whether two reviewers agree. Pure: the store gives the counts and the double-review pairs."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core import wording
from core.review.agreement import Agreement


@dataclass(frozen=True)
class Headline:
    """The queue's headline numbers (sites, as the dashboard counts them)."""

    sites: int
    decided: int
    confirmed_unregistered: int
    unregistered_undecided: int
    agreement: Agreement

    @property
    def decided_share(self) -> float:
        """Decided sites over all sites (0 when there are none)."""
        return self.decided / self.sites if self.sites else 0.0

    @property
    def kappa_text(self) -> str:
        """Cohen's kappa with two decimals (the language's decimal mark), or a dash before any site has two
        independent decisions."""
        return "—" if not self.agreement.pairs else wording.number(self.agreement.kappa, 2)


def headline(counts: pd.DataFrame, agreement: Agreement) -> Headline:
    """The headline from sites per register ``status`` and latest ``decision`` ('undecided' when none)."""

    def sites(status: str | None = None, decision: str | None = None, decided: bool | None = None) -> int:
        keep = pd.Series(True, index=counts.index)
        if status is not None:
            keep &= counts["status"] == status
        if decision is not None:
            keep &= counts["decision"] == decision
        if decided is not None:
            keep &= (counts["decision"] != "undecided") == decided
        return int(counts.loc[keep, "sites"].sum())

    return Headline(
        sites=sites(),
        decided=sites(decided=True),
        confirmed_unregistered=sites("unregistered", "confirmed"),
        unregistered_undecided=sites("unregistered", "undecided"),
        agreement=agreement,
    )
