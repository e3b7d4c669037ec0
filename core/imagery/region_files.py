"""Regions read from files and drawings: CSV (bounds or centre + label), GeoJSON polygons, and map drawings.

Every row or feature becomes a checked :class:`core.imagery.regions.Region`; a bad one is refused with its row or
feature number. Coordinates are read like typed bounds (:func:`core.imagery.regions.parse_bounds`).
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from core.errors import RegionError
from core.imagery.regions import CSV_LAYOUTS, GEOD, MAX_LAT, Region, coordinate, make_region
from core.register.dms import parse_dms
from core.register.numbers import parse_br_number
from core.wording.translate import N_, _, ngettext


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    if b"\x00" in data[:65536] or data[:4] == b"PK\x03\x04":
        raise RegionError(_("The file is not a CSV text file (is it an Excel workbook?); save it as CSV and retry."))
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


def _cell(row: int, column: str) -> str:
    """``Row 3, centre lon``: where a value is, in the current language (``column`` N_-marked)."""
    return _("Row {row}, {column}").format(row=row, column=_(column))


def _lon(text: str, row: int, column: str) -> float:
    return coordinate(text, _cell(row, column))


def _lat(text: str, row: int, column: str) -> float:
    value = coordinate(text, _cell(row, column))
    if abs(value) > 90:
        message = _(
            "Row {row}: {column} is {value}, beyond ±90°, so latitude and longitude look swapped. "
            "The file needs {layouts}."
        )
        raise RegionError(message.format(row=row, column=_(column), value=text, layouts=_(CSV_LAYOUTS)))
    return value


def _row_label(row: int, label: str) -> str:
    return _("Row {row} ({label})").format(row=row, label=label)


def _square_row(row: int, cells: list[str], side_m: float | None) -> Region:
    lat, lon = _lat(cells[0], row, N_("centre lat")), _lon(cells[1], row, N_("centre lon"))
    label = (cells[2] if len(cells) > 2 else "") or f"row {row}"  # a label (file names), not words: not translated
    side = side_m
    if len(cells) > 3:
        try:
            side = parse_br_number(cells[3])
        except ValueError:
            message = _("Row {row}: side_m '{value}' is not a number of metres.")
            raise RegionError(message.format(row=row, value=cells[3])) from None
        side = side_m if side is None else side
    if side is None:
        message = _(
            "Row {row} ({label}) gives a centre but no square side: add a 4th column side_m (metres) "
            "or choose a side for all rows."
        )
        raise RegionError(message.format(row=row, label=label))
    if not math.isfinite(side) or side <= 0:
        message = _(
            "Row {row}: side {side} must be a positive number of metres (for lower-left/upper-right corners "
            "give 5 columns: lower-left lat, lower-left lon, upper-right lat, upper-right lon, label)."
        )
        raise RegionError(message.format(row=row, side=f"{side:g}"))
    return _square(label, lon, lat, side, _row_label(row, label))


def _square(label: str, lon: float, lat: float, side_m: float, where: str) -> Region:
    """A box ``side_m`` metres along the central meridian and along the centre's parallel."""
    if abs(lat) >= MAX_LAT:
        message = _("{where}: latitude {lat}° is outside ±{limit}° (imagery tiles need UTM latitudes).")
        raise RegionError(message.format(where=where, lat=f"{lat:g}", limit=f"{MAX_LAT:g}"))
    north = GEOD.fwd(lon, lat, 0.0, side_m / 2)[1]
    south = GEOD.fwd(lon, lat, 180.0, side_m / 2)[1]
    phi = math.radians(lat)
    parallel_radius = GEOD.a * math.cos(phi) / math.sqrt(1 - GEOD.es * math.sin(phi) ** 2)
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
        message = _("The square side must be a positive number of metres; got {side}.")
        raise RegionError(message.format(side=side_m))
    rows = _csv_rows(text := _decode(data), _sniff_delimiter(text))
    if not rows:
        raise RegionError(_("The CSV file is empty; it needs {layouts}.").format(layouts=_(CSV_LAYOUTS)))
    if len(rows[0][1]) >= 2 and not _is_number(rows[0][1][0]) and not _is_number(rows[0][1][1]):
        rows = rows[1:]
    if not rows:
        message = _("The CSV file has a header row but no data rows; it needs {layouts}.")
        raise RegionError(message.format(layouts=_(CSV_LAYOUTS)))
    width = max(len(cells) for _line, cells in rows)
    for row, cells in rows:
        if len(cells) < 3 or len(cells) > 5 or (width == 5 and len(cells) < 4):
            message = ngettext(
                "Row {row} has {n} columns ({cells}); the file needs {layouts}.",
                "Row {row} has {n} columns ({cells}); the file needs {layouts}.",
                len(cells),
            )
            raise RegionError(message.format(row=row, n=len(cells), cells="; ".join(cells), layouts=_(CSV_LAYOUTS)))
    regions = []
    for row, cells in rows:
        if width == 5:
            south, west = _lat(cells[0], row, N_("lower-left lat")), _lon(cells[1], row, N_("lower-left lon"))
            north, east = _lat(cells[2], row, N_("upper-right lat")), _lon(cells[3], row, N_("upper-right lon"))
            label = (cells[4] if len(cells) > 4 else "") or f"row {row}"
            try:
                regions.append(make_region(label, west, south, east, north))
            except RegionError as err:
                raise RegionError(_("Row {row} ({label}): {error}").format(row=row, label=label, error=err)) from None
        else:
            regions.append(_square_row(row, cells, side_m))
    return regions


