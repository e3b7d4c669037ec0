"""Geometry of the discovery FCN's output grid and of tiles that reproduce a whole-scene pass exactly.

The FCN (three 3x3 poolings, then a 7x7 valid convolution) maps an input of ``n`` pixels to ``n // 27 - 6``
output cells. Output cell ``j`` summarises the 201-pixel window starting at pixel ``27 * j``; with the 3x3 'same'
convolutions its receptive field is pixels ``27j - 13`` to ``27j + 201``. A tile whose origin is a multiple of 27
reproduces the whole-scene value of every cell whose receptive field lies inside the tile, or touches only the
scene's own edges. :func:`plan_axis` cuts an axis into such tiles.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.wording.translate import _

STRIDE_PX = 27
WINDOW_PX = 201
#: Pixels left and right of a cell's 201-px window that still influence it (3x3 'same' convolutions).
RECEPTIVE_LEFT_PX = 13
RECEPTIVE_RIGHT_PX = 1
#: The impact model's patch, centred on a cell.
IMPACT_PATCH_PX = 21


def output_cells(n_px: int) -> int:
    """Number of FCN output cells along an axis of ``n_px`` pixels (0 when narrower than one window)."""
    return max(0, n_px // STRIDE_PX - 6)


def cell_centre_px(cell: int) -> float:
    """Pixel coordinate (continuous, 0 = first pixel's edge) of the centre of cell ``cell``'s window."""
    return STRIDE_PX * cell + WINDOW_PX / 2


def cell_bounds_px(cell: int) -> tuple[float, float]:
    """The 27-px stretch a cell stands for: the stride-wide square around its window centre."""
    centre = cell_centre_px(cell)
    return centre - STRIDE_PX / 2, centre + STRIDE_PX / 2


@dataclass(frozen=True)
class AxisTile:
    """One tile along an axis: pixels ``[px0, px1)`` give exact cells ``[cell0, cell1)``.

    ``local0`` is the index, in the tile's own output grid, of global cell ``cell0``. Tiles overlap; pixels
    ``[own0, own1)`` are the ones this tile alone accounts for (they partition the axis), for pixel statistics.
    """

    px0: int
    px1: int
    cell0: int
    cell1: int
    local0: int
    own0: int
    own1: int


def plan_axis(n_px: int, cells_per_tile: int) -> list[AxisTile]:
    """Cut an axis of ``n_px`` pixels into tiles of ``cells_per_tile`` output cells each (the last may be shorter).

    Interior tiles start one stride before their first cell (the receptive field reaches 13 px to the left) and end
    at the last pixel their last cell sees; tiles at the scene's edges stop at the edge, as the whole pass does.

    Raises:
        ValueError: ``cells_per_tile`` < 1.
    """
    if cells_per_tile < 1:
        raise ValueError(_("cells_per_tile must be >= 1; got {value}").format(value=cells_per_tile))
    total = output_cells(n_px)
    starts = list(range(0, total, cells_per_tile))
    tiles: list[AxisTile] = []
    for k, cell0 in enumerate(starts):
        cell1 = min(total, cell0 + cells_per_tile)
        px0 = max(0, STRIDE_PX * (cell0 - 1))
        last = k == len(starts) - 1
        # The last tile runs to the scene edge (as the whole pass does) so that every pixel belongs to a tile.
        px1 = n_px if last else min(n_px, STRIDE_PX * (cell1 - 1) + WINDOW_PX + RECEPTIVE_RIGHT_PX)
        own0 = 0 if k == 0 else STRIDE_PX * cell0
        own1 = n_px if last else STRIDE_PX * cell1
        tiles.append(
            AxisTile(px0=px0, px1=px1, cell0=cell0, cell1=cell1, local0=cell0 - px0 // STRIDE_PX, own0=own0, own1=own1)
        )
    return tiles


@dataclass(frozen=True)
class Tile:
    """A 2-D tile: a pixel window and the block of global output cells it computes exactly."""

    rows: AxisTile
    cols: AxisTile

    @property
    def shape_px(self) -> tuple[int, int]:
        """(rows, cols) in pixels."""
        return self.rows.px1 - self.rows.px0, self.cols.px1 - self.cols.px0


def plan_tiles(height_px: int, width_px: int, cells_per_tile: int) -> list[Tile]:
    """All tiles of a scene, row-major."""
    return [Tile(r, c) for r in plan_axis(height_px, cells_per_tile) for c in plan_axis(width_px, cells_per_tile)]
