"""Regions to fetch Sentinel-2 imagery for: lon/lat boxes, checked, from typed bounds (files: ``region_files``).

A :class:`Region` is a lon/lat box; :mod:`core.imagery.tile_grid` cuts it into tiles. Coordinates in text are read
with :func:`core.register.dms.parse_dms`
(decimal dots or commas, DMS), not ``parse_br_number``, which reads ``-44.123`` as thousands.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import shapely
from pyproj import Geod
from shapely.geometry import box

from core.errors import RegionError
from core.imagery.geo import geodesic_area_m2
from core.register.dms import parse_dms
from core.register.validate import BRAZIL_LAT_RANGE, BRAZIL_LON_RANGE, looks_swapped

MAX_LAT = 84.0  # UTM's northern limit; used both ways so every region has a UTM zone
MAX_WIDTH_DEG = 12.0  # two UTM zones: wider and the far edge is badly distorted in the centre's zone
MAX_AREA_KM2 = 1_000_000.0
MIN_SIDE_M = 10.0  # one Sentinel-2 pixel
GEOD = Geod(ellps="WGS84")
CSV_LAYOUTS = (
    "one region per row, either 'lower-left lat, lower-left lon, upper-right lat, upper-right lon, label' "
    "or 'centre lat, centre lon, label, side_m'"
)


@dataclass(frozen=True)
class Region:
    """A lon/lat box (WGS84 degrees) with a label; valid by construction (see :func:`make_region`)."""

    label: str
    west: float
    south: float
    east: float
    north: float

    def __post_init__(self) -> None:
        _check_bounds(self.west, self.south, self.east, self.north)
        if self.area_km2 > MAX_AREA_KM2:
            raise RegionError(
                f"'{self.label}' covers {self.area_km2:,.0f} km²; at most {MAX_AREA_KM2:,.0f} km² can be fetched at "
                "once. Split it into smaller regions."
            )

    @property
    def centre(self) -> tuple[float, float]:
        """(lon, lat) of the box's centre."""
        return (self.west + self.east) / 2, (self.south + self.north) / 2

    @cached_property
    def area_km2(self) -> float:
        """Area on the WGS84 ellipsoid; edges follow meridians and parallels, as the box means."""
        outline = shapely.segmentize(box(self.west, self.south, self.east, self.north), 0.05)
        return geodesic_area_m2(outline) / 1e6


def _check_bounds(west: float, south: float, east: float, north: float) -> None:
    """Raise RegionError unless the numbers make a usable box (ranges, order, size)."""
    limits = {"west": (west, 180.0), "east": (east, 180.0), "south": (south, MAX_LAT), "north": (north, MAX_LAT)}
    for name, (value, limit) in limits.items():
        if not math.isfinite(value):
            raise RegionError(f"{name} is {value}; give a number of degrees.")
        if abs(value) > limit:
            what = "longitudes run from -180 to 180" if limit == 180 else "imagery tiles need UTM latitudes"
            raise RegionError(f"{name} is {value}°, outside ±{limit:g}° ({what}).")
    if west > east and west > 0 > east:
        raise RegionError(
            f"west {west} is greater than east {east}: the region crosses the antimeridian (180°). "
            "Split it at 180° into two regions."
        )
    if west >= east:
        raise RegionError(f"west ({west}) must be less than east ({east}); swap them.")
    if south >= north:
        raise RegionError(f"south ({south}) must be less than north ({north}); swap them.")
    if east - west > MAX_WIDTH_DEG:
        raise RegionError(
            f"The region is {east - west:g}° of longitude wide; at most {MAX_WIDTH_DEG:g}° can be fetched at once "
            "(imagery is cut in one UTM zone). Split it into narrower regions"
            + (", one on each side of the antimeridian (180°)." if east - west > 180 else ".")
        )
    mid_lon, mid_lat = (west + east) / 2, (south + north) / 2
    width_m = GEOD.inv(west, mid_lat, east, mid_lat)[2]
    height_m = GEOD.inv(mid_lon, south, mid_lon, north)[2]
    if min(width_m, height_m) < MIN_SIDE_M:
        raise RegionError(
            f"The region is {width_m:.1f} m x {height_m:.1f} m; it must be at least {MIN_SIDE_M:g} m (one pixel) "
            "each way."
        )


