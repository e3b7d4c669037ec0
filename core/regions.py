"""Regions to fetch Sentinel-2 imagery for, read from text, CSV, GeoJSON or map drawings.

A :class:`Region` is a lon/lat box; :mod:`core.imagery_grid` cuts it into tiles. Coordinates in text are read
with :func:`core.register.dms.parse_dms`
(decimal dots or commas, DMS), not ``parse_br_number``, which reads ``-44.123`` as thousands.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import shapely
from pyproj import Geod
from shapely.geometry import box

from core.errors import RegionError
from core.geo import geodesic_area_m2
from core.register.dms import parse_dms
from core.register.numbers import parse_br_number
from core.register.validate import BRAZIL_LAT_RANGE, BRAZIL_LON_RANGE, looks_swapped

MAX_LAT = 84.0  # UTM's northern limit; used both ways so every region has a UTM zone
MAX_WIDTH_DEG = 12.0  # two UTM zones: wider and the far edge is badly distorted in the centre's zone
MAX_AREA_KM2 = 1_000_000.0
MIN_SIDE_M = 10.0  # one Sentinel-2 pixel
_GEOD = Geod(ellps="WGS84")
_CSV_LAYOUTS = (
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
    width_m = _GEOD.inv(west, mid_lat, east, mid_lat)[2]
    height_m = _GEOD.inv(mid_lon, south, mid_lon, north)[2]
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


def _coordinate(text: str, where: str) -> float:
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
    w, s, e, n = (_coordinate(part, f"{name} ('{part}')") for name, part in zip(names, parts))
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


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    if b"\x00" in data[:65536] or data[:4] == b"PK\x03\x04":
        raise RegionError("The file is not a CSV text file (is it an Excel workbook?); save it as CSV and retry.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _sniff_delimiter(text: str) -> str:
    """``;`` (Brazilian Excel, decimal commas) or tab if the first non-empty line has one, else ``,``."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if ";" in first else "\t" if "\t" in first else ","


def _csv_rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Non-empty rows with their 1-based line numbers, trailing blank cells dropped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, start = [], 1
    for cells in reader:
        while cells and not cells[-1].strip():
            cells.pop()
        if cells:
            rows.append((start, [cell.strip() for cell in cells]))
        start = reader.line_num + 1
    return rows


def _is_number(text: str) -> bool:
    """True for a coordinate or any plain number (projected metres too, so they are not taken for a header)."""
    cleaned = text.replace("\u2212", "-")
    try:
        float(cleaned.replace(",", "."))
    except ValueError:
        try:
            parse_dms(cleaned)
        except ValueError:
            return False
    return True


def _lat(text: str, row: int, column: str) -> float:
    value = _coordinate(text, f"Row {row}, {column}")
    if abs(value) > 90:
        raise RegionError(
            f"Row {row}: {column} is {text}, beyond ±90°, so latitude and longitude look swapped. "
            f"The file needs {_CSV_LAYOUTS}."
        )
    return value


def _square_row(row: int, cells: list[str], side_m: float | None) -> Region:
    lat, lon = _lat(cells[0], row, "centre lat"), _coordinate(cells[1], f"Row {row}, centre lon")
    label = (cells[2] if len(cells) > 2 else "") or f"row {row}"
    side = side_m
    if len(cells) > 3:
        try:
            side = parse_br_number(cells[3])
        except ValueError:
            raise RegionError(f"Row {row}: side_m '{cells[3]}' is not a number of metres.") from None
        side = side_m if side is None else side
    if side is None:
        raise RegionError(
            f"Row {row} ({label}) gives a centre but no square side: add a 4th column side_m (metres) "
            "or choose a side for all rows."
        )
    if not math.isfinite(side) or side <= 0:
        raise RegionError(
            f"Row {row}: side {side:g} must be a positive number of metres (for lower-left/upper-right corners "
            "give 5 columns: lower-left lat, lower-left lon, upper-right lat, upper-right lon, label)."
        )
    return _square(label, lon, lat, side, f"Row {row} ({label})")


