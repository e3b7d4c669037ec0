"""Coordinate work: reprojection to WGS84, geodesic areas and distances, pixel sizes in metres."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import shapely
from affine import Affine
from pyproj import CRS, Geod, Transformer
from shapely.geometry.base import BaseGeometry

WGS84 = "EPSG:4326"
_GEOD = Geod(ellps="WGS84")
EARTH_RADIUS_M = 6_371_008.8


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


def to_wgs84(crs_wkt: str, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project ``x, y`` (in the CRS given as WKT) to ``lon, lat`` degrees."""
    lon, lat = _transformer(crs_wkt, WGS84).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon, float), np.asarray(lat, float)


def from_wgs84(crs_wkt: str, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project ``lon, lat`` degrees into the CRS given as WKT."""
    x, y = _transformer(WGS84, crs_wkt).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x, float), np.asarray(y, float)


def reproject_geometry(geom: BaseGeometry, src: str, dst: str) -> BaseGeometry:
    """Reproject a shapely geometry between CRSs given as WKT, EPSG:xxxx or any pyproj input (x/y order)."""
    transform = _transformer(src, dst).transform
    return shapely.transform(geom, lambda xy: np.column_stack(transform(xy[:, 0], xy[:, 1])))


def geometry_to_wgs84(crs_wkt: str, geom: BaseGeometry) -> BaseGeometry:
    """Reproject a shapely geometry from the CRS given as WKT to lon/lat."""
    return reproject_geometry(geom, crs_wkt, WGS84)


def geodesic_area_m2(geom_wgs84: BaseGeometry) -> float:
    """Area on the WGS84 ellipsoid, in square metres, of a lon/lat geometry."""
    area, _ = _GEOD.geometry_area_perimeter(geom_wgs84)
    return abs(float(area))


def haversine_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Great-circle distance in metres between lon/lat points (vectorised, mean Earth radius)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def pixel_size_m(crs_wkt: str, transform: Affine, width: int, height: int) -> tuple[float, float]:
    """Ground size in metres of one pixel at the scene's centre: (along x, along y)."""
    col, row = width / 2, height / 2
    x0, y0 = transform @ (col, row)
    x1, y1 = transform @ (col + 1, row)
    x2, y2 = transform @ (col, row + 1)
    lon, lat = to_wgs84(crs_wkt, np.array([x0, x1, x2]), np.array([y0, y1, y2]))
    dx = float(haversine_m(lon[0], lat[0], lon[1], lat[1]))
    dy = float(haversine_m(lon[0], lat[0], lon[2], lat[2]))
    return dx, dy


def utm_epsg_for(lon: float, lat: float) -> int:
    """EPSG code of the UTM zone holding ``lon, lat``."""
    zone = int(math.floor((lon + 180) / 6)) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone
