"""Agreement between two reviewers who decided the same sites blind to each other: Cohen's kappa, disagreements.

Pure functions on plain data; the store supplies each double-reviewed site's first decision by each of its first
two reviewers (:func:`db.reviews.double_review_pairs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.review.decisions import DECISIONS
from core.wording import number, share
from core.wording.translate import _, localise_number, ngettext


@dataclass(frozen=True)
class Agreement:
    """Agreement over ``pairs`` sites decided by two reviewers."""

    pairs: int
    agreed: int
    observed: float
    expected: float
    kappa: float

    def summary(self) -> str:
        """One line for the dashboard."""
        if not self.pairs:
            return _("no site has two independent decisions yet")
        message = ngettext(
            "Cohen's kappa {kappa} over {pairs} double-reviewed site ({agreed} agreed, {observed} observed vs "
            "{expected} by chance)",
            "Cohen's kappa {kappa} over {pairs} double-reviewed sites ({agreed} agreed, {observed} observed vs "
            "{expected} by chance)",
            self.pairs,
        )
        return message.format(
            kappa=number(self.kappa, 2), pairs=number(self.pairs), agreed=number(self.agreed),
            observed=share(self.agreed, self.pairs), expected=localise_number(f"{self.expected:.0%}"),
        )  # fmt: skip


def cohen_kappa(first: Sequence[str], second: Sequence[str], categories: Sequence[str] = DECISIONS) -> Agreement:
    """Cohen's kappa of two raters' labels on the same items (1 = perfect, 0 = chance, < 0 = worse than chance).

    When both raters always give one and the same label, chance agreement is 1 and kappa is defined as 1.

    Raises:
        ValueError: different lengths, or a label outside ``categories``.
    """
    if len(first) != len(second):
        message = _("both raters need the same items; got {first} and {second} labels")
        raise ValueError(message.format(first=len(first), second=len(second)))
    unknown = sorted({x for x in (*first, *second) if x not in categories})
    if unknown:
        message = _("unknown label(s) {unknown}; expected {expected}")
        raise ValueError(message.format(unknown=unknown, expected=list(categories)))
    n = len(first)
    if n == 0:
        return Agreement(0, 0, float("nan"), float("nan"), float("nan"))
    agreed = sum(a == b for a, b in zip(first, second, strict=True))
    observed = agreed / n
    expected = sum((first.count(c) / n) * (second.count(c) / n) for c in categories)
    kappa = 1.0 if expected == 1.0 else (observed - expected) / (1.0 - expected)
    return Agreement(n, agreed, observed, expected, kappa)