def make_region(label: str, west: float, south: float, east: float, north: float) -> Region:
    """A validated region; an empty label becomes ``"region"``.

    Raises:
        RegionError: a bound is not a number, out of range (longitude ±180°, latitude ±84°), in the wrong order,
            the box crosses the antimeridian, is degenerate, wider than 12° or larger than 1,000,000 km².
    """
    values = []
    for name, value in (("west", west), ("south", south), ("east", east), ("north", north)):
        try:
            values.append(float(value))
        except (TypeError, ValueError):
            raise RegionError(f"{name} is {value!r}; give a number of degrees.") from None
    return Region(str(label or "").strip() or "region", *values)


def coordinate(text: str, where: str) -> float:
    """Degrees from decimal (dot or comma) or DMS text; projected metres get their own message."""
    cleaned = str(text).strip().replace("\u2212", "-")
    if not cleaned:
        raise RegionError(f"{where} is empty; give decimal degrees such as -20.3.")
    try:
        return parse_dms(cleaned)
    except ValueError as exc:
        try:
            plain = float(cleaned.replace(",", "."))
        except ValueError:
            plain = math.nan
        if math.isfinite(plain) and abs(plain) > 180:
            raise RegionError(
                f"{where} is {cleaned}, which is not in degrees (it looks like projected metres). "
                "Give WGS84 longitude/latitude in decimal degrees."
            ) from None
        raise RegionError(f"{where}: {exc}. Give decimal degrees such as -20.3 (or -20,3).") from None


def _split_bounds(text: str) -> list[str]:
    body = text.strip().strip("[]()").strip()
    if ";" in body:
        return [part.strip() for part in body.split(";")]
    by_comma = [part.strip() for part in body.split(",")]
    if len(by_comma) == 4 and all(part and not any(ch.isspace() for ch in part) for part in by_comma):
        return by_comma
    return body.split()


def parse_bounds(text: str, label: str = "region") -> Region:
    """A region from ``"west, south, east, north"`` in decimal degrees.

    Separators: comma, semicolon or whitespace; with ``;`` or whitespace, decimal commas (``-44,1``) are read.

    Raises:
        RegionError: not four numbers, latitude and longitude swapped, or a box :func:`make_region` refuses.
    """
    parts = _split_bounds(text or "")
    if len(parts) != 4 or not all(parts):
        raise RegionError(
            f"'{text}' is not four numbers; give west, south, east, north in decimal degrees, "
            "e.g. -44.3, -20.3, -43.9, -20.0."
        )
    names = ("west", "south", "east", "north")
    w, s, e, n = (coordinate(part, f"{name} ('{part}')") for name, part in zip(names, parts))
    if max(abs(s), abs(n)) > 90 and max(abs(w), abs(e)) <= MAX_LAT:
        try:
            make_region(label, s, w, n, e)
        except RegionError:
            pass
        else:
            raise RegionError(
                f"'{text}' looks like south, west, north, east (latitude first): {s if abs(s) > 90 else n} cannot "
                f"be a latitude. Give west, south, east, north, i.e. {s}, {w}, {n}, {e}."
            )
    return make_region(label, w, s, e, n)


def brazil_warnings(regions: list[Region]) -> list[str]:
    """Warnings for regions that do not touch Brazil's bounding box (a swapped lat/lon lands in the ocean).

    Not an error: MineScan may be used elsewhere. A region whose centre lands in Brazil once latitude and longitude
    are exchanged is named as probably swapped.
    """
    (lon_lo, lon_hi), (lat_lo, lat_hi) = BRAZIL_LON_RANGE, BRAZIL_LAT_RANGE
    warnings = []
    for r in regions:
        if r.east < lon_lo or r.west > lon_hi or r.north < lat_lo or r.south > lat_hi:
            lon, lat = r.centre
            hint = (
                " Its latitude and longitude look swapped: CSV rows are lat, lon; bounds are west, south, east, north."
                if looks_swapped(lon, lat)
                else ""
            )
            warnings.append(f"Region '{r.label}' lies outside Brazil (centre {lat:.4f}, {lon:.4f}).{hint}")
    return warnings
