"""Writing reviewed candidate sites to files an auditor can open: CSV, GeoJSON, KML and GeoPackage.

Input is the export DataFrame of the store (one row per site, WGS84 ``lon``/``lat`` and ``outline_wkt``).
Every writer starts from :func:`prepare_rows`, so the four formats agree on column order, types and nulls
(:mod:`core.review.export_columns`). The CSV dialects are :mod:`core.review.export_csv`; the GeoPackage's QGIS style
is :mod:`core.review.export_qgis` and the KML's styles and legend :mod:`core.review.export_styles` (one palette).
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from core.review.export_columns import (
    AREA_PREFIX,
    EXPORT_COLUMNS,
    FLOAT_COLUMNS,
    GEOMETRY_COLUMN,
    INT_COLUMNS,
    PLACE_EXPORT_COLUMNS,
    TIME_COLUMNS,
    iso_utc,
)
from core.review.export_csv import CsvOptions, write_csv
from core.review.export_qgis import layer_style_row
from core.review.export_styles import (
    UNDECIDED,
    decision_counts,
    kml_style_id,
    kml_styles,
    legend_html,
    legend_lines,
    word,
)
from core.wording.translate import _

EXPORT_FORMATS = ("csv", "geojson", "kml", "gpkg")
GPKG_LAYER = "sites"
STYLES_LAYER = "layer_styles"
KML_NS = "http://www.opengis.net/kml/2.2"

# Characters XML 1.0 forbids even when escaped; a pasted note may hold them and would make the KML unreadable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_STAMP = re.compile(r"[\w.-]+")
_KML_SUMMARY = (
    "decision", "reason", "note", "reviewer", "decided_at", "match_status", "impact_rating", "area_km2", "p_max",
    "nearest_dam_name", "nearest_dam_m", "nearest_mine_id", "nearest_mine_m", "scene_id", "imagery_summary",
    "place_id", "period", "first_period", "last_period", "persistence", "growth_ha",
)  # fmt: skip


def export_filename(fmt: str, stamp: str) -> str:
    """File name for an export, e.g. ``minescan_sites_20261122T1637Z.csv``.

    Raises:
        ValueError: an unknown format, or a stamp that is empty or holds characters other than letters, digits,
            ``_``, ``.`` and ``-`` (it must be safe as part of a file name on every OS).
    """
    fmt = _check_format(fmt)
    if not _STAMP.fullmatch(stamp):
        raise ValueError(_("stamp must be letters, digits, '_', '.' or '-'; got {stamp!r}").format(stamp=stamp))
    return f"minescan_sites_{stamp}.{fmt}"


def write_export(rows: pd.DataFrame, path: Path, fmt: str, csv_options: CsvOptions | None = None) -> Path:
    """Write the export rows to ``path`` in format ``fmt`` (one of :data:`EXPORT_FORMATS`), replacing the file.

    An empty DataFrame gives a valid empty file: a header-only CSV, an empty FeatureCollection, a KML document
    with no placemarks, a GeoPackage with an empty ``sites`` layer. ``csv_options`` (CSV only; default the plain
    CSV) choose the CSV dialect, the time zone of its times and its header. The GeoPackage carries its QGIS style
    and the KML its styles and legend: both colour the sites by decision.

    Raises:
        ValueError: an unknown format, or values that do not fit the export columns (e.g. text in ``lon``).
    """
    csv_options = csv_options or CsvOptions()
    writers: dict[str, Callable[[pd.DataFrame, Path], None]] = {
        "csv": lambda frame, target: write_csv(frame, target, csv_options),
        "geojson": _write_geojson,
        "kml": _write_kml,
        "gpkg": _write_gpkg,
    }
    writer = writers[_check_format(fmt)]
    path = Path(path)
    writer(prepare_rows(rows), path)
    return path


def prepare_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Export rows in a fixed shape: every format is written from this.

    Known columns come first in :data:`EXPORT_COLUMNS` order, then unknown extra columns (as text), then, when the
    rows carry places (a ``place_id`` or ``area_ha_<period>`` column), :data:`PLACE_EXPORT_COLUMNS` and the
    ``area_ha_<period>`` columns in the rows' order, with ``outline_wkt`` last. Ids and counts become nullable
    ints, measures and areas floats, ``decided_at`` UTC timestamps (naive ones are taken as UTC) and everything
    else ``str`` or ``None``. Missing known columns are added as nulls.

    Raises:
        ValueError: a numeric column holding text that is not a number.
    """
    areas = [str(c) for c in rows.columns if str(c).startswith(AREA_PREFIX)]
    place = list(PLACE_EXPORT_COLUMNS) if areas or "place_id" in rows.columns else []
    known = {*EXPORT_COLUMNS, *place, *areas}
    extra = [c for c in rows.columns if c not in known]
    columns = [*EXPORT_COLUMNS[:-1], *extra, *place, *areas, GEOMETRY_COLUMN]
    out = rows.reindex(columns=columns).reset_index(drop=True)
    for col in columns:
        if col in INT_COLUMNS:
            out[col] = pd.to_numeric(out[col]).astype("Int64")
        elif col in FLOAT_COLUMNS or col in areas:
            out[col] = pd.to_numeric(out[col]).astype("float64")
        elif col in TIME_COLUMNS:
            out[col] = _as_utc(out[col])
        else:
            out[col] = pd.Series([_text_or_none(v) for v in out[col]], index=out.index, dtype=object)
    return out


