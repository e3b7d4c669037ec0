"""The before/after measures on frozen cases, on a grid small enough to count by hand."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine
from shapely.geometry import box

from core.training.frozen_cases import Case, SceneCases, curve, score

#: 270 m cells from (0, 0) with y growing upward: cell (col c, row r) covers x [270c, 270c + 270].
CELLS = Affine(270.0, 0, 0, 0, 270.0, 0)


def _cell_box(col: int, row: int) -> box:
    return box(270 * col + 10, 270 * row + 10, 270 * col + 260, 270 * row + 260)


def test_found_still_flagged_false_and_far_are_counted_like_an_auditor() -> None:
    p = np.full((12, 12), 0.1)
    p[2, 2] = 0.9  # on the confirmed site
    p[8, 8] = 0.8  # on the rejected lake: still flagged, and a false site
    p[2, 8] = 0.7  # on nothing: a false site
    p[0, 0] = np.nan  # nodata is never scored
    cases = [Case(1, "confirmed", "tailings_visible", _cell_box(2, 2)),
             Case(2, "rejected", "natural_lake", _cell_box(8, 8)),
             Case(3, "confirmed", "mine_visible", _cell_box(5, 9))]  # fmt: skip
    at = score([SceneCases(p, CELLS, cases)], 0.5, margin_m=5_000.0)
    assert at["found"] == 1 and at["confirmed"] == 2 and at["site_recall"] == 0.5
    assert at["rejected_still_flagged"] == {"natural_lake": {"cases": 1, "still_flagged": 1}}
    assert at["false_sites"] == 2 and at["precision"] == pytest.approx(1 / 3, abs=1e-4)
    scored = at["scored_km2"]
    assert 0 < scored <= 143 * 0.0729 + 1e-6  # 144 cells of 0.0729 km², one of them nodata
    assert at["far_share"] == pytest.approx(2 * 0.0729 / scored, abs=1e-4)
    # Above 0.85 only the confirmed site's cell is left; the curve is the same scoring at every threshold.
    high = score([SceneCases(p, CELLS, cases)], 0.85, margin_m=5_000.0)
    assert high["false_sites"] == 0 and high["precision"] == 1.0 and high["found"] == 1
    rows = curve([SceneCases(p, CELLS, cases)], (0.5, 0.85), margin_m=5_000.0)
    assert rows[0] == at and rows[1] == high
