"""The fixed tile grid imagery is requested on: 92 km cells in each UTM zone, 10 m pixels.

:func:`plan_tiles` cuts a :class:`~core.imagery.regions.Region` into :class:`ImageryTile` s on a grid fixed to the CRS
origin of the region's UTM zone (cells ``[k * tile_m, (k + 1) * tile_m)``), so a cell keeps its id and bounds in
every run and for every region of that zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core.imagery.geo import from_wgs84, to_wgs84, utm_epsg_for
from core.imagery.regions import Region
from core.wording.translate import _

MAX_TILE_M = 92_000.0
MAX_TILE_PX = 9_200
_EDGE_POINTS = 21


@dataclass(frozen=True)
class ImageryTile:
    """One GeoTIFF to request: a grid cell (clipped to the region) in a UTM zone, bounds in metres."""

    tile_id: str
    region: str
    epsg: int
    x0: float
    y0: float
    x1: float
    y1: float
    pixel_m: float

    @property
    def width_px(self) -> int:
        """Columns of pixels."""
        return round((self.x1 - self.x0) / self.pixel_m)

    @property
    def height_px(self) -> int:
        """Rows of pixels."""
        return round((self.y1 - self.y0) / self.pixel_m)

    @property
    def crs(self) -> str:
        """``"EPSG:327xx"``."""
        return f"EPSG:{self.epsg}"

    @property
    def crs_transform(self) -> list[float]:
        """Earth Engine's crsTransform: north-up, origin at the top-left corner."""
        return [self.pixel_m, 0.0, self.x0, 0.0, -self.pixel_m, self.y1]

    def bounds_lonlat(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) around the tile, edges densified (they curve in lon/lat)."""
        x, y = _ring(self.x0, self.y0, self.x1, self.y1, _EDGE_POINTS)
        lon, lat = to_wgs84(self.crs, x, y)
        return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def _ring(x0: float, y0: float, x1: float, y1: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Points along the four edges of a box, ``n`` per edge."""
    t = np.linspace(0.0, 1.0, n)
    xs = np.concatenate([x0 + (x1 - x0) * t, np.full(n, x1), x1 - (x1 - x0) * t, np.full(n, x0)])
    ys = np.concatenate([np.full(n, y0), y0 + (y1 - y0) * t, np.full(n, y1), y1 - (y1 - y0) * t])
    return xs, ys


def _cell_px(tile_m: float, pixel_m: float) -> int:
    """Pixels per grid cell side, after checking the sizes."""
    if not (math.isfinite(pixel_m) and pixel_m > 0 and math.isfinite(tile_m) and 0 < tile_m <= MAX_TILE_M):
        message = _("tile_m must be in (0, {max_m}] and pixel_m positive; got {tile_m}, {pixel_m}")
        raise ValueError(message.format(max_m=f"{MAX_TILE_M:g}", tile_m=tile_m, pixel_m=pixel_m))
    cell_px = round(tile_m / pixel_m)
    if cell_px < 1 or abs(cell_px * pixel_m - tile_m) > 1e-9 * tile_m:
        message = _("tile_m must be a multiple of pixel_m; got {tile_m} and {pixel_m}")
        raise ValueError(message.format(tile_m=tile_m, pixel_m=pixel_m))
    if cell_px > MAX_TILE_PX:
        message = _("tiles may be at most {max_px} px a side; got {tile_m} / {pixel_m} = {cell_px}")
        raise ValueError(message.format(max_px=MAX_TILE_PX, tile_m=tile_m, pixel_m=pixel_m, cell_px=cell_px))
    return cell_px


def plan_tiles(region: Region, tile_m: float = 92_000, pixel_m: float = 10) -> list[ImageryTile]:
    """Tiles covering the region's bbox in the UTM zone of its centre, on a grid fixed to the CRS origin.

    The region's outline (densified) is projected, its bbox snapped outward to whole pixels and cut by the
    cells ``[k * tile_m, (k + 1) * tile_m)``. Tiles run north to south, then west to east; ``tile_id`` names the
    cell (``"32723-E0005-N0108"``: EPSG, column k, row k), so a cell clipped by two regions shares its id, not its
    bounds.

    Raises:
        ValueError: ``tile_m`` over 92 km, not a multiple of ``pixel_m``, or more than 9200 px.
    """
    cell_px, pixel_m = _cell_px(tile_m, pixel_m), float(pixel_m)
    epsg = utm_epsg_for(*region.centre)
    n = max(_EDGE_POINTS, math.ceil(max(region.east - region.west, region.north - region.south) / 0.01) + 1)
    x, y = from_wgs84(f"EPSG:{epsg}", *_ring(region.west, region.south, region.east, region.north, n))
    col0, col1 = math.floor(x.min() / pixel_m), math.ceil(x.max() / pixel_m)
    row0, row1 = math.floor(y.min() / pixel_m), math.ceil(y.max() / pixel_m)
    tiles = []
    for ky in range((row1 - 1) // cell_px, row0 // cell_px - 1, -1):
        for kx in range(col0 // cell_px, (col1 - 1) // cell_px + 1):
            c0, c1 = max(kx * cell_px, col0), min((kx + 1) * cell_px, col1)
            r0, r1 = max(ky * cell_px, row0), min((ky + 1) * cell_px, row1)
            x0, y0, x1, y1 = (v * pixel_m for v in (c0, r0, c1, r1))
            tiles.append(ImageryTile(f"{epsg}-E{kx:04d}-N{ky:04d}", region.label, epsg, x0, y0, x1, y1, pixel_m))
    return tiles