def _check_format(fmt: str) -> str:
    key = fmt.strip().lower() if isinstance(fmt, str) else fmt
    if key not in EXPORT_FORMATS:
        message = _("unknown export format {fmt!r}; use one of {formats}")
        raise ValueError(message.format(fmt=fmt, formats=", ".join(EXPORT_FORMATS)))
    return str(key)


def _as_utc(col: pd.Series) -> pd.Series:
    """Timestamps as tz-aware UTC; naive ones are taken to be UTC already (the store keeps UTC)."""
    times = pd.to_datetime(col)
    if times.dt.tz is None:
        return times.dt.tz_localize("UTC")
    return times.dt.tz_convert("UTC")


def _text_or_none(value: Any) -> str | None:
    if value is None or (np.ndim(value) == 0 and pd.isna(value)):
        return None
    return str(value)


def _plain(value: Any) -> Any:
    """A JSON/XML-friendly Python value: ``None`` for any null, ISO text for times, built-ins for numpy scalars."""
    if value is None or pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return iso_utc(value)
    return value.item() if isinstance(value, np.generic) else value


def _records(rows: pd.DataFrame) -> Iterable[dict[str, Any]]:
    for record in rows.to_dict("records"):
        yield {str(k): _plain(v) for k, v in record.items()}


def _outline(wkt: str | None) -> BaseGeometry | None:
    return None if wkt is None else shapely.from_wkt(wkt)


def _write_geojson(rows: pd.DataFrame, path: Path) -> None:
    features = []
    for record in _records(rows):
        outline = _outline(record.pop(GEOMETRY_COLUMN))
        # RFC 7946 section 3.1.6: exterior rings counter-clockwise, holes clockwise.
        geometry = None if outline is None else mapping(shapely.orient_polygons(outline, exterior_cw=False))
        features.append({"type": "Feature", "id": record["site_id"], "geometry": geometry, "properties": record})
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection, ensure_ascii=False, allow_nan=False), encoding="utf-8")


def _write_gpkg(rows: pd.DataFrame, path: Path) -> None:
    geometry = gpd.GeoSeries.from_wkt(rows[GEOMETRY_COLUMN], crs="EPSG:4326")
    frame = gpd.GeoDataFrame(rows.drop(columns=GEOMETRY_COLUMN), geometry=geometry, crs="EPSG:4326")
    path.unlink(missing_ok=True)  # an export replaces the file, not just the layer inside it
    # One layer type for Polygon and MultiPolygon outlines alike, also when there are no rows to infer it from.
    frame.to_file(path, layer=GPKG_LAYER, driver="GPKG", geometry_type="MultiPolygon", promote_to_multi=True)
    # QGIS applies the default style of layer_styles when it opens the layer; written through GDAL, the table is
    # registered in gpkg_contents (an attributes table) with QGIS's own "id" key, as QGIS's "Save as default" does.
    geometry_column = pyogrio.read_info(path, layer=GPKG_LAYER)["geometry_name"]
    style = pd.DataFrame([layer_style_row(GPKG_LAYER, geometry_column, datetime.now(UTC))])
    pyogrio.write_dataframe(style, path, layer=STYLES_LAYER, driver="GPKG", layer_options={"FID": "id"})