def _square(label: str, lon: float, lat: float, side_m: float, where: str) -> Region:
    """A box ``side_m`` metres along the central meridian and along the centre's parallel."""
    if abs(lat) >= MAX_LAT:
        raise RegionError(f"{where}: latitude {lat:g}° is outside ±{MAX_LAT:g}° (imagery tiles need UTM latitudes).")
    north = _GEOD.fwd(lon, lat, 0.0, side_m / 2)[1]
    south = _GEOD.fwd(lon, lat, 180.0, side_m / 2)[1]
    phi = math.radians(lat)
    parallel_radius = _GEOD.a * math.cos(phi) / math.sqrt(1 - _GEOD.es * math.sin(phi) ** 2)
    half_dlon = math.degrees(side_m / 2 / parallel_radius)
    try:
        return make_region(label, lon - half_dlon, south, lon + half_dlon, north)
    except RegionError as err:
        raise RegionError(f"{where}: {err}") from None


def parse_region_csv(data: bytes | str, side_m: float | None = None) -> list[Region]:
    """Regions from a CSV, one per row: corners (5 columns) or centre + square side (3-4 columns).

    Delimiter ``,``, ``;`` or tab; decimal commas, UTF-8 (BOM or not) and Latin-1 are read; an optional header row
    (first row not numeric) and empty rows are skipped. A 4th column side_m overrides ``side_m``.

    Raises:
        RegionError: empty file, wrong column count, a non-number, swapped lat/lon or a refused box; the message
            names the 1-based row (as a spreadsheet numbers it, header included) and the value.
    """
    if side_m is not None and (not math.isfinite(side_m) or side_m <= 0):
        raise RegionError(f"The square side must be a positive number of metres; got {side_m}.")
    rows = _csv_rows(text := _decode(data), _sniff_delimiter(text))
    if not rows:
        raise RegionError(f"The CSV file is empty; it needs {_CSV_LAYOUTS}.")
    if len(rows[0][1]) >= 2 and not _is_number(rows[0][1][0]) and not _is_number(rows[0][1][1]):
        rows = rows[1:]
    if not rows:
        raise RegionError(f"The CSV file has a header row but no data rows; it needs {_CSV_LAYOUTS}.")
    width = max(len(cells) for _, cells in rows)
    for row, cells in rows:
        if len(cells) < 3 or len(cells) > 5 or (width == 5 and len(cells) < 4):
            raise RegionError(
                f"Row {row} has {len(cells)} columns ({'; '.join(cells)}); the file needs {_CSV_LAYOUTS}."
            )
    regions = []
    for row, cells in rows:
        if width == 5:
            south, west = _lat(cells[0], row, "lower-left lat"), _coordinate(cells[1], f"Row {row}, lower-left lon")
            north, east = _lat(cells[2], row, "upper-right lat"), _coordinate(cells[3], f"Row {row}, upper-right lon")
            label = (cells[4] if len(cells) > 4 else "") or f"row {row}"
            try:
                regions.append(make_region(label, west, south, east, north))
            except RegionError as err:
                raise RegionError(f"Row {row} ({label}): {err}") from None
        else:
            regions.append(_square_row(row, cells, side_m))
    return regions


def _positions(coords: Any, where: str) -> list[tuple[float, float]]:
    """Every [x, y] position in nested GeoJSON coordinates."""
    if isinstance(coords, list | tuple) and len(coords) >= 2 and all(isinstance(v, int | float) for v in coords):
        if any(isinstance(v, bool) or not math.isfinite(v) for v in coords[:2]):
            raise RegionError(f"{where} has a coordinate that is not a number: {coords}.")
        return [(float(coords[0]), float(coords[1]))]
    if isinstance(coords, list | tuple) and coords:
        return [pos for part in coords for pos in _positions(part, where)]
    raise RegionError(
        f"{where} has missing or malformed coordinates (at {str(coords)[:60]!r}); give [lon, lat] numbers."
    )


