"""Cohen's kappa against hand-computed values."""

from __future__ import annotations

import math

import pytest

from core.review.agreement import cohen_kappa


def test_kappa_matches_a_hand_computed_table() -> None:
    # 10 sites: both confirm 4, both reject 3, 3 disagreements (c/r, r/c, c/u).
    a = ["confirmed"] * 4 + ["rejected"] * 3 + ["confirmed", "rejected", "confirmed"]
    b = ["confirmed"] * 4 + ["rejected"] * 3 + ["rejected", "confirmed", "unsure"]
    k = cohen_kappa(a, b)
    # p_o = 0.7; p_e = 0.6*0.5 + 0.4*0.4 + 0*0.1 = 0.46; kappa = 0.24 / 0.54
    assert k.pairs == 10 and k.agreed == 7
    assert k.observed == pytest.approx(0.7) and k.expected == pytest.approx(0.46)
    assert k.kappa == pytest.approx(0.24 / 0.54)
    assert "kappa 0.44 over 10" in k.summary()


def test_kappa_edges() -> None:
    assert cohen_kappa(["confirmed", "rejected"], ["confirmed", "rejected"]).kappa == pytest.approx(1.0)
    assert cohen_kappa(["confirmed", "rejected"], ["rejected", "confirmed"]).kappa == pytest.approx(-1.0)
    assert cohen_kappa(["unsure"] * 3, ["unsure"] * 3).kappa == 1.0
    empty = cohen_kappa([], [])
    assert empty.pairs == 0 and math.isnan(empty.kappa) and "no site" in empty.summary()
    with pytest.raises(ValueError, match="same items"):
        cohen_kappa(["confirmed"], [])
    with pytest.raises(ValueError, match="unknown label"):
        cohen_kappa(["maybe"], ["confirmed"])
