"""Scoring P(mine) grids against tailings masks the way an auditor would, and choosing a threshold.

Per scene and threshold: is each tailings site (a connected component of the mask) found by a candidate site
(an 8-connected group of positive cells, as :func:`core.scan.sites.sites_from_grid` forms them); how many candidate
sites lie on no tailings; how much scanned area is flagged more than one cell (270 m) from any tailings.
Distances are in metres, from each cell's 27-px footprint to the mask. Pure numpy/scipy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from core.scan.grid import STRIDE_PX, cell_bounds_px
from core.training.evaluation import MATCH_DISTANCE_M
from core.training.metrics import accuracy, confusion_matrix, f1_score, precision, recall
from core.wording.translate import _, localise_number

#: Mask components smaller than this (pixels, 10 m each) are digitising specks, not tailings sites.
MIN_SITE_PX = 10
_EIGHT = np.ones((3, 3), dtype=bool)


@dataclass(frozen=True)
class GridScore:
    """One scene at one threshold (areas in km²)."""

    tailings_sites: int
    found: int
    candidates: int
    false_candidates: int
    scanned_km2: float
    flagged_km2: float
    flagged_far_km2: float


@dataclass(frozen=True)
class Targets:
    """What a usable threshold must achieve (issue 6)."""

    min_site_recall: float = 0.9
    max_false_per_10km2: float = 1.0
    max_far_share: float = 0.05


def _cell_min(dist: np.ndarray, k_rows: int, k_cols: int) -> np.ndarray:
    """Minimum of a pixel array over each cell's 27-px footprint -> (k_rows, k_cols)."""
    f = int(cell_bounds_px(0)[0])
    block = dist[f : f + STRIDE_PX * k_rows, f : f + STRIDE_PX * k_cols]
    return np.asarray(block.reshape(k_rows, STRIDE_PX, k_cols, STRIDE_PX).min(axis=(1, 3)))


def _distance_to(region: np.ndarray, pixel_m: tuple[float, float]) -> np.ndarray:
    if not region.any():
        return np.full(region.shape, np.inf)
    return np.asarray(ndimage.distance_transform_edt(~region, sampling=pixel_m))


@dataclass(frozen=True)
class SceneTruth:
    """Per-cell distances (metres) from a scene's mask: to all tailings, and to each tailings site."""

    to_any: np.ndarray
    to_site: tuple[np.ndarray, ...]
    cell_km2: float


def scene_truth(mask: np.ndarray, pixel_m: tuple[float, float], grid_shape: tuple[int, int]) -> SceneTruth:
    """Distances from each cell of a ``grid_shape`` cell grid to the mask and to each of its sites.

    Only sites that reach the scanned cells' footprints count: a scan cannot find what it never looked at.
    """
    k_r, k_c = grid_shape
    components, n = ndimage.label(mask, structure=_EIGHT)
    sizes = np.bincount(components.ravel(), minlength=n + 1)
    f = int(cell_bounds_px(0)[0])
    scanned = np.zeros(mask.shape, dtype=bool)
    scanned[f : f + STRIDE_PX * k_r, f : f + STRIDE_PX * k_c] = True
    to_site = []
    for label in range(1, n + 1):
        site = components == label
        if sizes[label] < MIN_SITE_PX or not (site & scanned).any():
            continue
        to_site.append(_cell_min(_distance_to(site, pixel_m), k_r, k_c))
    to_any = _cell_min(_distance_to(mask, pixel_m), k_r, k_c)
    cell_km2 = STRIDE_PX * pixel_m[0] * STRIDE_PX * pixel_m[1] / 1e6
    return SceneTruth(to_any=to_any, to_site=tuple(to_site), cell_km2=cell_km2)


def score_grid(p_mine: np.ndarray, truth: SceneTruth, threshold: float) -> GridScore:
    """Score one scene's P(mine) grid (NaN = not scanned) at ``threshold``."""
    scanned = np.isfinite(p_mine)
    positive = scanned & (np.nan_to_num(p_mine, nan=0.0) > threshold)
    near = truth.to_any <= MATCH_DISTANCE_M
    clusters, n = ndimage.label(positive, structure=_EIGHT)
    on_tailings = np.unique(clusters[positive & near])
    found = sum(bool((positive & (d <= MATCH_DISTANCE_M)).any()) for d in truth.to_site)
    return GridScore(
        tailings_sites=len(truth.to_site),
        found=found,
        candidates=n,
        false_candidates=n - int(np.count_nonzero(on_tailings)),
        scanned_km2=float(scanned.sum() * truth.cell_km2),
        flagged_km2=float(positive.sum() * truth.cell_km2),
        flagged_far_km2=float((positive & ~near).sum() * truth.cell_km2),
    )