def _polygon_positions(geometry: Any, where: str) -> list[tuple[float, float]]:
    """Positions of a (Multi)Polygon or a GeometryCollection of them; points and lines are refused."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind in ("Polygon", "MultiPolygon"):
        return _positions(geometry.get("coordinates"), where)
    if kind == "GeometryCollection":
        return [pos for part in geometry.get("geometries") or [] for pos in _polygon_positions(part, where)]
    if kind in ("Point", "MultiPoint"):
        raise RegionError(
            f"{where} is a point, which has no extent. Outline the area as a polygon, or list the points in a "
            "CSV as 'centre lat, centre lon, label, side_m' to fetch a square around each."
        )
    if kind in ("LineString", "MultiLineString"):
        raise RegionError(f"{where} is a line; outline the area to fetch as a polygon or rectangle.")
    raise RegionError(f"{where} has no polygon geometry (type {kind!r}); give Polygon or MultiPolygon features.")


def _feature_label(properties: Any, number: int) -> str:
    if isinstance(properties, dict):
        lowered = {str(key).lower(): value for key, value in properties.items()}
        for key in ("label", "name", "nome"):
            if lowered.get(key) is not None and str(lowered[key]).strip():
                return str(lowered[key]).strip()
    return f"feature {number}"


def _box_from(label: str, positions: list[tuple[float, float]], where: str) -> Region:
    xs, ys = [x for x, _ in positions], [y for _, y in positions]
    try:
        return make_region(label, min(xs), min(ys), max(xs), max(ys))
    except RegionError as err:
        raise RegionError(f"{where}: {err}") from None


def parse_geojson(data: bytes | str) -> list[Region]:
    """One region per feature (the bbox of its polygon geometry), from a FeatureCollection, Feature or Geometry.

    Labels come from the properties ``label``, ``name`` or ``nome``, else ``"feature N"``.

    Raises:
        RegionError: invalid JSON, no features, points or lines, coordinates not in WGS84 lon/lat, a refused box.
    """
    try:
        doc = json.loads(data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegionError(f"The file is not valid GeoJSON ({exc}); export the regions as GeoJSON.") from None
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection":
        features = doc.get("features") or []
    elif kind == "Feature":
        features = [doc]
    elif isinstance(kind, str) and "coordinates" in doc or kind == "GeometryCollection":
        features = [{"type": "Feature", "geometry": doc, "properties": {}}]
    else:
        raise RegionError(f"The file is JSON but not GeoJSON (type {kind!r}); give a FeatureCollection of polygons.")
    if not features:
        raise RegionError("The GeoJSON has no features; draw or export at least one polygon.")
    found = []
    for number, feature in enumerate(features, start=1):
        feature = feature if isinstance(feature, dict) else {}
        label = _feature_label(feature.get("properties"), number)
        where = f"Feature {number}" + ("" if label == f"feature {number}" else f" ({label})")
        found.append((label, where, _polygon_positions(feature.get("geometry"), where)))
    _refuse_projected([pos for _, _, positions in found for pos in positions], doc.get("crs"))
    return [_box_from(label, positions, where) for label, where, positions in found]


def _refuse_projected(positions: list[tuple[float, float]], crs: Any) -> None:
    bad = next(((x, y) for x, y in positions if abs(x) > 180 or abs(y) > 180), None)
    if bad is not None:
        named = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
        declared = f" (the file declares {named})" if named else ""
        raise RegionError(
            f"The GeoJSON's coordinates are not longitude/latitude: found {bad[0]:g}, {bad[1]:g}{declared}. "
            "GeoJSON must be in WGS84 lon/lat (EPSG:4326); reproject it, e.g. in QGIS, and upload it again."
        )
    bad = next(((x, y) for x, y in positions if abs(y) > 90), None)
    if bad is not None:
        raise RegionError(
            f"The GeoJSON has latitude {bad[1]:g}, beyond ±90°: positions must be [longitude, latitude], "
            "these look like [latitude, longitude]."
        )


def regions_from_drawings(features: list[dict[str, Any]] | None) -> list[Region]:
    """Regions from shapes drawn on a Leaflet map (streamlit-folium ``all_drawings``), labelled ``"drawn N"``.

    Markers, circles (Leaflet exports them as points) and lines are skipped. Longitudes from a wrapped copy of the
    world (Leaflet allows -400°) are shifted back by whole turns.

    Raises:
        RegionError: nothing usable was drawn, or a drawn box is refused (too large, ...).
    """
    regions: list[Region] = []
    skipped = 0
    for feature in features or []:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            skipped += 1
            continue
        label = f"drawn {len(regions) + 1}"
        positions = _positions(geometry.get("coordinates"), label)
        xs = [x for x, _ in positions]
        turns = 360.0 * math.floor(((min(xs) + max(xs)) / 2 + 180) / 360)
        if max(xs) - turns > 180 or min(xs) - turns < -180:
            raise RegionError(f"{label} crosses the antimeridian (180°); draw it as two shapes, one on each side.")
        regions.append(_box_from(label, [(round(x - turns, 9) if turns else x, y) for x, y in positions], label))
    if not regions:
        ignored = f" ({skipped} marker/circle/line shapes were ignored)" if skipped else ""
        raise RegionError(f"Nothing usable is drawn on the map{ignored}; draw a rectangle or polygon.")
    return regions


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
