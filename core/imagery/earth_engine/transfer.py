"""Getting the composite's pixels: export tasks (Drive / Cloud Storage) and direct downloads written as GeoTIFFs.

``ee`` is the initialised client module (``connection.connect``), passed in. The downloaded scene is a tiled,
compressed float32 GeoTIFF on the tile's 10 m UTM grid, bands named B1..B12 in the discovery model's order, NaN
where no cloud-free observation exists, and the recipe recorded in its ``MINESCAN_IMAGERY`` tag.
"""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine
from rasterio.io import MemoryFile
from rasterio.windows import Window

from core import wording
from core.imagery.earth_engine.composite import build_composite
from core.imagery.earth_engine.connection import EarthEngineUnavailable
from core.imagery.earth_engine.recipe import NODATA, CompositeRecipe, ImageryRequestError
from core.imagery.earth_engine.requests import (
    MAX_DIRECT_DOWNLOAD_PX,
    Chunk,
    PlannedScene,
    download_params,
    export_params,
    file_prefix,
    legacy_file_prefix,
    plan_chunks,
)
from core.imagery.periods import period_of_scene, period_tags
from core.imagery.provenance import ImageryProvenance, provenance_tags
from core.imagery.tile_grid import ImageryTile
from core.wording.translate import _, ngettext

Fetch = Callable[[str], bytes]
#: Called after each chunk with (chunks done, chunks in all).
ChunkProgress = Callable[[int, int], None]
FETCH_TIMEOUT_S = 300
#: Seconds to wait before each new try of a chunk after a passing failure (busy server, dropped connection).
RETRY_WAITS_S: tuple[float, ...] = (2.0, 8.0, 30.0)
#: HTTP answers that mean "try again later" (rate limit, server trouble), not "this request is wrong".
TRANSIENT_HTTP = frozenset({429, 500, 502, 503, 504})
_wait = time.sleep


class DownloadInterrupted(EarthEngineUnavailable):
    """A download failure worth trying again: Earth Engine busy, a timeout or a dropped connection."""


@dataclass(frozen=True)
class TaskStatus:
    """An export task as Earth Engine reports it."""

    task_id: str
    state: str
    description: str = ""
    error: str = ""
    destination_uris: tuple[str, ...] = ()

    @property
    def finished(self) -> bool:
        """True once the task cannot change any more."""
        return self.state in ("COMPLETED", "SUCCEEDED", "FAILED", "CANCELLED", "UNKNOWN")


def start_export(ee: Any, recipe: CompositeRecipe, tile: ImageryTile, destination: str, target: str) -> str:
    """Start an export task of one tile to Drive (``target`` = folder) or Cloud Storage (bucket); return its id."""
    image = build_composite(ee, recipe, tile)
    params = export_params(recipe, tile, destination, target)
    export = ee.batch.Export.image.toDrive if destination == "drive" else ee.batch.Export.image.toCloudStorage
    try:
        task = export(image, **params)
        task.start()
    except Exception as err:  # network, quota, permission: all shown as one clear message
        reason = _reason(err)
        message = _("the export of tile {tile} could not be started: {reason}")
        raise EarthEngineUnavailable(message.format(tile=tile.tile_id, reason=reason)) from None
    return str(task.id)


def task_statuses(ee: Any, task_ids: list[str]) -> list[TaskStatus]:
    """The current state of export tasks, in the order asked."""
    if not task_ids:
        return []
    try:
        raw = ee.data.getTaskStatus(task_ids)
    except Exception as err:
        message = _("the export tasks' status could not be read: {reason}")
        raise EarthEngineUnavailable(message.format(reason=_reason(err))) from None
    return [
        TaskStatus(
            task_id=str(item.get("id", task_id)),
            state=str(item.get("state", "UNKNOWN")),
            description=str(item.get("description", "")),
            error=str(item.get("error_message", "")),
            destination_uris=tuple(str(u) for u in item.get("destination_uris", ()) or ()),
        )
        for task_id, item in zip(task_ids, raw, strict=False)
    ]