def _positions(coords: Any, where: str) -> list[tuple[float, float]]:
    """Every [x, y] position in nested GeoJSON coordinates."""
    if isinstance(coords, list | tuple) and len(coords) >= 2 and all(isinstance(v, int | float) for v in coords):
        if any(isinstance(v, bool) or not math.isfinite(v) for v in coords[:2]):
            message = _("{where} has a coordinate that is not a number: {coordinates}.")
            raise RegionError(message.format(where=where, coordinates=coords))
        return [(float(coords[0]), float(coords[1]))]
    if isinstance(coords, list | tuple) and coords:
        return [pos for part in coords for pos in _positions(part, where)]
    message = _("{where} has missing or malformed coordinates (at {near!r}); give [lon, lat] numbers.")
    raise RegionError(message.format(where=where, near=str(coords)[:60]))


def _polygon_positions(geometry: Any, where: str) -> list[tuple[float, float]]:
    """Positions of a (Multi)Polygon or a GeometryCollection of them; points and lines are refused."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind in ("Polygon", "MultiPolygon"):
        return _positions(geometry.get("coordinates"), where)
    if kind == "GeometryCollection":
        return [pos for part in geometry.get("geometries") or [] for pos in _polygon_positions(part, where)]
    if kind in ("Point", "MultiPoint"):
        message = _(
            "{where} is a point, which has no extent. Outline the area as a polygon, or list the points in a "
            "CSV as 'centre lat, centre lon, label, side_m' to fetch a square around each."
        )
        raise RegionError(message.format(where=where))
    if kind in ("LineString", "MultiLineString"):
        raise RegionError(
            _("{where} is a line; outline the area to fetch as a polygon or rectangle.").format(where=where)
        )
    message = _("{where} has no polygon geometry (type {kind!r}); give Polygon or MultiPolygon features.")
    raise RegionError(message.format(where=where, kind=kind))


def _feature_label(properties: Any, number: int) -> str:
    if isinstance(properties, dict):
        lowered = {str(key).lower(): value for key, value in properties.items()}
        for key in ("label", "name", "nome"):
            if lowered.get(key) is not None and str(lowered[key]).strip():
                return str(lowered[key]).strip()
    return f"feature {number}"  # a label (file names), not words: not translated


def _box_from(label: str, positions: list[tuple[float, float]], where: str) -> Region:
    xs, ys = [x for x, _y in positions], [y for _x, y in positions]
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
        message = _("The file is not valid GeoJSON ({error}); export the regions as GeoJSON.")
        raise RegionError(message.format(error=exc)) from None
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection":
        features = doc.get("features") or []
    elif kind == "Feature":
        features = [doc]
    elif isinstance(kind, str) and "coordinates" in doc or kind == "GeometryCollection":
        features = [{"type": "Feature", "geometry": doc, "properties": {}}]
    else:
        message = _("The file is JSON but not GeoJSON (type {kind!r}); give a FeatureCollection of polygons.")
        raise RegionError(message.format(kind=kind))
    if not features:
        raise RegionError(_("The GeoJSON has no features; draw or export at least one polygon."))
    found = []
    for number, feature in enumerate(features, start=1):
        feature = feature if isinstance(feature, dict) else {}
        label = _feature_label(feature.get("properties"), number)
        if label == f"feature {number}":
            where = _("Feature {number}").format(number=number)
        else:
            where = _("Feature {number} ({label})").format(number=number, label=label)
        found.append((label, where, _polygon_positions(feature.get("geometry"), where)))
    _refuse_projected([pos for _label, _where, positions in found for pos in positions], doc.get("crs"))
    return [_box_from(label, positions, where) for label, where, positions in found]


def _refuse_projected(positions: list[tuple[float, float]], crs: Any) -> None:
    bad = next(((x, y) for x, y in positions if abs(x) > 180 or abs(y) > 180), None)
    if bad is not None:
        named = crs.get("properties", {}).get("name") if isinstance(crs, dict) else None
        if named:
            message = _(
                "The GeoJSON's coordinates are not longitude/latitude: found {x}, {y} (the file declares {crs}). "
                "GeoJSON must be in WGS84 lon/lat (EPSG:4326); reproject it, e.g. in QGIS, and upload it again."
            )
        else:
            message = _(
                "The GeoJSON's coordinates are not longitude/latitude: found {x}, {y}. "
                "GeoJSON must be in WGS84 lon/lat (EPSG:4326); reproject it, e.g. in QGIS, and upload it again."
            )
        raise RegionError(message.format(x=f"{bad[0]:g}", y=f"{bad[1]:g}", crs=named))
    bad = next(((x, y) for x, y in positions if abs(y) > 90), None)
    if bad is not None:
        message = _(
            "The GeoJSON has latitude {lat}, beyond ±90°: positions must be [longitude, latitude], "
            "these look like [latitude, longitude]."
        )
        raise RegionError(message.format(lat=f"{bad[1]:g}"))


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
        label = f"drawn {len(regions) + 1}"  # the region's label (file names): not translated
        where = _("drawn {number}").format(number=len(regions) + 1)
        positions = _positions(geometry.get("coordinates"), where)
        xs = [x for x, _y in positions]
        turns = 360.0 * math.floor(((min(xs) + max(xs)) / 2 + 180) / 360)
        if max(xs) - turns > 180 or min(xs) - turns < -180:
            message = _("{where} crosses the antimeridian (180°); draw it as two shapes, one on each side.")
            raise RegionError(message.format(where=where))
        regions.append(_box_from(label, [(round(x - turns, 9) if turns else x, y) for x, y in positions], where))
    if not regions:
        if skipped:
            message = ngettext(
                "Nothing usable is drawn on the map ({n} marker/circle/line shapes were ignored); draw a rectangle "
                "or polygon.",
                "Nothing usable is drawn on the map ({n} marker/circle/line shapes were ignored); draw a rectangle "
                "or polygon.",
                skipped,
            )
            raise RegionError(message.format(n=skipped))
        raise RegionError(_("Nothing usable is drawn on the map; draw a rectangle or polygon."))
    return regions


def regions_geojson(regions: list[Region]) -> str:
    """The regions as a GeoJSON FeatureCollection of boxes with their labels (read back by :func:`parse_geojson`):
    how a page hands a region to a job."""
    features = [
        {
            "type": "Feature",
            "properties": {"label": r.label},
            "geometry": {"type": "Polygon", "coordinates": [[[r.west, r.south], [r.east, r.south], [r.east, r.north],
                                                             [r.west, r.north], [r.west, r.south]]]},
        }
        for r in regions
    ]  # fmt: skip
    return json.dumps({"type": "FeatureCollection", "features": features})
