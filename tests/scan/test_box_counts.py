"""Summed-area box counts against brute force, and the scan's nodata rule on a hand-made case."""

from __future__ import annotations

import numpy as np

from core.scan.box_counts import box_counts, cells_without_data, grid_box_counts, summed_area
from core.scan.grid import STRIDE_PX, output_cells


def test_box_counts_equal_brute_force_including_clipped_boxes() -> None:
    rng = np.random.default_rng(3)
    mask = rng.random((57, 43)) < 0.3
    table = summed_area(mask)
    for _ in range(200):
        r0, c0 = rng.integers(-10, 60, size=2)
        r1, c1 = r0 + rng.integers(0, 30), c0 + rng.integers(0, 30)
        expected = mask[max(r0, 0) : max(min(r1, 57), 0), max(c0, 0) : max(min(c1, 43), 0)].sum()
        assert int(box_counts(table, np.array(r0), np.array(r1), np.array(c0), np.array(c1))) == expected


def test_grid_box_counts_report_clipped_areas() -> None:
    table = summed_area(np.ones((10, 10), bool))
    counts, areas = grid_box_counts(table, np.array([0, 8]), np.array([0]), size=4, grow=1)
    # Boxes [-1, 5) and [7, 13) clip to [0, 5) and [7, 10): 5 and 3 rows, 5 columns.
    np.testing.assert_array_equal(areas, [[25], [15]])
    np.testing.assert_array_equal(counts, areas)


def test_cells_without_data_footprint_and_window_rules() -> None:
    size = 444
    valid = np.ones((size, size), bool)
    valid[100, 100] = False  # one pixel in cell (3, 3)'s footprint (pixels 168..194 of windows starting at 81)
    valid[300:, :] = False  # the bottom rows: windows of the last cells are mostly nodata
    start = STRIDE_PX * np.arange(output_cells(size))
    bad = cells_without_data(summed_area(~valid), start, start, max_window_nodata=0.5)
    foot0 = start + 87
    assert bad[np.searchsorted(foot0, 100, side="right") - 1, np.searchsorted(foot0, 100, side="right") - 1]
    window_nodata = np.clip(start + 201 - 300, 0, 201) / 201
    np.testing.assert_array_equal(bad[:, 0], (window_nodata > 0.5) | (foot0 + 27 > 300) | _row_hit(foot0, 100, 0))


def _row_hit(foot0: np.ndarray, pixel: int, col_cell: int) -> np.ndarray:
    """Cells of column ``col_cell`` whose footprint holds row ``pixel`` and column ``pixel``."""
    col_hit = foot0[col_cell] <= pixel < foot0[col_cell] + 27
    return (foot0 <= pixel) & (pixel < foot0 + 27) & col_hit
