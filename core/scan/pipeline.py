"""The wide-area scan: a scene file and two models in, a grid of P(mine) and candidate sites out.

Tiles are read one at a time through rasterio windows, so memory depends on the tile size, not the scene size.
They are computed here by default, or by another engine (a Dask cluster: :mod:`core.scan.cluster`); either way
the sites are assembled across tile edges here, from the same grids.
The models are passed in as callables (``ScanModel``) so this module never imports Keras.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from affine import Affine

from core.errors import BandMismatchError, InvalidSceneError, ModelBundleError, NoValidDataError
from core.imagery.geo import pixel_size_m
from core.imagery.raster import SceneInfo, open_scene
from core.model_card import ModelCard
from core.scan.grid import IMPACT_PATCH_PX, STRIDE_PX, WINDOW_PX, Tile, cell_bounds_px, output_cells, plan_tiles
from core.scan.prefetch import prefetched
from core.scan.sites import Site, sites_from_grid
from core.scan.tiles import TileOutput, TileRunner, read_bands_for, read_tiles, restore_tile
from core.wording import number
from core.wording.translate import _

#: Takes normalised input (N, H, W, bands) float32; returns softmax probabilities.
Predict = Callable[[np.ndarray], np.ndarray]
#: Called after each tile with (tiles done, tiles in all).
Progress = Callable[[int, int], None]
#: Computes the given (index, tile) pairs of a scene and yields their outputs, in any order.
TileEngine = Callable[[SceneInfo, Sequence[tuple[int, Tile]]], Iterator[TileOutput]]


@dataclass(frozen=True)
class ScanModel:
    """A model as the scan sees it: its card and a prediction function."""

    card: ModelCard
    predict: Predict


@dataclass(frozen=True)
class ScanSettings:
    """Knobs of a scan. ``threshold`` is the P(mine) above which a cell is positive (the paper's 0.6)."""

    threshold: float = 0.6
    cells_per_tile: int = 40
    max_window_nodata: float = 0.5
    pixel_m_range: tuple[float, float] = (7.0, 14.0)
    #: The impact model sees 21 px patches centred on the cell and shifted by this many pixels in each direction
    #: (3 x 3 patches covering the cell's 27 px footprint); a cell is 'no ore' only if every patch says so.
    #: 0 = the paper's single centre patch, which misses small pits lying off the cell centre.
    impact_offset_px: int = 6
    #: Tiles read ahead by a background thread while the model runs (0: read in the scan's own thread).
    prefetch: int = 1

    def __post_init__(self) -> None:
        problem = None
        if not 0.0 < self.threshold < 1.0:
            problem = _("threshold must be between 0 and 1 (exclusive); got {value}").format(value=self.threshold)
        elif self.cells_per_tile < 1:
            problem = _("cells_per_tile must be >= 1; got {value}").format(value=self.cells_per_tile)
        elif not 0 <= self.impact_offset_px <= (WINDOW_PX - IMPACT_PATCH_PX) // 2 - 1:
            problem = _("impact_offset_px must be between 0 and 89; got {value}").format(value=self.impact_offset_px)
        elif self.prefetch < 0:
            problem = _("prefetch must be >= 0; got {value}").format(value=self.prefetch)
        elif not 0.0 <= self.max_window_nodata <= 1.0:
            problem = _("max_window_nodata must be in [0, 1]; got {value}").format(value=self.max_window_nodata)
        if problem:
            raise ValueError(problem)


@dataclass(frozen=True)
class CellGrid:
    """Per-cell results: ``p_mine`` (NaN where the cell touches nodata), impact probabilities where evaluated."""

    p_mine: np.ndarray
    impact: np.ndarray | None
    cell_transform: Affine
    crs_wkt: str


@dataclass(frozen=True)
class ScanResult:
    """Everything one scan produced."""

    scene: SceneInfo
    grid: CellGrid
    sites: list[Site]
    discovery: ModelCard
    impact: ModelCard | None
    settings: ScanSettings
    seconds: float
    tiles: int
    positive_cells: int
    dropped_no_ore_cells: int
    valid_area_km2: float
    notes: list[str] = field(default_factory=list)


#: The largest scene side a scan accepts (1,000 km at 10 m, about 45 minutes here). Memory does not grow with the
#: scene (tiles are streamed), but a mistaken export of a continent should be split, not run for a day.
MAX_SCENE_SIDE_PX = 100_000


def check_scene_for_scan(info: SceneInfo, settings: ScanSettings) -> None:
    """Refuse scenes the models cannot read meaningfully: too small, absurdly large, or pixels outside the
    scan's ``settings.pixel_m_range`` (about 10 m).

    Raises:
        InvalidSceneError: with the sizes found and what is needed.
    """
    if max(info.width, info.height) > MAX_SCENE_SIDE_PX:
        raise InvalidSceneError(
            _(
                "{file} is {width} x {height} px; MineScan scans scenes of up to {limit} px a side "
                "(1,000 km at 10 m). Split it into tiles (the paper used 9,216 px: gdal_retile.py -ps 9216 9216) "
                "and scan the tiles."
            ).format(
                file=info.path.name,
                width=number(info.width),
                height=number(info.height),
                limit=number(MAX_SCENE_SIDE_PX),
            )
        )
    if info.width < WINDOW_PX or info.height < WINDOW_PX:
        raise InvalidSceneError(
            _(
                "{file} is {width} x {height} px; a scan needs at least {window} x {window} px "
                "(one 2 x 2 km model window at 10 m). The file may have been cut short: export it again."
            ).format(file=info.path.name, width=info.width, height=info.height, window=WINDOW_PX)
        )
    dx, dy = pixel_size_m(info.crs.to_wkt(), info.transform, info.width, info.height)
    lo, hi = settings.pixel_m_range
    if not (lo <= dx <= hi and lo <= dy <= hi):
        raise InvalidSceneError(
            _(
                "{file} has pixels of about {dx} x {dy} m; the models work on 10 m Sentinel-2 pixels. "
                "Resample it to 10 m (for example gdalwarp -tr 10 10 in a UTM CRS)."
            ).format(file=info.path.name, dx=number(dx, 1), dy=number(dy, 1))
        )


def _check_models(discovery: ScanModel, impact: ScanModel | None) -> None:
    if discovery.card.kind != "discovery":
        message = _("{model} is a {kind} model; the scan needs a discovery model")
        raise ModelBundleError(message.format(model=discovery.card.name, kind=discovery.card.kind))
    discovery.card.class_index("mine")
    if impact is not None:
        if impact.card.kind != "impact":
            message = _("{model} is a {kind} model, not an impact model")
            raise ModelBundleError(message.format(model=impact.card.name, kind=impact.card.kind))
        impact.card.class_index("no_ore")


def _open_for_models(
    path: Path | str, read_bands: tuple[str, ...], discovery: ScanModel, impact: ScanModel | None
) -> SceneInfo:
    """Open the scene for both models; if only the impact model's bands are missing, say how to scan without it."""
    try:
        return open_scene(path, read_bands)
    except BandMismatchError as err:
        if impact is None or read_bands == discovery.card.bands:
            raise
        try:
            open_scene(path, discovery.card.bands)
        except InvalidSceneError:
            raise err from None
        raise BandMismatchError(
            _(
                "{problem} The discovery model {discovery} can scan this scene, but the impact model "
                "{impact} needs {n} bands ({bands}). "
                "Scan without an impact model (impact model 'none' on the scan page, --impact-model none on the "
                "command line): sites are then listed as not rated."
            ).format(
                problem=err,
                discovery=discovery.card.label,
                impact=impact.card.label,
                n=len(impact.card.bands),
                bands=", ".join(impact.card.bands),
            )
        ) from None


def scan_scene(
    path: Path | str,
    discovery: ScanModel,
    impact: ScanModel | None = None,
    settings: ScanSettings | None = None,
    progress: Progress | None = None,
    *,
    done: Mapping[int, TileOutput] | None = None,
    on_tile: Callable[[TileOutput], None] | None = None,
    engine: TileEngine | None = None,
) -> ScanResult:
    """Scan one scene: tiled FCN, nodata masking, impact filter on positive cells, clustering into sites.

    ``done`` holds tiles finished by an earlier, interrupted run of the same scan (by tile index): they are not
    computed again. ``on_tile`` receives each newly computed tile (to checkpoint it). ``engine`` computes the
    tiles (default: here, one after the other, reading ahead; :mod:`core.scan.cluster` fans them out over Dask).

    Raises:
        InvalidSceneError: unreadable, non-georeferenced, too small or wrongly scaled scene; missing bands.
        NoValidDataError: no cell of the scene has enough valid pixels.
        ModelBundleError: models of the wrong kind.
    """
    settings = settings or ScanSettings()
    _check_models(discovery, impact)
    started = time.perf_counter()
    read_bands = read_bands_for(discovery, impact)
    info = _open_for_models(path, read_bands, discovery, impact)
    check_scene_for_scan(info, settings)
    tiles = plan_tiles(info.height, info.width, settings.cells_per_tile)
    rows, cols = output_cells(info.height), output_cells(info.width)
    p_mine = np.full((rows, cols), np.nan, dtype=np.float32)
    impact_grid = np.full((rows, cols, len(impact.card.classes)), np.nan, np.float32) if impact else None
    done = dict(done or {})
    valid_px = sum(restore_tile(tiles, out, p_mine, impact_grid) for out in done.values())
    todo = [(k, t) for k, t in enumerate(tiles) if k not in done]
    compute = engine or in_process(TileRunner(discovery, impact, settings, read_bands), settings.prefetch)
    computed: set[int] = set()
    # closing(): on an error the engine stops now (reader thread, pending tasks), not when the traceback is freed.
    with closing(_closable(compute(info, todo))) as outputs:
        for n_done, out in enumerate(outputs, start=len(done) + 1):
            valid_px += restore_tile(tiles, out, p_mine, impact_grid)
            computed.add(out.index)
            if on_tile is not None:
                on_tile(out)
            if progress is not None:
                progress(n_done, len(tiles))
    missing = sorted({k for k, _tile in todo} - computed)
    if missing:
        message = _("{missing} of {tiles} tiles were not computed (tiles {first}...)")
        raise InvalidSceneError(message.format(missing=len(missing), tiles=len(tiles), first=missing[:5]))
    if not np.isfinite(p_mine).any():
        raise NoValidDataError(
            _(
                "{file}: no 2 x 2 km window has enough valid pixels (nodata, masked clouds, NaN). "
                "Nothing was scanned; check the export's cloud mask and nodata value."
            ).format(file=info.path.name)
        )
    x0, y0 = cell_bounds_px(0)[0], cell_bounds_px(0)[0]
    cell_transform = info.transform @ Affine.translation(x0, y0) @ Affine.scale(STRIDE_PX)
    grid = CellGrid(p_mine=p_mine, impact=impact_grid, cell_transform=cell_transform, crs_wkt=info.crs.to_wkt())
    sites = sites_from_grid(
        grid.p_mine,
        grid.impact,
        cell_transform=grid.cell_transform,
        crs_wkt=grid.crs_wkt,
        threshold=settings.threshold,
        impact_classes=impact.card.classes if impact else None,
    )
    positive = np.nan_to_num(p_mine, nan=0.0) > settings.threshold
    dropped = int(positive.sum()) - sum(s.cell_count for s in sites)
    dx, dy = pixel_size_m(info.crs.to_wkt(), info.transform, info.width, info.height)
    notes = (
        [] if impact else [_("No impact model: sites are not rated for impact and 'no ore' cells are not filtered.")]
    )
    return ScanResult(
        scene=info,
        grid=grid,
        sites=[s.with_scene(info.scene_id, discovery.card, impact.card if impact else None) for s in sites],
        discovery=discovery.card,
        impact=impact.card if impact else None,
        settings=settings,
        seconds=time.perf_counter() - started,
        tiles=len(tiles),
        positive_cells=int(positive.sum()),
        dropped_no_ore_cells=dropped,
        valid_area_km2=valid_px * dx * dy / 1e6,
        notes=notes,
    )


def in_process(runner: TileRunner, prefetch: int = 1) -> TileEngine:
    """The engine of a scan in this process: tiles in order, the next one read by a background thread
    (``prefetch`` deep) while the models run on this one."""

    def compute(info: SceneInfo, todo: Sequence[tuple[int, Tile]]) -> Iterator[TileOutput]:
        with closing(prefetched(lambda: read_tiles(info, todo), depth=prefetch)) as stream:
            for index, tile, data, valid in stream:
                out = runner.output(index, tile, data, valid)
                del data, valid  # let the tile go before the next one arrives
                yield out

    return compute


class _closable:
    """An iterator with a ``close`` that closes it if it can (a generator), so ``closing`` works on any engine."""

    def __init__(self, it: Iterator[TileOutput]) -> None:
        self.it = it

    def __iter__(self) -> Iterator[TileOutput]:
        return self.it

    def close(self) -> None:
        close = getattr(self.it, "close", None)
        if close is not None:
            close()