def pool_scores(scores: Sequence[GridScore]) -> dict[str, float]:
    """Totals over scenes and the auditor's rates: site recall, false sites per 10 km², far-flagged share."""
    total = {k: sum(getattr(s, k) for s in scores) for k in GridScore.__dataclass_fields__}
    sites, km2 = total["tailings_sites"], total["scanned_km2"]
    return {
        **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in total.items()},
        "site_recall": round(total["found"] / sites, 4) if sites else float("nan"),
        "false_per_10km2": round(10.0 * total["false_candidates"] / km2, 4) if km2 else float("nan"),
        "far_share": round(total["flagged_far_km2"] / km2, 4) if km2 else float("nan"),
        "candidate_precision": (
            round(1 - total["false_candidates"] / total["candidates"], 4) if total["candidates"] else float("nan")
        ),
    }


def threshold_curve(
    grids: Sequence[np.ndarray], truths: Sequence[SceneTruth], thresholds: Sequence[float]
) -> list[dict[str, float]]:
    """Pooled scores of all scenes at each threshold."""
    pairs = list(zip(grids, truths, strict=True))
    return [
        {"threshold": round(float(t), 4), **pool_scores([score_grid(g, tr, t) for g, tr in pairs])} for t in thresholds
    ]


def meets(row: dict[str, float], targets: Targets) -> bool:
    """Whether one row of a threshold curve meets every target."""
    return (
        row["site_recall"] >= targets.min_site_recall
        and row["false_per_10km2"] <= targets.max_false_per_10km2
        and row["far_share"] <= targets.max_far_share
    )


def recommend_threshold(curve: Sequence[dict[str, float]], targets: Targets) -> tuple[float, str]:
    """The threshold to ship, and why. A missed dam costs more than a false alarm, so recall comes first.

    Among thresholds meeting every target, the one with the highest site recall (fewest false sites on ties). If
    none meets them all, the highest threshold that still finds the target share of sites (the fewest false alarms
    at that recall). If no threshold finds that many, the best recall within the false-alarm targets; failing that,
    the best balance of site recall and candidate precision.
    """
    ok = [r for r in curve if meets(r, targets)]
    if ok:
        best = max(ok, key=lambda r: (r["site_recall"], -r["false_per_10km2"], r["threshold"]))
        return best["threshold"], _("highest site recall among thresholds meeting every target")
    finding = [r for r in curve if r["site_recall"] >= targets.min_site_recall]
    if finding:
        best = max(finding, key=lambda r: r["threshold"])
        return best["threshold"], _(
            "no threshold meets every target; the highest that still finds {share} of "
            "tailings sites (recall first: a missed dam costs more than a false alarm)"
        ).format(share=localise_number(f"{targets.min_site_recall:.0%}"))
    quiet = [
        r
        for r in curve
        if r["false_per_10km2"] <= targets.max_false_per_10km2 and r["far_share"] <= targets.max_far_share
    ]
    if quiet:
        best = max(quiet, key=lambda r: (r["site_recall"], r["threshold"]))
        return best["threshold"], _(
            "no threshold finds the target share of sites; best recall within the false-alarm targets"
        )

    def balance(r: dict[str, float]) -> float:
        p, s = r["candidate_precision"], r["site_recall"]
        return 0.0 if not (p + s) or np.isnan(p) else 2 * p * s / (p + s)

    best = max(curve, key=balance)
    return best["threshold"], _(
        "no threshold meets the recall or false-alarm targets; best balance of recall and precision"
    )


def cell_classification(p_mine: np.ndarray, labels: np.ndarray, threshold: float = 0.5) -> dict[str, object]:
    """Patch-level scores as the paper reports them: each labelled cell is one 201-px window, mine vs not-mine.

    ``labels`` uses 1 = mine, 0 = background, anything else (or a NaN probability) = not scored.
    """
    keep = ((labels == 0) | (labels == 1)) & np.isfinite(p_mine)
    y_true = labels[keep].astype(np.int64)
    y_pred = (p_mine[keep] > threshold).astype(np.int64)
    cm = confusion_matrix(y_true, y_pred, 2)
    return {
        "n": int(keep.sum()),
        "accuracy": round(accuracy(cm), 4),
        "precision": round(precision(cm, 1), 4),
        "recall": round(recall(cm, 1), 4),
        "f1": round(f1_score(cm, 1), 4),
        "confusion": cm.tolist(),
    }