def _reason(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"[:400]


def _fetch_url(url: str) -> bytes:
    """GET ``url``; Earth Engine's error text when it refuses (:class:`DownloadInterrupted` when trying again may
    help)."""
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S) as response:  # noqa: S310 - Earth Engine's https URL
            return bytes(response.read())
    except urllib.error.HTTPError as err:
        body = err.read().decode("utf-8", errors="replace")[:400]
        message = _("Earth Engine refused a download (HTTP {code}): {body}").format(code=err.code, body=body)
        raise (DownloadInterrupted if err.code in TRANSIENT_HTTP else EarthEngineUnavailable)(message) from None
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as err:  # ValueError: not a URL
        reason = err.reason if isinstance(err, urllib.error.URLError) else err
        passing = isinstance(reason, (TimeoutError, ConnectionResetError, http.client.IncompleteRead))
        message = _("Earth Engine could not be reached to download pixels ({reason}). Check the internet connection.")
        raise (DownloadInterrupted if passing else EarthEngineUnavailable)(message.format(reason=err)) from None


def scene_path(folder: Path, recipe: CompositeRecipe, tile: ImageryTile) -> Path:
    """Where a tile's downloaded scene is written (named by the period and recipe: see ``file_prefix``)."""
    return Path(folder) / f"{file_prefix(recipe, tile)}.tif"


def existing_scene_path(folder: Path, recipe: CompositeRecipe, tile: ImageryTile) -> Path:
    """The tile's scene file in ``folder``: :func:`scene_path`, or the file of the same recipe under the name
    MineScan gave it before files were named by period, when only that one is there."""
    path = scene_path(folder, recipe, tile)
    legacy = Path(folder) / f"{legacy_file_prefix(recipe, tile)}.tif"
    return legacy if not path.exists() and legacy.exists() else path


