"""Scoring a model version on a frozen evaluation set: reviewed places kept out of every training set.

Each case is a decided site (confirmed or rejected, with its reason) in a scanned scene. A version's P(mine) grid
of that scene is scored at a threshold the way an auditor would meet it:

- site recall: the share of confirmed cases with a positive cell within ``near_m`` (270 m, one output cell);
- still flagged: per rejection reason, how many rejected cases still have a positive cell within ``near_m``;
- far share: the share of the scored area flagged more than ``near_m`` from every confirmed case;
- false sites per 10 km²: groups of touching positive cells all farther than ``near_m`` from confirmed cases;
- precision: the share of positive cells within ``near_m`` of a confirmed case.

The scored area is the part of each scene within ``margin_m`` of a case, so a parent and its child are measured
on exactly the same cells. Pure: grids and geometries in, numbers out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine
from scipy import ndimage

NEAR_M = 270.0
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.96, 0.05))


@dataclass(frozen=True)
class Case:
    """One frozen case: a decided site's outline in the scene's CRS (metres)."""

    site_id: int
    decision: str  # 'confirmed' or 'rejected'
    reason: str
    outline: shapely.Geometry


@dataclass(frozen=True)
class SceneCases:
    """A version's P(mine) grid of one scene (cells of ``cell_transform``) and the cases in it."""

    p_mine: np.ndarray
    cell_transform: Affine
    cases: Sequence[Case]


@dataclass(frozen=True)
class _Prepared:
    p: np.ndarray  # P(mine) of the scored cells (NaN = nodata)
    scored: np.ndarray  # bool grid: within margin of a case
    near_confirmed: np.ndarray  # bool grid: within NEAR_M of a confirmed case
    near_case: list[np.ndarray]  # per case, bool grid of cells within NEAR_M
    cell_km2: float


def _prepare(scene: SceneCases, margin_m: float, near_m: float) -> _Prepared:
    rows, cols = scene.p_mine.shape
    cc, rr = np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
    x, y = scene.cell_transform @ (cc.ravel(), rr.ravel())
    points = shapely.points(np.asarray(x), np.asarray(y))
    distances = [shapely.distance(c.outline, points).reshape(rows, cols) for c in scene.cases]
    scored = np.zeros((rows, cols), bool)
    near_confirmed = np.zeros((rows, cols), bool)
    for case, d in zip(scene.cases, distances, strict=True):
        scored |= d <= margin_m
        if case.decision == "confirmed":
            near_confirmed |= d <= near_m
    t = scene.cell_transform
    cell_km2 = abs(t.a * t.e - t.b * t.d) / 1e6
    return _Prepared(scene.p_mine, scored & np.isfinite(scene.p_mine), near_confirmed,
                     [d <= near_m for d in distances], cell_km2)  # fmt: skip


def score(scenes: Sequence[SceneCases], threshold: float, margin_m: float = 2_000.0,
          near_m: float = NEAR_M) -> dict[str, object]:  # fmt: skip
    """The auditor's measures of a version on the frozen cases at ``threshold``."""
    return _score([_prepare(s, margin_m, near_m) for s in scenes], [s.cases for s in scenes], threshold)


def _score(prepared: Sequence[_Prepared], cases: Sequence[Sequence[Case]], threshold: float) -> dict[str, object]:
    found = confirmed = false_sites = n_positive = n_far = 0
    flagged_far = area = 0.0
    rejected: dict[str, list[int]] = {}
    for prep, scene_cases in zip(prepared, cases, strict=True):
        positive = prep.scored & (np.nan_to_num(prep.p, nan=0.0) > threshold)
        for case, near in zip(scene_cases, prep.near_case, strict=True):
            hit = bool((positive & near).any())
            if case.decision == "confirmed":
                confirmed += 1
                found += hit
            else:
                counts = rejected.setdefault(case.reason, [0, 0])
                counts[0] += 1
                counts[1] += hit
        far = positive & ~prep.near_confirmed
        n_positive, n_far = n_positive + int(positive.sum()), n_far + int(far.sum())
        flagged_far += float(far.sum()) * prep.cell_km2
        area += float(prep.scored.sum()) * prep.cell_km2
        false_sites += int(ndimage.label(far, structure=np.ones((3, 3)))[1])
    return {
        "threshold": float(threshold),
        "confirmed": confirmed,
        "found": found,
        "site_recall": round(found / confirmed, 4) if confirmed else float("nan"),
        "false_sites": false_sites,
        "false_per_10km2": round(10.0 * false_sites / area, 4) if area else float("nan"),
        "far_share": round(flagged_far / area, 4) if area else float("nan"),
        "precision": round(1 - n_far / n_positive, 4) if n_positive else float("nan"),
        "scored_km2": round(area, 2),
        "rejected_still_flagged": {k: {"cases": v[0], "still_flagged": v[1]} for k, v in sorted(rejected.items())},
    }


def curve(scenes: Sequence[SceneCases], thresholds: Sequence[float] = THRESHOLDS, margin_m: float = 2_000.0,
          near_m: float = NEAR_M) -> list[dict[str, object]]:  # fmt: skip
    """:func:`score` at each threshold (the distances are computed once)."""
    prepared = [_prepare(s, margin_m, near_m) for s in scenes]
    return [_score(prepared, [s.cases for s in scenes], t) for t in thresholds]
