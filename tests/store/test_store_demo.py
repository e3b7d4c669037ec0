"""The demo end to end through the store: register import, scan, matching, re-scan, export, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from cli.main import main
from core.demo import DemoPaths, make_demo_scene
from core.imagery.geo import WGS84, reproject_geometry
from core.imagery.pictures import picture_key, wait_for_pictures
from core.model_card import resolve_model
from core.register.matching import MatchSettings
from core.scan.pipeline import ScanModel, ScanSettings
from core.settings import DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL, model_roots, pictures_dir
from db.connection import connect
from db.exports import export_rows
from db.registers import current_register, snapshots
from db.reviews import add_review
from db.scans import all_scans
from db.sites import site_points
from db.workflows import import_register, scan_into_store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return make_demo_scene(tmp_path_factory.mktemp("demo"), seed=7, size=3072)


@pytest.fixture(scope="module")
def models() -> tuple[ScanModel, ScanModel]:
    from models.bundle import load_bundle

    d = load_bundle(resolve_model(DEFAULT_DISCOVERY_MODEL, model_roots()))
    i = load_bundle(resolve_model(DEFAULT_IMPACT_MODEL, model_roots()))
    return ScanModel(d.card, d.predict), ScanModel(i.card, i.predict)


def _utm(wkt_or_geom: object) -> shapely.Geometry:
    geom = shapely.from_wkt(wkt_or_geom) if isinstance(wkt_or_geom, str) else wkt_or_geom
    return reproject_geometry(geom, WGS84, "EPSG:32723")


def test_registered_dams_are_matched_and_the_others_are_not(
    demo: DemoPaths, models: tuple[ScanModel, ScanModel], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    con = connect(tmp_path / "store.duckdb")
    _, imported = import_register(con, demo.register, "dam", MatchSettings())
    assert len(imported.entries) == 12 and not imported.rejected
    stored = scan_into_store(con, demo.scene, *models, ScanSettings(), MatchSettings())
    wait_for_pictures()
    assert picture_key(demo.scene) + ".webp" in {p.name for p in pictures_dir().iterdir()}  # Triage opens fast
    rows = export_rows(con)
    outlines = [_utm(w) for w in rows["outline_wkt"]]
    dams = [f for f in json.loads(demo.truth.read_text())["features"] if f["properties"]["kind"] == "tailings_dam"]
    verdicts = []
    for dam in dams:
        poly = _utm(shape(dam["geometry"]))
        near = [i for i, o in enumerate(outlines) if o.distance(poly) <= 270]
        assert near, f"planted dam {dam['properties']['site_id']} has no site"
        statuses = set(rows.loc[near, "match_status"])
        if dam["properties"]["registered"]:
            assert statuses == {"registered"}, dam["properties"]
            assert dam["properties"]["register_id"] in set(rows.loc[near, "nearest_dam_id"])
        else:
            assert "registered" not in statuses, dam["properties"]
        verdicts.append((dam["properties"]["site_id"], dam["properties"]["registered"], sorted(statuses)))
    with capsys.disabled():
        print(f"\n[demo store] scan {stored.scan_id}: {stored.new_sites} sites; planted dams -> {verdicts}")
    assert sum(v[1] for v in verdicts) == 8 and len(verdicts) == 12
    again = scan_into_store(con, demo.scene, *models, ScanSettings(), MatchSettings())
    assert again.new_sites == 0 and len(export_rows(con)) == len(rows)
    scans = all_scans(con)
    assert scans["status"].tolist() == ["finished", "finished"] and scans["tiles_done"].tolist() == [9, 9]


def test_bad_scene_stores_nothing(models: tuple[ScanModel, ScanModel], tmp_path: Path) -> None:
    from core.errors import InvalidSceneError

    con = connect(tmp_path / "store.duckdb")
    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a tiff")
    with pytest.raises(InvalidSceneError):
        scan_into_store(con, bad, *models, ScanSettings(), MatchSettings())
    assert all_scans(con).empty and site_points(con).empty


def test_cli_import_scan_export(
    demo: DemoPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "cli.duckdb")
    assert main(["registry", "import", str(demo.register), "--kind", "dam", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "12" in out and "snapshot 1" in out
    assert main(["scan", str(demo.scene), "--db", db, "--out", str(tmp_path / "s.geojson")]) == 0
    assert "by register status" in capsys.readouterr().out
    con = connect(db)
    site_id = int(export_rows(con, status="unregistered")["site_id"].iloc[0])
    add_review(con, site_id, "ana", "confirmed", "tailings_visible", 'Novo, "sem registro";\nverificar')
    con.close()
    csv_path = tmp_path / "decisions.csv"
    assert main(["export", "--db", db, "--format", "csv", "--decision", "confirmed", "--out", str(csv_path)]) == 0
    back = pd.read_csv(csv_path, encoding="utf-8-sig")
    assert back["site_id"].tolist() == [site_id] and back["note"].iloc[0] == 'Novo, "sem registro";\nverificar'
    assert back["match_status"].iloc[0] == "unregistered"


def test_real_register_snapshots_import_and_the_diff_is_printed(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "real.duckdb")
    sigbm = shared_data / "sigbm"
    assert main(["registry", "import", str(sigbm / "sigbm_download_2022-05-05.xlsx"), "--db", db]) == 0
    first = capsys.readouterr().out
    assert main(["registry", "import", str(sigbm / "sigbm_download_2025-10-17.xlsx"), "--db", db]) == 0
    second = capsys.readouterr().out
    with capsys.disabled():
        print("\n[registry import 2025]\n" + second)
    assert "912" in first and "916" in second and "negative_height" in second
    assert "Changes since snapshot 1" in second and "104" in second and "100" in second
    con = connect(db)
    snaps = snapshots(con)
    assert snaps["imported"].tolist() == [916, 912] and str(snaps["snapshot_date"].iloc[0])[:10] == "2025-10-17"
    assert len(current_register(con)) == 916  # only the newest dam snapshot counts


def test_real_reference_layer_imports_as_polygons(shared_data: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "layers.duckdb")
    layer = shared_data / "mining_areas" / "amazon_mining_watch_2024_brazil.geojson"
    assert main(["registry", "import", str(layer), "--kind", "reference", "--db", db]) == 0
    con = connect(db)
    stored = current_register(con)
    assert len(stored) == 2094 and set(stored["kind"]) == {"reference"}
    assert stored["geometry_wkt"].str.startswith(("POLYGON", "MULTIPOLYGON")).all()
