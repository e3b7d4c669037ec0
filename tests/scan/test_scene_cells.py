"""Cell labels from masks, overlap groups, and the per-site scoring of P(mine) grids against masks."""

from __future__ import annotations

import numpy as np
import pytest

from core.scan.cells import (
    BACKGROUND,
    IGNORED,
    MINE,
    CellLabelSettings,
    cell_labels,
    overlap_groups,
    symmetric_size,
    unscannable_cells,
)
from core.scan.grid import output_cells
from core.training.mask_evaluation import (
    MIN_SITE_PX,
    Targets,
    cell_classification,
    pool_scores,
    recommend_threshold,
    scene_truth,
    score_grid,
)
from models.datasets import augment_arrays

SIZE = 444  # 10 x 10 cells, no leftover pixels
PIXEL_M = (10.0, 10.0)


def _footprint(cell: int) -> slice:
    start = 27 * cell + 87
    return slice(start, start + 27)


def test_symmetric_size_leaves_no_pixel_outside_the_cell_grid() -> None:
    assert symmetric_size(448) == 444 and output_cells(444) == 10
    assert symmetric_size(201) == 201 and symmetric_size(200) == 0
    for n in range(201, 1200):
        size = symmetric_size(n)
        assert size <= n < size + 27 and (size - 201) % 27 == 0 and output_cells(size) == (size - 201) // 27 + 1


def test_cells_touching_the_mask_are_mine_far_ones_background_the_ring_ignored() -> None:
    mask = np.zeros((SIZE, SIZE), bool)
    mask[_footprint(4), _footprint(4)] = True  # exactly the footprint of cell (4, 4)
    labels = cell_labels(mask, np.ones_like(mask))
    assert labels[4, 4] == MINE
    assert (labels == MINE).sum() == 1
    ring = [(r, c) for r in (3, 4, 5) for c in (3, 4, 5) if (r, c) != (4, 4)]
    assert all(labels[r, c] == IGNORED for r, c in ring)  # within 27 px of the mask
    assert (labels == BACKGROUND).sum() == 100 - 9
    # With no clearance only the mine cell's neighbours that touch nothing become background too.
    assert (cell_labels(mask, np.ones_like(mask), CellLabelSettings(clearance_px=0)) == BACKGROUND).sum() == 99


def test_one_mask_pixel_in_a_footprint_makes_the_cell_mine() -> None:
    mask = np.zeros((SIZE, SIZE), bool)
    mask[_footprint(0).stop - 1, _footprint(9).start] = True
    assert cell_labels(mask, np.ones_like(mask))[0, 9] == MINE


def test_nodata_windows_are_ignored_like_the_scan_drops_them() -> None:
    valid = np.ones((SIZE, SIZE), bool)
    valid[:, :150] = False  # the left windows are mostly nodata
    valid[_footprint(7).start + 3, _footprint(7).start + 3] = False  # one nodata pixel in cell (7, 7)'s footprint
    out = unscannable_cells(valid, 0.5)
    assert out[:, 0].all() and out[7, 7] and not out[0, 9]
    labels = cell_labels(np.zeros_like(valid), valid)
    assert (labels[out] == IGNORED).all() and (labels[~out] == BACKGROUND).all()


def test_overlapping_boxes_share_a_group_even_through_a_chain() -> None:
    boxes = [(0, 0, 2, 2), (1.5, 1.5, 3, 3), (2.9, 2.9, 4, 4), (10, 10, 11, 11), (2, 0, 3, 1)]
    groups = overlap_groups(boxes)
    assert groups[0] == groups[1] == groups[2]
    assert groups[3] != groups[0] and groups[4] != groups[0] and groups[3] != groups[4]  # touching edges only


def test_augmentation_turns_a_scene_and_its_label_grid_together() -> None:
    """A scene whose mask is drawn into its pixels keeps labels that match its pixels after any symmetry."""
    rng = np.random.default_rng(3)
    masks = np.zeros((8, SIZE, SIZE), bool)
    for m in masks:
        r, c = rng.integers(0, 10, size=2)
        m[_footprint(int(r)), _footprint(int(c))] = True
    x = masks[..., None].astype(np.float32)
    labels = np.stack([cell_labels(m, np.ones_like(m)) for m in masks])
    x_aug, labels_aug = augment_arrays([x, labels], np.random.default_rng(0))
    assert not np.array_equal(labels_aug, labels)  # something did turn
    for image, grid in zip(x_aug, labels_aug, strict=True):
        assert np.array_equal(cell_labels(image[..., 0] > 0, np.ones((SIZE, SIZE), bool)), grid)


