"""The exact parameters of Earth Engine's export tasks and pixel downloads, as plain data (no ``ee``)."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from core.imagery.earth_engine.recipe import NODATA, CompositeRecipe
from core.imagery.periods import Period
from core.imagery.tile_grid import ImageryTile
from core.wording.translate import _

#: Earth Engine's limits for one direct download (``getDownloadURL``): 32 MB of pixels, 10,000 px a side.
DOWNLOAD_LIMIT_BYTES = 32 * 1024 * 1024
DOWNLOAD_MAX_SIDE_PX = 10_000
#: Margin under the byte limit (the GeoTIFF header and block padding count too).
DOWNLOAD_SAFETY = 0.8
#: Bytes per pixel value of the float32 composite.
BYTES_PER_VALUE = 4
#: Largest tile MineScan downloads directly (about 40 x 40 km); bigger ones go through an export task.
MAX_DIRECT_DOWNLOAD_PX = 4000 * 4000
DESTINATIONS = ("drive", "cloud_storage")


@dataclass(frozen=True)
class Chunk:
    """One download request: a window of the tile, in pixels from the tile's top-left corner."""

    col0: int
    row0: int
    width: int
    height: int


def chunk_side_px(n_bands: int, bytes_per_value: int = BYTES_PER_VALUE) -> int:
    """The side of the largest square window whose pixels fit in one download, with a safety margin."""
    budget = DOWNLOAD_LIMIT_BYTES * DOWNLOAD_SAFETY / (n_bands * bytes_per_value)
    return min(DOWNLOAD_MAX_SIDE_PX, int(math.isqrt(int(budget))))


def plan_chunks(width_px: int, height_px: int, n_bands: int) -> list[Chunk]:
    """Split a tile into near-equal windows that each fit one download; row by row from the top-left."""
    side = chunk_side_px(n_bands)
    n_cols, n_rows = math.ceil(width_px / side), math.ceil(height_px / side)
    cols = _split(width_px, n_cols)
    rows = _split(height_px, n_rows)
    return [Chunk(c0, r0, w, h) for r0, h in rows for c0, w in cols]


def _split(n: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` consecutive (start, length) spans covering 0..n, lengths differing by at most one."""
    base, extra = divmod(n, parts)
    spans, start = [], 0
    for i in range(parts):
        length = base + (1 if i < extra else 0)
        spans.append((start, length))
        start += length
    return spans


def safe_name(text: str) -> str:
    """A file/task name from a label: ASCII letters, digits, '-' and '_' only (Earth Engine's description rule)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_text.strip()).strip("_")
    return cleaned[:60] or "region"


def file_prefix(recipe: CompositeRecipe, tile: ImageryTile) -> str:
    """The stem of the tile's GeoTIFF, the same in an export and a download: region label, tile id, the period and
    the recipe's fingerprint, so another period or cloud setting never finds this file as its own.

    The period is its label for a calendar period (``2024``, ``2024-Q1``, ``2024-05``) and ``YYYYMMDD-YYYYMMDD``
    (end exclusive) for any other range, as MineScan always named files of a date range:
    ``Corrego_do_Feijao_32723-E0006-N0084_2024_0123456789.tif``.
    """
    period = recipe.period
    when = period.slug if "/" not in period.label else f"{recipe.start:%Y%m%d}-{recipe.end:%Y%m%d}"
    return f"{safe_name(tile.region)}_{tile.tile_id}_{when}_{recipe.fingerprint}"


def legacy_file_prefix(recipe: CompositeRecipe, tile: ImageryTile) -> str:
    """The stem MineScan gave the tile's GeoTIFF before files were named by period (dates in every case)."""
    return f"{safe_name(tile.region)}_{tile.tile_id}_{recipe.start:%Y%m%d}-{recipe.end:%Y%m%d}_{recipe.fingerprint}"


@dataclass(frozen=True)
class PlannedScene:
    """One GeoTIFF to request: a tile's composite over one period (the recipe's dates)."""

    recipe: CompositeRecipe
    tile: ImageryTile

    @property
    def period(self) -> Period:
        """The period the scene covers."""
        return self.recipe.period

    @property
    def file_prefix(self) -> str:
        """The stem of the scene's GeoTIFF (see :func:`file_prefix`)."""
        return file_prefix(self.recipe, self.tile)


def download_params(recipe: CompositeRecipe, tile: ImageryTile, chunk: Chunk) -> dict[str, Any]:
    """``getDownloadURL`` parameters for one chunk: one GeoTIFF on the tile's 10 m grid, the recipe's bands."""
    x0 = tile.x0 + chunk.col0 * tile.pixel_m
    y_top = tile.y1 - chunk.row0 * tile.pixel_m
    return {
        "name": f"{file_prefix(recipe, tile)}_{chunk.row0}_{chunk.col0}",
        "bands": list(recipe.bands),
        "crs": tile.crs,
        "crs_transform": [tile.pixel_m, 0.0, x0, 0.0, -tile.pixel_m, y_top],
        "dimensions": [chunk.width, chunk.height],
        "format": "GEO_TIFF",
        "filePerBand": False,
    }


def export_params(recipe: CompositeRecipe, tile: ImageryTile, destination: str, target: str) -> dict[str, Any]:
    """``Export.image.toDrive`` / ``toCloudStorage`` keyword arguments for one tile (``target``: folder or bucket).

    The tile is exported whole on its 10 m grid: one GeoTIFF per tile (at most 9,200 px a side), nodata marked.
    """
    if destination not in DESTINATIONS:
        message = _("unknown export destination {destination!r}; use one of {destinations}")
        raise ValueError(message.format(destination=destination, destinations=", ".join(DESTINATIONS)))
    params: dict[str, Any] = {
        "description": file_prefix(recipe, tile)[:100],
        "fileNamePrefix": file_prefix(recipe, tile),
        "crs": tile.crs,
        "crsTransform": tile.crs_transform,
        "dimensions": f"{tile.width_px}x{tile.height_px}",
        "maxPixels": tile.width_px * tile.height_px,
        "fileDimensions": [_round_up(tile.width_px, 256), _round_up(tile.height_px, 256)],
        "fileFormat": "GeoTIFF",
        "formatOptions": {"cloudOptimized": True, "noData": NODATA},
    }
    params["folder" if destination == "drive" else "bucket"] = target
    return params


def _round_up(n: int, step: int) -> int:
    return -(-n // step) * step
