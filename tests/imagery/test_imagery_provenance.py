"""Imagery provenance end to end: a scene's MINESCAN_IMAGERY tag is read by the scan, stored with it (schema 5),
shown on the scan page and carried by every exported site; old and unreadable records read as unknown."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

from core.access.users import Identity
from core.imagery.provenance import (
    IMAGERY_EXPORT_COLUMNS,
    PROVENANCE_TAG,
    SOURCE_EARTH_ENGINE,
    SOURCE_SYNTHETIC,
    SOURCE_UNKNOWN,
    ImageryProvenance,
    provenance_from_record,
    provenance_from_tags,
    provenance_tags,
)
from core.imagery.raster import open_scene, scene_provenance
from core.register.matching import MatchSettings
from core.review.exports import KML_NS, write_export
from core.scan.pipeline import ScanSettings
from core.settings import ROOT
from db.connection import StoreError, connect
from db.exports import export_rows
from db.scans import fail_scan, finished_scans, scan_imagery, scan_record, start_scan, unfinished_scans
from db.schema import MIGRATIONS
from db.workflows import scan_into_store
from tests.fakes import RGB, fake_discovery, write_tif
from ui.state import IDENTITY

RECIPE = ImageryProvenance(
    source=SOURCE_EARTH_ENGINE,
    collection="COPERNICUS/S2_HARMONIZED",
    start="2024-06-01",
    end="2024-09-01",
    max_cloud_percent=20.0,
    cloud_mask="QA60 bit 10 (opaque clouds) and bit 11 (cirrus)",
    composite="per-pixel median",
    reflectance="DN / 10000.0",
    scale_m=10.0,
    crs="EPSG:32723",
    bands=RGB,
    region="Quadrilátero Ferrífero",
    tile="r00c01",
    created_at="2024-10-02T08:15:00+00:00",
)
SETTINGS = ScanSettings(cells_per_tile=5)


def _scene(folder: Path, name: str, tags: dict[str, str] | None) -> Path:
    """A 500 px, 10 m RGB scene with one bright 60 px square (one site for the fake model)."""
    data = np.full((3, 500, 500), 800, np.uint16)
    data[:, 200:260, 220:280] = 2500
    folder.mkdir(parents=True, exist_ok=True)
    transform = Affine(10, 0, 600_000, 0, -10, 7_800_000)
    return write_tif(folder / name, data, transform=transform, descriptions=RGB, tags=tags)


def _scan(store: Path, scene: Path) -> int:
    con = connect(store)
    try:
        stored = scan_into_store(con, scene, fake_discovery(), None, SETTINGS, MatchSettings())
    finally:
        con.close()
    assert stored.result.sites, "the planted square should give a site"
    return stored.scan_id


# --- the record itself ---------------------------------------------------------------------------------------------


def test_the_recipe_round_trips_and_reads_as_one_line() -> None:
    assert ImageryProvenance.from_json(RECIPE.to_json()) == RECIPE
    assert provenance_from_tags(provenance_tags(RECIPE)) == RECIPE
    summary = RECIPE.summary()
    assert summary.startswith("Sentinel-2 COPERNICUS/S2_HARMONIZED, per-pixel median of 2024-06-01 to 2024-09-01")
    assert "≤ 20 % cloud" in summary and "QA60" in summary and "10 m in EPSG:32723" in summary
    details = RECIPE.details()
    assert details["Dates"] == "2024-06-01 to 2024-09-01 (end exclusive)" and details["Bands"] == "B2, B3, B4"
    assert details["Region"] == "Quadrilátero Ferrífero" and details["Created"] == RECIPE.created_at
    assert RECIPE.export_fields()["imagery_collection"] == "COPERNICUS/S2_HARMONIZED"


@pytest.mark.parametrize(
    "text",
    [
        "not json {",
        "[1, 2]",
        '{"collection": "x"}',
        '{"source": "Google Earth Engine", "scale_m": "ten"}',
        '{"source": "Google Earth Engine", "start": 2024}',
        '{"source": "Google Earth Engine", "bands": "B2"}',
        '{"source": "Google Earth Engine", "extra": "oops"}',
        '{"source": "Google Earth Engine", "max_cloud_percent": true}',
    ],
)
def test_an_unreadable_record_is_unknown_origin_never_an_error(text: str) -> None:
    imagery = provenance_from_tags({PROVENANCE_TAG: text}, synthetic=True)
    assert imagery.source == SOURCE_UNKNOWN and "origin not recorded" in imagery.summary()
    assert imagery.extra["unreadable_record"] == text and not imagery.recorded
    imagery.details()  # every recipe can be shown


def test_newer_fields_are_kept_as_extra() -> None:
    imagery = ImageryProvenance.from_json('{"source": "Google Earth Engine", "harmonised": true, "extra": {"a": 1}}')
    assert imagery.extra == {"harmonised": "true", "a": "1"} and imagery.details()["harmonised"] == "true"


def test_stored_records_without_a_recipe_are_synthetic_or_unknown() -> None:
    assert provenance_from_record(None, synthetic=True).source == SOURCE_SYNTHETIC
    assert provenance_from_record(None).summary() == SOURCE_UNKNOWN
    assert provenance_from_record(RECIPE.to_json()) == RECIPE


def test_the_scene_reader_sees_the_recipe(tmp_path: Path) -> None:
    scene = _scene(tmp_path, "ee.tif", provenance_tags(RECIPE))
    assert open_scene(scene, RGB).provenance == RECIPE and scene_provenance(scene) == RECIPE
    plain = _scene(tmp_path, "plain.tif", None)
    assert open_scene(plain, RGB).provenance.source == SOURCE_UNKNOWN
    demo = _scene(tmp_path, "demo.tif", {"MINESCAN_SYNTHETIC": "true"})
    assert open_scene(demo, RGB).provenance.source == SOURCE_SYNTHETIC
    (tmp_path / "broken.tif").write_bytes(b"not a tiff")
    assert scene_provenance(tmp_path / "broken.tif") is None and scene_provenance(tmp_path / "missing.tif") is None


# --- the store -----------------------------------------------------------------------------------------------------


def test_a_scan_stores_the_recipe_and_exports_carry_it(tmp_path: Path) -> None:
    scan_id = _scan(tmp_path / "store.duckdb", _scene(tmp_path, "ee.tif", provenance_tags(RECIPE)))
    con = connect(tmp_path / "store.duckdb")
    record = scan_record(con, scan_id)
    assert json.loads(record["imagery_json"]) == json.loads(RECIPE.to_json())
    assert scan_imagery(con, scan_id) == RECIPE
    assert finished_scans(con)["imagery"].tolist() == [RECIPE.summary()]
    rows = export_rows(con)
    assert set(rows["imagery_source"]) == {SOURCE_EARTH_ENGINE}
    assert set(rows["imagery_collection"]) == {"COPERNICUS/S2_HARMONIZED"}
    assert (set(rows["imagery_start"]), set(rows["imagery_end"])) == ({"2024-06-01"}, {"2024-09-01"})
    assert set(rows["imagery_summary"]) == {RECIPE.summary()}
    with pytest.raises(StoreError, match="there is no scan 999"):
        scan_imagery(con, 999)

    csv = pd.read_csv(write_export(rows, tmp_path / "s.csv", "csv"), encoding="utf-8-sig")
    first = list(csv.columns).index("imagery_source")
    assert list(csv.columns[first : first + 5]) == list(IMAGERY_EXPORT_COLUMNS) and csv.columns[-1] == "outline_wkt"
    assert csv["imagery_collection"].tolist() == ["COPERNICUS/S2_HARMONIZED"] * len(rows)
    assert csv["imagery_start"][0] == "2024-06-01" and csv["imagery_end"][0] == "2024-09-01"
    assert csv["imagery_summary"][0] == RECIPE.summary()

    geojson = json.loads(write_export(rows, tmp_path / "s.geojson", "geojson").read_text(encoding="utf-8"))
    props = geojson["features"][0]["properties"]
    assert props["imagery_source"] == SOURCE_EARTH_ENGINE and props["imagery_collection"] == RECIPE.collection
    assert (props["imagery_start"], props["imagery_end"]) == ("2024-06-01", "2024-09-01")

    root = ET.parse(write_export(rows, tmp_path / "s.kml", "kml")).getroot()
    placemark = next(root.iter(f"{{{KML_NS}}}Placemark"))
    description = placemark.findtext(f"{{{KML_NS}}}description") or ""
    assert "imagery_summary" in description and "COPERNICUS/S2_HARMONIZED" in description
    assert "2024-06-01 to 2024-09-01" in description
    data = {d.get("name"): d.findtext(f"{{{KML_NS}}}value") for d in placemark.iter(f"{{{KML_NS}}}Data")}
    assert data["imagery_start"] == "2024-06-01" and data["imagery_collection"] == RECIPE.collection


def test_a_recipe_that_looks_like_a_formula_is_neutralised_in_csv(tmp_path: Path) -> None:
    hostile = ImageryProvenance(source='=HYPERLINK("http://evil","x")', collection="@SUM(A1)", start="+1")
    scan_id = _scan(tmp_path / "store.duckdb", _scene(tmp_path, "odd.tif", provenance_tags(hostile)))
    con = connect(tmp_path / "store.duckdb")
    rows = export_rows(con, scan_id=scan_id)
    csv = pd.read_csv(write_export(rows, tmp_path / "s.csv", "csv"), encoding="utf-8-sig")
    assert csv["imagery_source"][0] == "'" + hostile.source and csv["imagery_collection"][0] == "'@SUM(A1)"
    assert csv["imagery_start"][0] == "'+1" and csv["imagery_summary"][0].startswith("Sentinel-2 @SUM(A1)")
    geojson = json.loads(write_export(rows, tmp_path / "s.geojson", "geojson").read_text(encoding="utf-8"))
    assert geojson["features"][0]["properties"]["imagery_source"] == hostile.source  # only CSV needs it


def test_a_scene_with_an_unreadable_record_still_scans(tmp_path: Path) -> None:
    scan_id = _scan(tmp_path / "store.duckdb", _scene(tmp_path, "bad.tif", {PROVENANCE_TAG: "{not json"}))
    con = connect(tmp_path / "store.duckdb")
    imagery = scan_imagery(con, scan_id)
    assert imagery.source == SOURCE_UNKNOWN and imagery.extra == {"unreadable_record": "{not json"}
    rows = export_rows(con)
    assert set(rows["imagery_summary"]) == {SOURCE_UNKNOWN} and rows["imagery_collection"].isna().all()


def _old_store(path: Path) -> None:
    """A store at schema 4 (before imagery was recorded) with a synthetic scan and a real one, one site each."""
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for version, sql in enumerate(MIGRATIONS[:4], start=1):
        con.execute(sql)
        con.execute("INSERT INTO schema_version VALUES (?)", [version])
    for k, synthetic in enumerate((True, False)):
        con.execute(
            """INSERT INTO scan (scene_id, scene_path, synthetic, discovery_model, discovery_version, params_json,
                   status) VALUES (?, ?, ?, 'm', '1', '{}', 'finished')""",
            [f"s{k}", f"/x/s{k}.tif", synthetic],
        )
        lon, lat = -43.8 + k, -20.2
        con.execute(
            """INSERT INTO site (scan_id, scene_id, discovery_model, discovery_version, lon, lat, area_km2, p_max,
                   p_mean, cell_count, outline_wkt) VALUES (?, ?, 'm', '1', ?, ?, 0.1, 0.9, 0.8, 1, ?)""",
            [k + 1, f"s{k}", lon, lat, box(lon - 0.001, lat - 0.001, lon + 0.001, lat + 0.001).wkt],
        )
    con.close()


def test_an_old_store_migrates_and_its_scans_show_unknown_imagery(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _old_store(path)
    con = connect(path)
    assert con.execute("SELECT max(version) FROM schema_version").fetchone() == (len(MIGRATIONS),)
    assert con.execute("SELECT count(*) FROM scan WHERE imagery_json IS NULL").fetchone() == (2,)
    assert scan_imagery(con, 1).source == SOURCE_SYNTHETIC
    assert scan_imagery(con, 2).source == SOURCE_UNKNOWN
    assert finished_scans(con)["imagery"].tolist() == [SOURCE_UNKNOWN, SOURCE_SYNTHETIC]
    rows = export_rows(con).set_index("scan_id")
    assert rows["imagery_source"].to_dict() == {1: SOURCE_SYNTHETIC, 2: SOURCE_UNKNOWN}
    assert rows["imagery_start"].isna().all()
    # New scans in the migrated store record their imagery; the old ones keep NULL.
    new = start_scan(
        con, scene_id="n", scene_path="/x/n.tif", scene_crs="EPSG:32723", bounds_lonlat=(-44, -21, -43, -20),
        synthetic=False, discovery=("m", "1"), impact=None, params={}, tiles_total=1, imagery_json=RECIPE.to_json(),
    )  # fmt: skip
    assert scan_imagery(con, new) == RECIPE
    assert unfinished_scans(con).set_index("id")["imagery"][new] == RECIPE.summary()


def test_resuming_with_a_scene_of_another_recipe_is_refused(tmp_path: Path) -> None:
    from db.workflows import resume_scan

    scene = _scene(tmp_path, "ee.tif", provenance_tags(RECIPE))
    con = connect(tmp_path / "store.duckdb")
    scan_id = start_scan(
        con, scene_id="ee", scene_path=str(scene), scene_crs="EPSG:32723", bounds_lonlat=(-44, -21, -43, -20),
        synthetic=False, discovery=("fake", "0"), impact=None, params={}, tiles_total=1,
        imagery_json=ImageryProvenance(SOURCE_EARTH_ENGINE, "COPERNICUS/S2_HARMONIZED", "2023-06-01").to_json(),
    )  # fmt: skip
    fail_scan(con, scan_id, "killed")
    with pytest.raises(StoreError, match="different settings, imagery .*2023-06-01.* then"):
        resume_scan(con, scan_id, lambda name: fake_discovery(), MatchSettings())


# --- the scan page -------------------------------------------------------------------------------------------------


def _scan_page(env: Path) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state[IDENTITY] = Identity("sofia", "supervisor", "Sofia", "password")
    at.switch_page("app_pages/scan.py")
    return at.run()


def _texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


@pytest.mark.usefixtures("clean_caches")
def test_the_scan_page_shows_the_imagery_of_the_scene_and_of_finished_scans(env: Path) -> None:
    scenes = env / "scenes"
    scan_id = _scan(env / "store.duckdb", _scene(scenes, "ee.tif", provenance_tags(RECIPE)))
    _scene(scenes, "odd.tif", {PROVENANCE_TAG: "{not json"})
    at = _scan_page(env)
    assert not at.exception, at.exception
    at.selectbox[0].select("ee.tif").run()
    assert not at.exception, at.exception
    assert f"Imagery of this scene: {RECIPE.summary()}" in _texts(at)
    assert "COPERNICUS/S2_HARMONIZED" in RECIPE.summary() and "2024-06-01 to 2024-09-01" in RECIPE.summary()
    recipes = [df.value for df in at.dataframe if list(df.value.columns) == ["field", "value"]]
    scene_recipe = dict(zip(recipes[0]["field"], recipes[0]["value"], strict=True))
    assert scene_recipe["Collection"] == "COPERNICUS/S2_HARMONIZED" and scene_recipe["Tile"] == "r00c01"
    assert scene_recipe["Dates"] == "2024-06-01 to 2024-09-01 (end exclusive)"

    finished = next(df.value for df in at.dataframe if "imagery" in df.value.columns)
    assert finished.set_index("id")["imagery"][scan_id] == RECIPE.summary()
    assert f"Scan {scan_id} imagery: {RECIPE.summary()}" in _texts(at)

    at.selectbox[0].select("odd.tif").run()
    assert not at.exception, at.exception
    assert "Imagery of this scene: local file (origin not recorded)" in _texts(at)


@pytest.mark.usefixtures("clean_caches")
def test_the_scan_page_shows_old_scans_as_unknown(env: Path) -> None:
    _old_store(env / "store.duckdb")
    at = _scan_page(env)
    assert not at.exception, at.exception
    finished = next(df.value for df in at.dataframe if "imagery" in df.value.columns)
    assert finished.set_index("id")["imagery"].to_dict() == {2: SOURCE_UNKNOWN, 1: SOURCE_SYNTHETIC}
    assert f"Scan 2 imagery: {SOURCE_UNKNOWN}" in _texts(at)


@pytest.mark.usefixtures("clean_caches")
def test_the_scan_page_shows_a_recipe_as_plain_text(env: Path) -> None:
    """The recipe comes from a file: shown with st.text and tables, never as Markdown or HTML."""
    hostile = "[click](http://evil.example) <img src=x onerror=alert(1)> **bold** $x$"
    _scene(env / "scenes", "hostile.tif", provenance_tags(ImageryProvenance(SOURCE_EARTH_ENGINE, hostile)))
    at = _scan_page(env)
    at.selectbox[0].select("hostile.tif").run()
    assert not at.exception, at.exception
    assert any(hostile in text for text in _texts(at))
    rendered = [m.value for m in (*at.markdown, *at.caption, *at.info, *at.warning, *at.error)]
    assert not any("evil.example" in str(value) or "onerror" in str(value) for value in rendered)