def _write_kml(rows: pd.DataFrame, path: Path) -> None:
    records = list(_records(rows))
    counts = decision_counts(r.get("decision") for r in records)
    root = ET.Element("kml", xmlns=KML_NS)
    document = ET.SubElement(root, "Document")
    _text(document, "name", _("MineScan sites"))
    _text(document, "open", "1")
    # The legend: the Snippet shows under the document's name in Google Earth's Places panel as the file opens,
    # the description (a click on the name) shows it with colour swatches. Both are built from constants only.
    _text(document, "Snippet", "; ".join(legend_lines(counts))).set("maxLines", str(len(counts)))
    _text(document, "description", legend_html(counts))
    document.extend(kml_styles())
    # One named Folder: GDAL (KML and LIBKML drivers) sees one "sites" layer, also when it is empty (a Folder per
    # decision would be one layer per decision to GDAL and QGIS).
    folder = ET.SubElement(document, "Folder")
    _text(folder, "name", GPKG_LAYER)
    for record in records:
        folder.append(_placemark(record))
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)


def _placemark(record: dict[str, Any]) -> ET.Element:
    decision = record.get("decision") or UNDECIDED
    placemark = ET.Element("Placemark")
    status = word(record.get("match_status") or "unmatched")
    if record.get("place_id"):
        name = _("Site {site_id}, place {place_id}: {decision}, {status}")
    else:
        name = _("Site {site_id}: {decision}, {status}")
    words = {"site_id": record["site_id"], "place_id": record.get("place_id"), "decision": word(decision)}
    _text(placemark, "name", name.format(**words, status=status))
    _text(placemark, "description", _description_html(record))
    if record.get("period_start"):  # Google Earth's time slider: the site is a sighting in its scan's period
        span = ET.SubElement(placemark, "TimeSpan")
        _text(span, "begin", str(record["period_start"]))
        if record.get("period_end"):
            _text(span, "end", str(record["period_end"]))
    _text(placemark, "styleUrl", f"#{kml_style_id(record.get('decision'))}")
    extended = ET.SubElement(placemark, "ExtendedData")
    for name, value in record.items():
        if name != GEOMETRY_COLUMN and value is not None:
            _text(ET.SubElement(extended, "Data", name=name), "value", str(value))
    geometries = ET.SubElement(placemark, "MultiGeometry")
    if record.get("lon") is not None and record.get("lat") is not None:
        _text(ET.SubElement(geometries, "Point"), "coordinates", _coords([(record["lon"], record["lat"])]))
    outline = _outline(record.get(GEOMETRY_COLUMN))
    for polygon in getattr(outline, "geoms", [outline] if outline is not None else []):
        _kml_polygon(geometries, polygon)
    return placemark


def _kml_polygon(parent: ET.Element, polygon: shapely.Polygon) -> None:
    element = ET.SubElement(parent, "Polygon")
    _text(element, "tessellate", "1")
    rings = [("outerBoundaryIs", polygon.exterior), *(("innerBoundaryIs", ring) for ring in polygon.interiors)]
    for tag, ring in rings:
        linear_ring = ET.SubElement(ET.SubElement(element, tag), "LinearRing")
        _text(linear_ring, "coordinates", _coords(ring.coords))


def _description_html(record: dict[str, Any]) -> str:
    """An HTML table for the Google Earth balloon. Every value is HTML-escaped: a note is shown, never run."""
    cells = []
    for name in (n for n in _KML_SUMMARY if n in record):  # place lines only for rows that carry places
        value = record.get(name)
        shown = "—" if value is None else html.escape(str(value)).replace("\n", "<br/>")
        cells.append(f"<tr><th align='left'>{html.escape(name)}</th><td>{shown}</td></tr>")
    return "<table>" + "".join(cells) + "</table>"


def _coords(points: Iterable[tuple[float, ...]]) -> str:
    return " ".join(f"{p[0]:.7f},{p[1]:.7f}" for p in points)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    """Append ``<tag>text</tag>``; ElementTree escapes markup, the regex drops what XML cannot hold at all."""
    element = ET.SubElement(parent, tag)
    element.text = _XML_INVALID.sub("", text)
    return element
