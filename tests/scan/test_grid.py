"""FCN output-grid geometry and tile plans (pure arithmetic); the Keras check lives in test_tiling_keras.py."""

from __future__ import annotations

import pytest

from core.scan.grid import STRIDE_PX, WINDOW_PX, cell_bounds_px, cell_centre_px, output_cells, plan_axis


@pytest.mark.parametrize(("n_px", "cells"), [(188, 0), (189, 1), (201, 1), (215, 1), (216, 2), (448, 10), (9216, 335)])
def test_output_cells_follows_three_poolings_and_a_7x7_valid_conv(n_px: int, cells: int) -> None:
    assert output_cells(n_px) == cells


def test_cell_centre_is_the_middle_of_its_201_px_window() -> None:
    assert cell_centre_px(0) == pytest.approx(100.5)
    assert cell_centre_px(3) == pytest.approx(3 * 27 + 100.5)
    lo, hi = cell_bounds_px(2)
    assert hi - lo == STRIDE_PX and (lo + hi) / 2 == pytest.approx(cell_centre_px(2))
    assert cell_bounds_px(3)[0] == pytest.approx(cell_bounds_px(2)[1])  # footprints tile the ground exactly


@pytest.mark.parametrize("n_px", [201, 430, 700, 1000, 3072])
@pytest.mark.parametrize("cells_per_tile", [1, 4, 40])
def test_tiles_cover_every_cell_once_with_enough_context(n_px: int, cells_per_tile: int) -> None:
    tiles = plan_axis(n_px, cells_per_tile)
    covered = [c for t in tiles for c in range(t.cell0, t.cell1)]
    assert covered == list(range(output_cells(n_px)))
    owned = [p for t in tiles for p in range(t.own0, t.own1)]
    assert owned == list(range(n_px))  # each pixel counted once in statistics
    for t in tiles:
        assert t.px0 % STRIDE_PX == 0 and 0 <= t.px0 < t.px1 <= n_px
        assert t.px0 <= t.own0 <= t.own1 <= t.px1
        assert t.px0 == 0 or STRIDE_PX * t.cell0 - 13 >= t.px0  # left receptive field inside the tile
        assert t.px1 == n_px or STRIDE_PX * (t.cell1 - 1) + WINDOW_PX + 1 <= t.px1  # right one too
        assert output_cells(t.px1 - t.px0) >= t.local0 + (t.cell1 - t.cell0)


def test_bad_tile_size_is_refused() -> None:
    with pytest.raises(ValueError, match="cells_per_tile must be >= 1; got 0"):
        plan_axis(500, 0)
