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

from core import wording
from core.errors import RegionError
from core.imagery.geo import geodesic_area_m2
from core.register.dms import parse_dms
from core.register.validate import BRAZIL_LAT_RANGE, BRAZIL_LON_RANGE, looks_swapped
from core.wording.translate import N_, _, localise_number

MAX_LAT = 84.0  # UTM's northern limit; used both ways so every region has a UTM zone
MAX_WIDTH_DEG = 12.0  # two UTM zones: wider and the far edge is badly distorted in the centre's zone
MAX_AREA_KM2 = 1_000_000.0
MIN_SIDE_M = 10.0  # one Sentinel-2 pixel
GEOD = Geod(ellps="WGS84")
#: The two CSV layouts, in words (English, marked: show it as ``_(CSV_LAYOUTS)``).
CSV_LAYOUTS = N_(
    "one region per row, either 'lower-left lat, lower-left lon, upper-right lat, upper-right lon, label' "
    "or 'centre lat, centre lon, label, side_m'"
)
#: A box's bounds as messages name them.
BOUND_WORDS = {"west": N_("west"), "south": N_("south"), "east": N_("east"), "north": N_("north")}


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
            message = _(
                "'{label}' covers {area} km²; at most {most} km² can be fetched at once. Split it into smaller regions."
            )
            area, most = wording.number(self.area_km2), wording.number(MAX_AREA_KM2)
            raise RegionError(message.format(label=self.label, area=area, most=most))

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
            raise RegionError(
                _("{bound} is {value}; give a number of degrees.").format(bound=_bound(name), value=value)
            )
        if abs(value) > limit:
            what = _("longitudes run from -180 to 180") if limit == 180 else _("imagery tiles need UTM latitudes")
            message = _("{bound} is {value}°, outside ±{limit}° ({why}).")
            raise RegionError(message.format(bound=_bound(name), value=value, limit=f"{limit:g}", why=what))
    if west > east and west > 0 > east:
        message = _(
            "west {west} is greater than east {east}: the region crosses the antimeridian (180°). "
            "Split it at 180° into two regions."
        )
        raise RegionError(message.format(west=west, east=east))
    if west >= east:
        raise RegionError(_("west ({west}) must be less than east ({east}); swap them.").format(west=west, east=east))
    if south >= north:
        message = _("south ({south}) must be less than north ({north}); swap them.")
        raise RegionError(message.format(south=south, north=north))
    if east - west > MAX_WIDTH_DEG:
        if east - west > 180:
            message = _(
                "The region is {width}° of longitude wide; at most {most}° can be fetched at once (imagery is cut "
                "in one UTM zone). Split it into narrower regions, one on each side of the antimeridian (180°)."
            )
        else:
            message = _(
                "The region is {width}° of longitude wide; at most {most}° can be fetched at once (imagery is cut "
                "in one UTM zone). Split it into narrower regions."
            )
        raise RegionError(message.format(width=_short_number(east - west), most=_short_number(MAX_WIDTH_DEG)))
    mid_lon, mid_lat = (west + east) / 2, (south + north) / 2
    width_m = GEOD.inv(west, mid_lat, east, mid_lat)[2]
    height_m = GEOD.inv(mid_lon, south, mid_lon, north)[2]
    if min(width_m, height_m) < MIN_SIDE_M:
        message = _("The region is {width} m x {height} m; it must be at least {least} m (one pixel) each way.")
        width, height = localise_number(f"{width_m:.1f}"), localise_number(f"{height_m:.1f}")
        raise RegionError(message.format(width=width, height=height, least=_short_number(MIN_SIDE_M)))


def _bound(name: str) -> str:
    """``west`` ... ``north`` in the current language."""
    return _(BOUND_WORDS[name])


def _short_number(value: float) -> str:
    """A size as ``{:g}`` writes it, with the language's decimal mark."""
    return localise_number(f"{value:g}")


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
            message = _("{bound} is {value!r}; give a number of degrees.")
            raise RegionError(message.format(bound=_bound(name), value=value)) from None
    return Region(str(label or "").strip() or "region", *values)


def coordinate(text: str, where: str) -> float:
    """Degrees from decimal (dot or comma) or DMS text; projected metres get their own message."""
    cleaned = str(text).strip().replace("\u2212", "-")
    if not cleaned:
        raise RegionError(_("{where} is empty; give decimal degrees such as -20.3.").format(where=where))
    try:
        return parse_dms(cleaned)
    except ValueError as exc:
        try:
            plain = float(cleaned.replace(",", "."))
        except ValueError:
            plain = math.nan
        if math.isfinite(plain) and abs(plain) > 180:
            message = _(
                "{where} is {value}, which is not in degrees (it looks like projected metres). "
                "Give WGS84 longitude/latitude in decimal degrees."
            )
            raise RegionError(message.format(where=where, value=cleaned)) from None
        message = _("{where}: {error}. Give decimal degrees such as -20.3 (or -20,3).")
        raise RegionError(message.format(where=where, error=exc)) from None


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
        message = _(
            "'{text}' is not four numbers; give west, south, east, north in decimal degrees, "
            "e.g. -44.3, -20.3, -43.9, -20.0."
        )
        raise RegionError(message.format(text=text))
    names = ("west", "south", "east", "north")
    w, s, e, n = (coordinate(part, f"{_bound(name)} ('{part}')") for name, part in zip(names, parts))
    if max(abs(s), abs(n)) > 90 and max(abs(w), abs(e)) <= MAX_LAT:
        try:
            make_region(label, s, w, n, e)
        except RegionError:
            pass
        else:
            message = _(
                "'{text}' looks like south, west, north, east (latitude first): {value} cannot "
                "be a latitude. Give west, south, east, north, i.e. {s}, {w}, {n}, {e}."
            )
            raise RegionError(message.format(text=text, value=s if abs(s) > 90 else n, s=s, w=w, n=n, e=e))
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
            # Coordinates keep their decimal point: "-20,3000, -44,1000" would not read as a pair.
            if looks_swapped(lon, lat):
                message = _(
                    "Region '{label}' lies outside Brazil (centre {lat}, {lon}). Its latitude and longitude look "
                    "swapped: CSV rows are lat, lon; bounds are west, south, east, north."
                )
            else:
                message = _("Region '{label}' lies outside Brazil (centre {lat}, {lon}).")
            warnings.append(message.format(label=r.label, lat=f"{lat:.4f}", lon=f"{lon:.4f}"))
    return warnings