def download_tile(
    ee: Any,
    recipe: CompositeRecipe,
    tile: ImageryTile,
    folder: Path,
    *,
    fetch: Fetch | None = None,
    progress: ChunkProgress | None = None,
    provenance: ImageryProvenance | None = None,
) -> Path:
    """Download one tile in chunks under Earth Engine's request limit and write it as a scan-ready GeoTIFF.

    The file appears under its final name only once every chunk is in; an existing scene is never overwritten.

    Raises:
        ImageryRequestError: the tile is too large for direct download, or the scene already exists.
        EarthEngineUnavailable: Earth Engine refused or could not be reached (the partial file is removed).
    """
    if tile.width_px * tile.height_px > MAX_DIRECT_DOWNLOAD_PX:
        message = _(
            "tile {tile} is {width} x {height} px; direct download is for tiles up to "
            "{most} px (about 40 x 40 km). Start an export to Drive or Cloud Storage instead."
        )
        raise ImageryRequestError(message.format(tile=tile.tile_id, width=tile.width_px, height=tile.height_px,
                                                 most=wording.number(MAX_DIRECT_DOWNLOAD_PX)))  # fmt: skip
    out = scene_path(folder, recipe, tile)
    if out.exists():
        raise ImageryRequestError(_("{path} already exists; move it away to download this tile again").format(path=out))
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".tif.partial")
    image = build_composite(ee, recipe, tile)
    chunks = plan_chunks(tile.width_px, tile.height_px, len(recipe.bands))
    record = provenance or recipe.provenance(crs=tile.crs, region=tile.region, tile=tile.tile_id)
    profile = {
        "driver": "GTiff",
        "width": tile.width_px,
        "height": tile.height_px,
        "count": len(recipe.bands),
        "dtype": "float32",
        "crs": tile.crs,
        "nodata": float("nan"),
        "transform": Affine(tile.pixel_m, 0.0, tile.x0, 0.0, -tile.pixel_m, tile.y1),
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
        "compress": "deflate",
        "predictor": 3,
        "BIGTIFF": "IF_SAFER",
    }
    try:
        with rasterio.open(partial, "w", **profile) as dst:
            for done, chunk in enumerate(chunks, start=1):
                dst.write(fetch_chunk(image, recipe, tile, chunk, fetch), window=_window(chunk))
                if progress:
                    progress(done, len(chunks))
            dst.descriptions = tuple(recipe.bands)
            dst.update_tags(**provenance_tags(record), **period_tags(recipe.period))
        partial.rename(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return out


def fetch_chunk(image: Any, recipe: CompositeRecipe, tile: ImageryTile, chunk: Chunk,
                fetch: Fetch | None = None) -> np.ndarray:  # fmt: skip
    """One chunk of ``image`` (the tile's composite) as float32 (bands, rows, cols), NaN where nodata, after
    checking it is the window asked for. ``fetch`` defaults to a plain HTTPS GET of the download URL. A chunk whose
    fetch fails in passing (:class:`DownloadInterrupted`) is asked for again after each of ``RETRY_WAITS_S``.

    Raises:
        EarthEngineUnavailable: Earth Engine refused, could not be reached, or sent something else.
    """
    for wait in RETRY_WAITS_S:
        try:
            return _fetch_chunk_once(image, recipe, tile, chunk, fetch)
        except DownloadInterrupted:
            _wait(wait)
    return _fetch_chunk_once(image, recipe, tile, chunk, fetch)


def _fetch_chunk_once(image: Any, recipe: CompositeRecipe, tile: ImageryTile, chunk: Chunk,
                      fetch: Fetch | None) -> np.ndarray:  # fmt: skip
    try:
        url = image.getDownloadURL(download_params(recipe, tile, chunk))
    except Exception as err:
        message = _("Earth Engine refused tile {tile}: {reason}")
        raise EarthEngineUnavailable(message.format(tile=tile.tile_id, reason=_reason(err))) from None
    return _chunk_pixels((fetch or _fetch_url)(url), tile, chunk, len(recipe.bands))


def _window(chunk: Chunk) -> Window:
    return Window(chunk.col0, chunk.row0, chunk.width, chunk.height)


def _chunk_pixels(payload: bytes, tile: ImageryTile, chunk: Chunk, n_bands: int) -> np.ndarray:
    """The chunk's pixels as float32 with NaN for nodata, after checking it is the window that was asked for."""
    try:
        with MemoryFile(payload) as memfile, memfile.open() as src:
            if (src.count, src.height, src.width) != (n_bands, chunk.height, chunk.width):
                message = _(
                    "Earth Engine sent {bands} bands of {width} x {height} px for a chunk of tile "
                    "{tile}; {asked_bands} bands of {asked_width} x {asked_height} px were asked for"
                )
                raise EarthEngineUnavailable(
                    message.format(bands=src.count, width=src.width, height=src.height, tile=tile.tile_id,
                                   asked_bands=n_bands, asked_width=chunk.width, asked_height=chunk.height)
                )  # fmt: skip
            left = tile.x0 + chunk.col0 * tile.pixel_m
            top = tile.y1 - chunk.row0 * tile.pixel_m
            if abs(src.transform.c - left) > tile.pixel_m / 2 or abs(src.transform.f - top) > tile.pixel_m / 2:
                message = _("Earth Engine sent a chunk of tile {tile} at ({x}, {y}); ({left}, {top}) was asked for")
                raise EarthEngineUnavailable(
                    message.format(tile=tile.tile_id, x=src.transform.c, y=src.transform.f, left=left, top=top)
                )
            data = src.read(out_dtype="float32")
            nodata = src.nodata
    except rasterio.errors.RasterioIOError:
        text = payload[:300].decode("utf-8", errors="replace")
        message = _("Earth Engine's answer for tile {tile} is not a GeoTIFF: {text}")
        raise EarthEngineUnavailable(message.format(tile=tile.tile_id, text=text)) from None
    data[data == NODATA] = np.nan
    if nodata is not None and not np.isnan(nodata):
        data[data == nodata] = np.nan
    return data


def tag_exported_file(path: Path, provenance: ImageryProvenance) -> None:
    """Make a GeoTIFF an export task wrote (and the user copied into the imagery folder) ready to scan.

    Earth Engine's exports carry neither band names nor MineScan's recipe: this writes both, the recipe's period
    (``MINESCAN_PERIOD``) and the nodata value into the file in place, after checking it has the recipe's band count.

    Raises:
        ImageryRequestError: not a readable GeoTIFF, or another band count than the recipe's.
    """
    try:
        with rasterio.open(path, "r+") as dst:
            if dst.count != len(provenance.bands):
                message = _(
                    "{file} has {bands} bands; the export's recipe has {recipe_bands} "
                    "({names}). Is it the file of this task?"
                )
                raise ImageryRequestError(
                    message.format(file=path.name, bands=dst.count, recipe_bands=len(provenance.bands),
                                   names=", ".join(provenance.bands))
                )  # fmt: skip
            dst.descriptions = tuple(provenance.bands)
            if dst.nodata is None:
                dst.nodata = NODATA
            found = period_of_scene({}, provenance.start, provenance.end)
            dst.update_tags(**provenance_tags(provenance), **(period_tags(found[0]) if found else {}))
    except rasterio.errors.RasterioIOError as err:
        raise ImageryRequestError(
            _("{path} cannot be opened as a GeoTIFF ({reason})").format(path=path, reason=err)
        ) from None


def exported_files(folder: Path, prefix: str) -> list[Path]:
    """The files of one export in ``folder``: ``PREFIX.tif`` or Earth Engine's split ``PREFIX-000...-000....tif``."""
    folder = Path(folder)
    if not folder.is_dir():
        return []

    def belongs(stem: str) -> bool:
        rest = stem[len(prefix) + 1 :]
        return stem == prefix or (stem.startswith(prefix + "-") and rest.replace("-", "").isdigit())

    return sorted(p for p in folder.rglob("*.tif") if belongs(p.stem))


@dataclass(frozen=True)
class DownloadedTile:
    """A scene file (a tile over a period), and whether it was already there (a re-run goes on where the last one
    stopped)."""

    tile_id: str
    path: Path
    already_there: bool
    period: str = ""


#: Called per request with (scene, scenes done before this one, scenes in all, chunks done, chunks in all); the
#: scene is named by its tile id, followed by its period when the scenes cover several.
TilesProgress = Callable[[str, int, int, int, int], None]


def download_tiles(
    ee: Any,
    recipe: CompositeRecipe,
    tiles: list[ImageryTile],
    folder: Path,
    *,
    fetch: Fetch | None = None,
    progress: TilesProgress | None = None,
) -> list[DownloadedTile]:
    """Download every tile of one recipe not yet in ``folder`` (see :func:`download_scenes`)."""
    return download_scenes(ee, [PlannedScene(recipe, t) for t in tiles], folder, fetch=fetch, progress=progress)


def download_scenes(
    ee: Any,
    scenes: Sequence[PlannedScene],
    folder: Path,
    *,
    fetch: Fetch | None = None,
    progress: TilesProgress | None = None,
) -> list[DownloadedTile]:
    """Download every scene (tile and period) not yet in ``folder``; scenes already downloaded are kept as they
    are, not fetched again.

    Raises:
        ImageryRequestError: a tile too large for direct download (checked for all tiles before any request).
        EarthEngineUnavailable: Earth Engine refused or could not be reached (scenes finished so far stay).
    """
    too_big = list(
        dict.fromkeys(s.tile.tile_id for s in scenes if s.tile.width_px * s.tile.height_px > MAX_DIRECT_DOWNLOAD_PX)
    )
    if too_big:
        message = ngettext(
            "{n} tile(s) are too large to download directly ({tiles}): start an export "
            "to Drive or Cloud Storage for this region, or choose a smaller one",
            "{n} tile(s) are too large to download directly ({tiles}): start an export "
            "to Drive or Cloud Storage for this region, or choose a smaller one",
            len(too_big),
        )
        raise ImageryRequestError(message.format(n=len(too_big), tiles=", ".join(too_big[:5])))
    several = len({s.period for s in scenes}) > 1
    results = []
    for i, scene in enumerate(scenes):
        tile, label = scene.tile, scene.period.label
        out = existing_scene_path(folder, scene.recipe, tile)
        if out.exists():
            results.append(DownloadedTile(tile.tile_id, out, True, label))
            continue

        def report(done: int, total: int, name: str = f"{tile.tile_id} {label}" if several else tile.tile_id,
                   i: int = i) -> None:  # fmt: skip
            if progress:
                progress(name, i, len(scenes), done, total)

        path = download_tile(ee, scene.recipe, tile, folder, fetch=fetch, progress=report)
        results.append(DownloadedTile(tile.tile_id, path, False, label))
    return results
