"""Other layers: registered mines and reference outlines from GeoJSON, GeoPackage, shapefile or a lat/lon CSV."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from core.register.columns import map_columns
from core.register.dms import AXIS_PROBLEM, parse_dms
from core.register.errors import RegisterImportError
from core.register.model import RegisterEntry, RegisterImport, RejectedRow
from core.register.sigbm import MISSING_AXES, clean_text, snapshot_date
from core.register.tables import Cell, cell_text, normalise_name, read_table
from core.register.validate import check_point, in_brazil
from core.wording.translate import _

LAYER_KINDS = ("mine", "reference")
_VECTOR_FORMATS = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".shp": "shapefile", ".zip": "shapefile"}
_TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
#: Field -> column names a layer may use (compared after normalisation, exact match, first alias wins).
LAYER_ALIASES: dict[str, tuple[str, ...]] = {
    "register_id": ("id", "fid", "processo", "process", "objectid", "gid", "uid", "codigo", "code", "id_barragem"),
    "name": ("name", "nome", "nm", "title", "label", "nome_barragem"),
    "owner": ("owner", "titular", "nome_titular", "empreendedor", "company", "empresa"),
    "state": ("uf", "state", "estado"),
    "municipality": ("municipio", "municipality", "city"),
    "main_ore": ("subs", "substancia", "substance", "minerio", "commodity", "ore"),
    "lat": ("lat", "latitude", "y", "lat_dd", "latdd", "coord_y"),
    "lon": ("lon", "long", "longitude", "lng", "x", "lon_dd", "londd", "coord_x"),
}
_LAT_KEYS = {normalise_name(name) for name in LAYER_ALIASES["lat"]}
_LON_KEYS = {normalise_name(name) for name in LAYER_ALIASES["lon"]}


def _check_kind(kind: str) -> None:
    if kind not in LAYER_KINDS:
        raise ValueError(_("kind must be one of {kinds}; got {kind!r}").format(kinds=", ".join(LAYER_KINDS), kind=kind))


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return cell_text(value) if isinstance(value, str | int | float) else str(value)


def _entry(
    kind: str,
    raw: dict[str, str],
    fields: dict[str, str],
    stem: str,
    number: int,
    lon: float,
    lat: float,
    wkt: str | None,
    flags: tuple[str, ...],
) -> RegisterEntry:
    return RegisterEntry(
        kind=kind,
        register_id=fields.get("register_id", "").strip() or f"{stem}:{number}",
        name=clean_text(fields.get("name")),
        owner=clean_text(fields.get("owner")),
        state=(clean_text(fields.get("state")) or "").upper() or None,
        municipality=clean_text(fields.get("municipality")),
        main_ore=clean_text(fields.get("main_ore")),
        height_m=None,
        volume_m3=None,
        construction_method=None,
        risk_category=None,
        potential_damage=None,
        emergency_level=None,
        lon=lon,
        lat=lat,
        geometry_wkt=wkt,
        raw=raw,
        flags=flags,
        source_line=number,
    )


def _read_frame(path: Path) -> Any:
    import geopandas as gpd  # heavy import, needed only for vector files

    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends with a useful message
        message = _("{file} is not a readable GeoJSON/GeoPackage/shapefile ({error}).")
        raise RegisterImportError(message.format(file=path.name, error=exc)) from exc
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds if len(frame) else (0.0, 0.0, 0.0, 0.0)
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise RegisterImportError(
                _(
                    "{file} has no coordinate system and its coordinates are not degrees; "
                    "save it with its CRS (a .prj beside a shapefile)."
                ).format(file=path.name)
            )
        return frame.set_crs("EPSG:4326")
    return frame.to_crs("EPSG:4326")


def _vector_entries(path: Path, kind: str) -> tuple[list[RegisterEntry], list[RejectedRow], int]:
    frame = _read_frame(path)
    attributes = [column for column in frame.columns if column != frame.geometry.name]
    columns = map_columns(tuple(str(c) for c in attributes), LAYER_ALIASES)
    entries: list[RegisterEntry] = []
    rejected: list[RejectedRow] = []
    for number, (geometry, values) in enumerate(
        zip(frame.geometry, frame[attributes].itertuples(index=False)), start=1
    ):
        raw = {str(name): _text(value) for name, value in zip(attributes, values)}
        fields = {field: raw[str(attributes[index])] for field, index in columns.items()}
        if geometry is None or geometry.is_empty:
            rejected.append(RejectedRow(number, _("feature has no geometry")))
            continue
        point = geometry if geometry.geom_type == "Point" else geometry.representative_point()
        flags = () if in_brazil(point.x, point.y) else ("outside_brazil",)
        entries.append(_entry(kind, raw, fields, path.stem, number, point.x, point.y, geometry.wkt, flags))
    return entries, rejected, len(frame)


def _is_points_header(names: tuple[str, ...]) -> bool:
    return bool(_LAT_KEYS & set(names)) and bool(_LON_KEYS & set(names))


def _csv_entries(path: Path, kind: str) -> tuple[list[RegisterEntry], list[RejectedRow], int]:
    wanted = _("latitude and longitude columns (lat/latitude/y, lon/longitude/x)")
    table = read_table(path, _is_points_header, wanted)
    columns = map_columns(table.header, LAYER_ALIASES)
    entries: list[RegisterEntry] = []
    rejected: list[RejectedRow] = []
    for line, cells in table.rows:
        raw = {name or f"column_{i + 1}": _cell(cells, i) for i, name in enumerate(table.header)}
        fields = {field: _cell(cells, index) for field, index in columns.items()}
        try:
            lon, lat = _point(fields.get("lon", ""), fields.get("lat", ""))
        except ValueError as exc:
            rejected.append(RejectedRow(line, str(exc)))
            continue
        point = check_point(lon, lat)
        wkt = f"POINT ({point.lon} {point.lat})"
        entries.append(_entry(kind, raw, fields, path.stem, line, point.lon, point.lat, wkt, point.flags))
    return entries, rejected, len(table.rows)


def _cell(cells: tuple[Cell, ...], index: int) -> str:
    return cell_text(cells[index]).strip() if index < len(cells) else ""


def _point(lon_text: str, lat_text: str) -> tuple[float, float]:
    if not lat_text or not lon_text:
        missing = _(MISSING_AXES[(not lat_text, not lon_text)])
        raise ValueError(_("no {missing}: a site without a place cannot be matched").format(missing=missing))
    values = []
    for axis, text, limit in (("longitude", lon_text, 180), ("latitude", lat_text, 90)):
        try:
            value = parse_dms(text)
        except ValueError as exc:
            raise ValueError(_(AXIS_PROBLEM[axis]).format(problem=exc)) from None
        if abs(value) > limit:
            problem = _("'{text}' is not a coordinate: beyond ±{limit}°").format(text=text, limit=limit)
            raise ValueError(_(AXIS_PROBLEM[axis]).format(problem=problem))
        values.append(value)
    return values[0], values[1]


def layer_format(path: Path) -> str:
    """The ``file_format`` name of a layer file, from its extension.

    Raises:
        RegisterImportError: an extension that is not a supported layer format.
    """
    suffix = path.suffix.lower()
    if suffix in _VECTOR_FORMATS:
        return _VECTOR_FORMATS[suffix]
    if suffix in _TEXT_SUFFIXES:
        return "csv_points"
    supported = sorted(set(_VECTOR_FORMATS) | _TEXT_SUFFIXES)
    message = _("{file}: {suffix} is not a layer format; use one of {formats}.")
    formats = ", ".join(supported)
    raise RegisterImportError(message.format(file=path.name, suffix=suffix or _("no extension"), formats=formats))


def read_layer(path: Path, kind: str) -> RegisterImport:
    """Read mines or reference outlines (WGS84): polygons keep their WKT and get their representative point.

    Raises:
        ValueError: ``kind`` is not "mine" or "reference".
        RegisterImportError: the file is missing, unreadable, or a CSV without latitude/longitude columns.
    """
    _check_kind(kind)
    path = Path(path)
    if not path.is_file():
        raise RegisterImportError(_("{path} does not exist or is not a file.").format(path=path))
    file_format = layer_format(path)
    reader = _csv_entries if file_format == "csv_points" else _vector_entries
    entries, rejected, rows_read = reader(path, kind)
    return RegisterImport(
        source_file=path.name,
        file_format=file_format,
        snapshot_date=snapshot_date(path.name, ""),
        entries=tuple(entries),
        rejected=tuple(rejected),
        rows_read=rows_read,
    )
