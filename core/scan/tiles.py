"""One tile of a scan: read it, run both models on it, and return its block of exact cells (:class:`TileOutput`).

A tile's output depends on nothing but the scene's pixels, the models and the settings, so tiles can be computed
in any order, in this process or on a Dask worker (:mod:`core.scan.cluster`), and put back into the scene grids by
:func:`restore_tile`. The models are passed in as callables, so this module never imports Keras.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.errors import InvalidSceneError
from core.imagery.raster import SceneInfo, scene_reader
from core.scan.box_counts import cells_without_data, summed_area
from core.scan.grid import IMPACT_PATCH_PX, STRIDE_PX, WINDOW_PX, Tile
from core.scan.sites import NO_ORE
from core.wording.translate import _

if TYPE_CHECKING:
    from core.scan.pipeline import ScanModel, ScanSettings


@dataclass(frozen=True)
class TileOutput:
    """What one tile contributed to the scene grids: enough to resume a scan without computing the tile again.

    ``p_mine`` is the tile's block of exact cells (NaN = left out), ``impact`` the impact probabilities of that
    block (None without an impact model), ``valid_px`` the valid pixels the tile alone accounts for.
    """

    index: int
    p_mine: np.ndarray
    impact: np.ndarray | None
    valid_px: int


def read_bands_for(discovery: ScanModel, impact: ScanModel | None) -> tuple[str, ...]:
    """The bands a scan reads: the discovery model's, then the impact model's that are not among them."""
    extra = tuple(b for b in (impact.card.bands if impact else ()) if b not in discovery.card.bands)
    return discovery.card.bands + extra


def own_valid_px(tile: Tile, valid: np.ndarray) -> int:
    """The valid pixels of the part of the scene this tile alone accounts for."""
    r, c = tile.rows, tile.cols
    return int(valid[r.own0 - r.px0 : r.own1 - r.px0, c.own0 - c.px0 : c.own1 - c.px0].sum())


def read_tiles(
    info: SceneInfo, tiles: Sequence[tuple[int, Tile]]
) -> Iterator[tuple[int, Tile, np.ndarray, np.ndarray]]:
    """Each tile's index, pixels and validity, in order, from one open reader."""
    with scene_reader(info) as reader:
        for index, tile in tiles:
            data, valid = reader.read(tile.rows.px0, tile.rows.px1, tile.cols.px0, tile.cols.px1)
            yield index, tile, data, valid


def _cells(tile: Tile) -> tuple[slice, slice]:
    return slice(tile.rows.cell0, tile.rows.cell1), slice(tile.cols.cell0, tile.cols.cell1)


def restore_tile(tiles: Sequence[Tile], out: TileOutput, p_mine: np.ndarray, impact_grid: np.ndarray | None) -> int:
    """Put a tile's output (computed now, elsewhere, or by an earlier run) into the grids; return its valid pixels.

    Raises:
        InvalidSceneError: the tile does not fit this scan's tiling (another scene or settings).
    """
    if not 0 <= out.index < len(tiles):
        message = _("saved tile {index} is not a tile of this scan ({tiles} tiles)")
        raise InvalidSceneError(message.format(index=out.index, tiles=len(tiles)))
    rs, cs = _cells(tiles[out.index])
    expected = p_mine[rs, cs].shape
    impact_ok = (out.impact is None) == (impact_grid is None) and (
        impact_grid is None or out.impact is not None and out.impact.shape == impact_grid[rs, cs].shape
    )
    if out.p_mine.shape != expected or not impact_ok:
        raise InvalidSceneError(
            _(
                "saved tile {index} holds {shape} cells but this scan's tile has {expected}: "
                "the scene or the scan settings changed since the interrupted run; start a new scan"
            ).format(index=out.index, shape=out.p_mine.shape, expected=expected)
        )
    p_mine[rs, cs] = out.p_mine
    if impact_grid is not None and out.impact is not None:
        impact_grid[rs, cs] = out.impact
    return out.valid_px


class TileRunner:
    """Runs both models on one tile and returns the tile's exact cells."""

    def __init__(
        self, discovery: ScanModel, impact: ScanModel | None, settings: ScanSettings, read_bands: tuple[str, ...]
    ) -> None:
        self.discovery = discovery
        self.impact = impact
        self.settings = settings
        self.disc_pos = [read_bands.index(b) for b in discovery.card.bands]
        self.imp_pos = [read_bands.index(b) for b in impact.card.bands] if impact else []
        self.mine_idx = discovery.card.class_index("mine")
        self.no_ore_idx = impact.card.class_index(NO_ORE) if impact else -1

    def output(self, index: int, tile: Tile, data: np.ndarray, valid: np.ndarray) -> TileOutput:
        """The tile's P(mine) block (NaN where a window lacks data) and impact probabilities of its positive cells."""
        r, c = tile.rows, tile.cols
        # Skip the band gather (a copy of the tile) when the scene's bands are already the model's.
        same_bands = self.disc_pos == list(range(data.shape[-1]))
        x = self.discovery.card.normalise(data if same_bands else data[..., self.disc_pos], valid)
        probs = np.asarray(self.discovery.predict(x[None]))[0]
        n_r, n_c = r.cell1 - r.cell0, c.cell1 - c.cell0
        block = probs[r.local0 : r.local0 + n_r, c.local0 : c.local0 + n_c, self.mine_idx].astype(np.float32)
        # Pixel offsets, inside the tile, of each cell's 201-px window and of its 27-px footprint.
        win_r = STRIDE_PX * np.arange(r.cell0, r.cell1) - r.px0
        win_c = STRIDE_PX * np.arange(c.cell0, c.cell1) - c.px0
        block[cells_without_data(summed_area(~valid), win_r, win_c, self.settings.max_window_nodata)] = np.nan
        impact_block = None
        if self.impact is not None:
            impact_block = np.full((n_r, n_c, len(self.impact.card.classes)), np.nan, np.float32)
            self._run_impact(block, data, valid, win_r, win_c, impact_block)
        return TileOutput(index=index, p_mine=block, impact=impact_block, valid_px=own_valid_px(tile, valid))

    def _run_impact(
        self,
        block: np.ndarray,
        data: np.ndarray,
        valid: np.ndarray,
        win_r: np.ndarray,
        win_c: np.ndarray,
        out: np.ndarray,
    ) -> None:
        if self.impact is None:
            return
        rr, cc = np.nonzero(np.nan_to_num(block, nan=0.0) > self.settings.threshold)
        if rr.size == 0:
            return
        step = self.settings.impact_offset_px
        shifts = [(dy, dx) for dy in (-step, 0, step) for dx in (-step, 0, step)] if step else [(0, 0)]
        first = WINDOW_PX // 2 - IMPACT_PATCH_PX // 2
        span = np.arange(IMPACT_PATCH_PX)
        patches, patch_valid = [], []
        for dy, dx in shifts:
            ri = (win_r[rr] + first + dy)[:, None, None] + span[None, :, None]
            ci = (win_c[cc] + first + dx)[:, None, None] + span[None, None, :]
            patches.append(data[ri, ci][..., self.imp_pos])
            patch_valid.append(valid[ri, ci])
        x = self.impact.card.normalise(np.concatenate(patches), np.concatenate(patch_valid))
        probs = np.asarray(self.impact.predict(x), dtype=np.float32).reshape(len(shifts), rr.size, -1)
        # Keep, per cell, the patch with the most ore evidence: 'no ore' must hold over the whole footprint.
        best = np.argmin(probs[..., self.no_ore_idx], axis=0)
        out[rr, cc] = probs[best, np.arange(rr.size)]
