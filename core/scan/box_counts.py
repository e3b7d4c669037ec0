"""Counting pixels of a boolean mask in many boxes at once (summed-area tables), and the scan's nodata rule.

One place for the rule that decides which output cells a scan leaves out, so that training labels, evaluation
and the scan agree on it.
"""

from __future__ import annotations

import numpy as np

from core.scan.grid import STRIDE_PX, WINDOW_PX, cell_bounds_px


def summed_area(mask: np.ndarray) -> np.ndarray:
    """Summed-area table of ``mask`` with a zero first row and column: box counts in O(1)."""
    table = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), dtype=np.int64)
    np.cumsum(np.cumsum(mask, axis=0, dtype=np.int64), axis=1, out=table[1:, 1:])
    return table


def box_counts(table: np.ndarray, r0: np.ndarray, r1: np.ndarray, c0: np.ndarray, c1: np.ndarray) -> np.ndarray:
    """Mask pixels in the boxes ``[r0, r1) x [c0, c1)`` (arrays broadcast together; bounds clipped to the mask)."""
    n_r, n_c = table.shape[0] - 1, table.shape[1] - 1
    r0, r1 = np.clip(r0, 0, n_r), np.clip(r1, 0, n_r)
    c0, c1 = np.clip(c0, 0, n_c), np.clip(c1, 0, n_c)
    counts: np.ndarray = table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0]
    return counts


def grid_box_counts(
    table: np.ndarray, row0: np.ndarray, col0: np.ndarray, size: int, grow: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Counts and clipped areas of the square boxes ``[s - grow, s + size + grow)`` at every (row0, col0) pair."""
    n_r, n_c = table.shape[0] - 1, table.shape[1] - 1
    r0, r1 = np.clip(row0 - grow, 0, n_r)[:, None], np.clip(row0 + size + grow, 0, n_r)[:, None]
    c0, c1 = np.clip(col0 - grow, 0, n_c)[None, :], np.clip(col0 + size + grow, 0, n_c)[None, :]
    return box_counts(table, r0, r1, c0, c1), (r1 - r0) * (c1 - c0)


def cells_without_data(
    invalid_table: np.ndarray, win_row0: np.ndarray, win_col0: np.ndarray, max_window_nodata: float
) -> np.ndarray:
    """Bool grid of the cells a scan leaves out: any nodata in the cell's 27-px footprint, or more than
    ``max_window_nodata`` of its 201-px window (clipped to the pixels there are: the last cells' windows may reach
    up to 12 px past the scene edge, where the network sees only its 'same' padding).

    ``invalid_table`` is the :func:`summed_area` of the nodata mask; ``win_row0``/``win_col0`` the windows' first
    pixels in its coordinates.
    """
    win_bad, win_area = grid_box_counts(invalid_table, win_row0, win_col0, WINDOW_PX)
    foot = int(cell_bounds_px(0)[0])
    foot_bad, _ = grid_box_counts(invalid_table, win_row0 + foot, win_col0 + foot, STRIDE_PX)
    return np.asarray((foot_bad > 0) | (win_bad > max_window_nodata * win_area))