def _truth_with_sites(*cells: tuple[int, int], speck: tuple[int, int] | None = None) -> tuple[np.ndarray, object]:
    mask = np.zeros((SIZE, SIZE), bool)
    for r, c in cells:
        mask[_footprint(r), _footprint(c)] = True
    if speck is not None:
        mask[speck] = True
    return mask, scene_truth(mask, PIXEL_M, (10, 10))


def test_score_counts_found_sites_false_candidates_and_far_area() -> None:
    mask, truth = _truth_with_sites((2, 2), (7, 7))
    p = np.full((10, 10), 0.1, np.float32)
    p[2, 2] = 0.9  # on the first site
    p[6, 6] = 0.8  # next to the second site: one cell away = 270 m, counts as found
    p[0, 9] = 0.95  # a lone false site, far from both
    p[9, 0] = np.nan  # not scanned
    score = score_grid(p, truth, 0.6)
    assert score.tailings_sites == 2 and score.found == 2
    assert score.candidates == 3 and score.false_candidates == 1
    cell_km2 = (27 * 10 / 1000) ** 2
    assert score.scanned_km2 == pytest.approx(99 * cell_km2)
    assert score.flagged_km2 == pytest.approx(3 * cell_km2) and score.flagged_far_km2 == pytest.approx(cell_km2)
    missed = score_grid(p, truth, 0.85)  # only the lone false site and the first site stay
    assert missed.found == 1 and missed.false_candidates == 1
    rates = pool_scores([score, missed])
    assert rates["site_recall"] == pytest.approx(3 / 4)
    assert rates["false_per_10km2"] == pytest.approx(10 * 2 / (2 * 99 * cell_km2), rel=1e-3)


def test_specks_and_sites_outside_the_scanned_cells_are_not_sites_to_find() -> None:
    mask, truth = _truth_with_sites((5, 5), speck=(5, 5))
    assert MIN_SITE_PX > 1 and len(truth.to_site) == 1  # the one-pixel speck at the corner is not a site
    outside = np.zeros((SIZE, SIZE), bool)
    outside[:40, :40] = True  # in the unscanned border only
    assert scene_truth(outside, PIXEL_M, (10, 10)).to_site == ()


def test_one_big_blob_touching_tailings_is_not_a_false_site_but_its_far_area_shows() -> None:
    mask, truth = _truth_with_sites((5, 5))
    score = score_grid(np.full((10, 10), 0.9, np.float32), truth, 0.6)
    assert score.false_candidates == 0 and score.found == 1
    assert score.flagged_far_km2 / score.scanned_km2 == pytest.approx(91 / 100)


def test_recommended_threshold_meets_the_targets_with_the_best_recall() -> None:
    rows = [
        {"threshold": 0.3, "site_recall": 1.0, "false_per_10km2": 2.0, "far_share": 0.1, "candidate_precision": 0.4},
        {"threshold": 0.5, "site_recall": 0.95, "false_per_10km2": 0.8, "far_share": 0.04, "candidate_precision": 0.7},
        {"threshold": 0.7, "site_recall": 0.91, "false_per_10km2": 0.2, "far_share": 0.01, "candidate_precision": 0.9},
    ]
    threshold, why = recommend_threshold(rows, Targets())
    assert threshold == 0.5 and "every target" in why
    # Nothing meets a strict far-area target: recall first, the highest threshold that still finds 90 %.
    threshold, why = recommend_threshold(rows, Targets(max_far_share=0.005))
    assert threshold == 0.7 and "still finds 90%" in why
    threshold, why = recommend_threshold(rows, Targets(min_site_recall=0.96, max_far_share=0.005))
    assert threshold == 0.3 and "still finds 96%" in why
    # No threshold finds 99 % of sites: the best recall within the false-alarm targets.
    threshold, why = recommend_threshold(rows, Targets(min_site_recall=1.01))
    assert threshold == 0.5 and "best recall within the false-alarm targets" in why


def test_window_classification_skips_ignored_cells_and_nan() -> None:
    labels = np.array([[MINE, BACKGROUND, IGNORED, MINE]])
    p = np.array([[0.9, 0.2, 0.9, np.nan]])
    scores = cell_classification(p, labels)
    assert scores["n"] == 2 and scores["accuracy"] == 1.0 and scores["confusion"] == [[1, 0], [0, 1]]
