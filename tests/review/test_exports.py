"""Round trips of the site exports: each file is read back by the tool an auditor would use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from core.review.exports import EXPORT_COLUMNS, EXPORT_FORMATS, KML_NS, export_filename, write_export

NOTE_ACCENTS = 'Dam "B1", near river;\nvisited 2026-11-20 — Itabirá, São João'
NOTE_FORMULA = '=HYPERLINK("http://evil","x")'
NOTE_SCRIPT = "<script>alert(1)</script>"
SQUARE = "POLYGON ((-43.60 -20.20, -43.50 -20.20, -43.50 -20.10, -43.60 -20.10, -43.60 -20.20))"
TWO_SQUARES = (
    "MULTIPOLYGON (((-44.0 -19.0, -43.9 -19.0, -43.9 -18.9, -44.0 -19.0)), "
    "((-43.8 -19.0, -43.7 -19.0, -43.7 -18.9, -43.8 -19.0)))"
)
K = f"{{{KML_NS}}}"


@pytest.fixture
def rows() -> pd.DataFrame:
    """Four sites: confirmed with an accented multi-line note, rejected with a formula note, undecided, unsure."""
    base = {
        "scan_id": 3, "scene_id": "S2B_23KPT_20260801", "area_km2": 0.42, "p_max": 0.97, "p_mean": 0.71,
        "cell_count": 12, "impact_class": "high", "impact_rating": "high", "match_status": "unregistered",
        "nearest_dam_id": None,
        "nearest_dam_name": None, "nearest_dam_owner": None, "nearest_dam_m": None, "nearest_mine_id": "ANM-831",
        "nearest_mine_m": 2450.5, "inside_polygon_id": None, "decision": None, "reason": None, "note": None,
        "reviewer": None, "decided_at": pd.NaT, "discovery_model": "fcn-v3", "impact_model": "impact-v1",
        "imagery_source": "Google Earth Engine", "imagery_collection": "COPERNICUS/S2_HARMONIZED",
        "imagery_start": "2024-06-01", "imagery_end": "2024-09-01",
        "imagery_summary": "Sentinel-2 COPERNICUS/S2_HARMONIZED, median of 2024-06-01 to 2024-09-01 (end exclusive)",
        "outline_wkt": SQUARE,
    }  # fmt: skip
    when = pd.Timestamp("2026-11-21 09:30:15", tz="UTC")
    sites = [
        {"site_id": 1, "lon": -43.55, "lat": -20.15, "decision": "confirmed", "reason": "tailings_dam",
         "note": NOTE_ACCENTS, "reviewer": "ana", "decided_at": when, "match_status": "registered",
         "nearest_dam_id": "B1", "nearest_dam_name": "Barragem B1", "nearest_dam_owner": "Mineração São João",
         "nearest_dam_m": 85.0},
        {"site_id": 2, "lon": -43.85, "lat": -18.97, "decision": "rejected", "reason": "irrigation_dam",
         "note": NOTE_FORMULA, "reviewer": "=bob", "decided_at": when, "outline_wkt": TWO_SQUARES},
        {"site_id": 3, "lon": -43.56, "lat": -20.16},
        {"site_id": 4, "lon": -43.57, "lat": -20.17, "decision": "unsure", "reason": "unclear", "note": NOTE_SCRIPT,
         "reviewer": "caio", "decided_at": when, "impact_class": None,
         "impact_rating": "not rated: scanned without an impact model"},
    ]  # fmt: skip
    return pd.DataFrame([{**base, **site} for site in sites])[list(EXPORT_COLUMNS)]


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_filename_and_unknown_format(tmp_path: Path, rows: pd.DataFrame, fmt: str) -> None:
    assert export_filename(fmt, "20261122T1637Z") == f"minescan_sites_20261122T1637Z.{fmt}"
    with pytest.raises(ValueError, match="csv, geojson, kml, gpkg"):
        write_export(rows, tmp_path / "x.shp", "shp")
    with pytest.raises(ValueError, match="stamp"):
        export_filename(fmt, "../etc")


def test_csv_round_trip(tmp_path: Path, rows: pd.DataFrame) -> None:
    path = write_export(rows, tmp_path / "sites.csv", "csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    assert list(back.columns) == list(EXPORT_COLUMNS) and back.columns[-1] == "outline_wkt"
    assert back["note"].tolist()[:2] == [NOTE_ACCENTS, "'" + NOTE_FORMULA]
    assert back["note"][3] == NOTE_SCRIPT and pd.isna(back["note"][2])
    assert back["reviewer"].tolist()[:2] == ["ana", "'=bob"]
    assert back["decision"].tolist()[:2] == ["confirmed", "rejected"] and pd.isna(back["decision"][2])
    assert back["reason"][1] == "irrigation_dam"
    assert back["decided_at"][0] == "2026-11-21T09:30:15Z"
    assert back["lon"].dtype == "float64" and back["lon"].tolist() == rows["lon"].tolist()
    assert (back["lat"] < 0).all() and back["site_id"].tolist() == [1, 2, 3, 4]
    assert pd.isna(back["impact_class"][3]) and back["outline_wkt"][1] == TWO_SQUARES


def test_geojson_round_trip(tmp_path: Path, rows: pd.DataFrame) -> None:
    path = write_export(rows, tmp_path / "sites.geojson", "geojson")
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["type"] == "FeatureCollection" and "crs" not in raw
    assert raw["features"][2]["properties"]["decision"] is None
    assert raw["features"][0]["properties"]["decided_at"] == "2026-11-21T09:30:15Z"
    back = gpd.read_file(path)
    assert back.crs.to_epsg() == 4326
    assert back.geom_type.tolist() == ["Polygon", "MultiPolygon", "Polygon", "Polygon"]
    assert back["note"].tolist()[:2] == [NOTE_ACCENTS, NOTE_FORMULA] and back["note"][3] == NOTE_SCRIPT
    assert back["reason"][1] == "irrigation_dam" and pd.isna(back["impact_class"][3])
    assert back.geometry[0].area == pytest.approx(0.01)


def test_gpkg_round_trip(tmp_path: Path, rows: pd.DataFrame) -> None:
    path = write_export(rows, tmp_path / "sites.gpkg", "gpkg")
    write_export(rows, path, "gpkg")  # writing again replaces the file
    assert pyogrio.list_layers(path).tolist() == [["sites", "MultiPolygon"], ["layer_styles", None]]  # + QGIS style
    back = gpd.read_file(path, layer="sites")
    assert back.crs.to_epsg() == 4326 and len(back) == 4 and set(back.geom_type) == {"MultiPolygon"}
    assert back["note"].tolist()[:2] == [NOTE_ACCENTS, NOTE_FORMULA] and back["note"][3] == NOTE_SCRIPT
    assert back["decision"].tolist()[:2] == ["confirmed", "rejected"] and pd.isna(back["decision"][2])
    assert back["decided_at"][0] == pd.Timestamp("2026-11-21 09:30:15", tz="UTC")
    assert back["site_id"].tolist() == [1, 2, 3, 4] and back["lon"].tolist() == rows["lon"].tolist()


def test_kml_is_valid_styled_xml(tmp_path: Path, rows: pd.DataFrame) -> None:
    path = write_export(rows, tmp_path / "sites.kml", "kml")
    root = ET.parse(path).getroot()
    assert root.tag == f"{K}kml"
    styles = {s.get("id") for s in root.iter(f"{K}Style")}
    assert styles == {"decision-confirmed", "decision-rejected", "decision-unsure", "decision-undecided"}
    placemarks = list(root.iter(f"{K}Placemark"))
    assert [p.findtext(f"{K}styleUrl") for p in placemarks] == [
        "#decision-confirmed", "#decision-rejected", "#decision-undecided", "#decision-unsure",
    ]  # fmt: skip
    assert placemarks[0].findtext(f"{K}name") == "Site 1: confirmed, registered"
    assert not any(el.tag.endswith("script") for el in root.iter())
    description = placemarks[3].findtext(f"{K}description") or ""
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in description and "<script>" not in description
    assert len(placemarks[1].findall(f"{K}MultiGeometry/{K}Polygon")) == 2


def test_kml_read_by_gdal(tmp_path: Path, rows: pd.DataFrame) -> None:
    path = write_export(rows, tmp_path / "sites.kml", "kml")
    assert pyogrio.read_info(path)["driver"] in ("LIBKML", "KML")
    back = pyogrio.read_dataframe(path, layer="sites")
    assert len(back) == 4 and back.crs.to_epsg() == 4326
    if pyogrio.read_info(path)["driver"] == "LIBKML":  # the plain KML driver reads only name and description
        assert back["note"].tolist()[:2] == [NOTE_ACCENTS, NOTE_FORMULA] and back["note"][3] == NOTE_SCRIPT
        assert back["decision"][1] == "rejected" and pd.isna(back["decision"][2])
    parts = back.geometry[1].geoms
    assert [g.geom_type for g in parts] == ["Point", "Polygon", "Polygon"]
    assert (parts[0].x, parts[0].y) == pytest.approx((-43.85, -18.97))


def test_kml_read_by_plain_kml_driver(tmp_path: Path, rows: pd.DataFrame) -> None:
    """GDAL's non-libkml KML driver: the note reaches the user through the (HTML) description."""
    path = write_export(rows, tmp_path / "sites.kml", "kml")
    script = (
        "import json, sys, pyogrio; d = pyogrio.read_dataframe(sys.argv[1]); "
        "print(json.dumps([pyogrio.read_info(sys.argv[1])['driver'], d['Description'].tolist()]))"
    )
    env = {**os.environ, "GDAL_SKIP": "LIBKML"}
    done = subprocess.run([sys.executable, "-c", script, str(path)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    driver, descriptions = json.loads(done.stdout)
    assert driver == "KML" and len(descriptions) == 4
    assert "visited 2026-11-20 — Itabirá, São João" in descriptions[0] and "&quot;B1&quot;" in descriptions[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in descriptions[3]


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_empty_rows_write_valid_empty_files(tmp_path: Path, rows: pd.DataFrame, fmt: str) -> None:
    path = write_export(rows.iloc[:0], tmp_path / export_filename(fmt, "empty"), fmt)
    if fmt == "csv":
        back = pd.read_csv(path, encoding="utf-8-sig")
        assert back.empty and list(back.columns) == list(EXPORT_COLUMNS)
    elif fmt == "kml":
        root = ET.parse(path).getroot()
        assert root.find(f"{K}Document") is not None and not list(root.iter(f"{K}Placemark"))
        assert len(list(root.iter(f"{K}Style"))) == 4
    else:
        back = gpd.read_file(path)
        assert back.empty and back.crs.to_epsg() == 4326
        if fmt == "gpkg":
            assert pyogrio.list_layers(path).tolist() == [["sites", "MultiPolygon"], ["layer_styles", None]]
            assert {"site_id", "note", "decided_at"} <= set(back.columns)
        else:
            assert json.loads(path.read_text(encoding="utf-8")) == {"type": "FeatureCollection", "features": []}
