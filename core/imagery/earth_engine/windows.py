"""Single training windows from the paper's composite: one square of ``window_px`` pixels (10 m) around a point.

Each window is requested like a chunk of a direct download (``transfer.fetch_chunk``: ``getDownloadURL`` on the
composite :func:`~core.imagery.earth_engine.composite.build_composite` builds), on the 10 m grid of the point's UTM
zone, so its pixels line up with the tiles the Imagery page downloads. ``ee`` is the initialised client, passed in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from affine import Affine

from core.imagery.earth_engine.composite import build_composite
from core.imagery.earth_engine.recipe import CompositeRecipe
from core.imagery.earth_engine.requests import Chunk
from core.imagery.earth_engine.transfer import Fetch, fetch_chunk
from core.imagery.geo import from_wgs84, utm_epsg_for
from core.imagery.tile_grid import ImageryTile
from core.wording.translate import _


@dataclass(frozen=True)
class GeoWindow:
    """A window's pixels with their georeferencing: ``data`` is (rows, cols, bands) float32 reflectance, NaN where
    no cloud-free observation exists; ``valid`` is (rows, cols), True where every band holds a value."""

    data: np.ndarray
    valid: np.ndarray
    crs: str
    transform: Affine
    bands: tuple[str, ...]

    @property
    def valid_share(self) -> float:
        """The share of pixels with a value in every band."""
        return float(self.valid.mean()) if self.valid.size else 0.0


def window_tile(lon: float, lat: float, window_px: int, pixel_m: float = 10.0, label: str = "window") -> ImageryTile:
    """The ``window_px`` square on the point's UTM 10 m grid whose centre pixel (row, col ``window_px // 2``) holds
    the point.

    Raises:
        ValueError: a window side that is not a positive odd number of pixels (the point must have a centre pixel).
    """
    if window_px < 1 or window_px % 2 == 0:
        raise ValueError(_("window_px must be a positive odd number; got {window_px}").format(window_px=window_px))
    epsg = utm_epsg_for(lon, lat)
    x, y = from_wgs84(f"EPSG:{epsg}", np.array([lon]), np.array([lat]))
    col, row = math.floor(float(x[0]) / pixel_m), math.floor(float(y[0]) / pixel_m)
    half = window_px // 2
    x0 = (col - half) * pixel_m
    y1 = (row + 1 + half) * pixel_m
    tile_id = f"{epsg}-C{col}-R{row}"
    return ImageryTile(tile_id, label, epsg, x0, y1 - window_px * pixel_m, x0 + window_px * pixel_m, y1, pixel_m)


def fetch_window(ee: Any, recipe: CompositeRecipe, lon: float, lat: float, window_px: int, *,
                 fetch: Fetch | None = None, label: str = "window") -> GeoWindow:  # fmt: skip
    """The composite's pixels in the window around (lon, lat), in the recipe's band order.

    Raises:
        EarthEngineUnavailable: Earth Engine refused, could not be reached, or sent another window.
    """
    tile = window_tile(lon, lat, window_px, recipe.scale_m, label)
    image = build_composite(ee, recipe, tile)
    pixels = fetch_chunk(image, recipe, tile, Chunk(0, 0, tile.width_px, tile.height_px), fetch)
    data = np.moveaxis(pixels, 0, -1).astype(np.float32, copy=False)
    valid = np.logical_not(np.isnan(data).any(axis=-1))
    transform = Affine(tile.pixel_m, 0.0, tile.x0, 0.0, -tile.pixel_m, tile.y1)
    return GeoWindow(data, valid, tile.crs, transform, tuple(recipe.bands))


def recipe_summary(recipe: CompositeRecipe) -> dict[str, object]:
    """The recipe as plain data for a manifest: collection, dates (end exclusive), clouds, mask, bands, scale."""
    return {
        "source": "earth_engine",
        "collection": recipe.collection,
        "start": recipe.start.isoformat(),
        "end_exclusive": recipe.end.isoformat(),
        "max_cloud_percent": recipe.max_cloud_percent,
        "cloud_mask": recipe.mask_description,
        "composite": "per-pixel median",
        "reflectance": "DN / 10000",
        "bands": list(recipe.bands),
        "scale_m": recipe.scale_m,
        "fingerprint": recipe.fingerprint,
    }
