"""Agreement between two reviewers who decided the same sites blind to each other: Cohen's kappa, disagreements.

Pure functions on plain data; the store supplies each double-reviewed site's first decision by each of its first
two reviewers (:func:`db.reviews.double_review_pairs`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.review.decisions import DECISIONS


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
            return "no site has two independent decisions yet"
        return (
            f"Cohen's kappa {self.kappa:.2f} over {self.pairs} double-reviewed sites "
            f"({self.agreed} agreed, {self.observed:.0%} observed vs {self.expected:.0%} by chance)"
        )


def cohen_kappa(first: Sequence[str], second: Sequence[str], categories: Sequence[str] = DECISIONS) -> Agreement:
    """Cohen's kappa of two raters' labels on the same items (1 = perfect, 0 = chance, < 0 = worse than chance).

    When both raters always give one and the same label, chance agreement is 1 and kappa is defined as 1.

    Raises:
        ValueError: different lengths, or a label outside ``categories``.
    """
    if len(first) != len(second):
        raise ValueError(f"both raters need the same items; got {len(first)} and {len(second)} labels")
    unknown = sorted({x for x in (*first, *second) if x not in categories})
    if unknown:
        raise ValueError(f"unknown label(s) {unknown}; expected {list(categories)}")
    n = len(first)
    if n == 0:
        return Agreement(0, 0, float("nan"), float("nan"), float("nan"))
    agreed = sum(a == b for a, b in zip(first, second, strict=True))
    observed = agreed / n
    expected = sum((first.count(c) / n) * (second.count(c) / n) for c in categories)
    kappa = 1.0 if expected == 1.0 else (observed - expected) / (1.0 - expected)
    return Agreement(n, agreed, observed, expected, kappa)
