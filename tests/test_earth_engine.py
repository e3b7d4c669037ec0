"""Earth Engine, offline: the composite's expression, the export and download requests, credentials' messages.

The real ``ee`` client builds and serialises everything (tests/offline_ee.py); only the calls that would leave
the machine are recorded instead of sent.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.io import MemoryFile

from core.bands import S2_12_BANDS
from core.earth_engine.composite import build_composite
from core.earth_engine.connection import EarthEngineUnavailable, config_from, connect
from core.earth_engine.recipe import NODATA, PAPER_DATES, ImageryRequestError, default_dates, make_recipe
from core.earth_engine.requests import chunk_side_px, plan_chunks
from core.earth_engine.transfer import download_tile, exported_files, start_export, tag_exported_file, task_statuses
from core.imagery_grid import plan_tiles
from core.imagery_provenance import PROVENANCE_TAG, ImageryProvenance
from core.raster import open_scene, read_scene
from core.regions import make_region

# About 10 x 9 km south of Brumadinho (MG): one tile on the fixed grid, small enough for direct download.
SMALL = make_region("Córrego do Feijão", -44.16, -20.16, -44.07, -20.08)


def small_tile() -> Any:
    (tile,) = plan_tiles(SMALL)
    return tile


def invocations(expression: str) -> list[tuple[str, dict[str, Any]]]:
    """Every function call of a serialised Earth Engine expression, with its arguments resolved to plain values."""
    doc = json.loads(expression)
    values = doc["values"]
    found: list[tuple[str, dict[str, Any]]] = []

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "valueReference" in node:
                return resolve(values[node["valueReference"]])
            if "constantValue" in node:
                return node["constantValue"]
            if "functionInvocationValue" in node:
                call = node["functionInvocationValue"]
                args = {k: resolve(v) for k, v in call.get("arguments", {}).items()}
                found.append((call["functionName"], args))
                return {"call": call["functionName"], **args}
            if "functionDefinitionValue" in node:
                return resolve(values[node["functionDefinitionValue"]["body"]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolve(values[doc["result"]])
    return found


def calls_named(found: list[tuple[str, dict[str, Any]]], name: str) -> list[dict[str, Any]]:
    return [args for fn, args in found if fn == name]


def test_composite_is_the_papers_recipe_on_the_harmonised_collection(offline_ee: Any) -> None:
    recipe = make_recipe(*PAPER_DATES)
    found = invocations(build_composite(offline_ee, recipe, small_tile()).serialize())

    (load,) = calls_named(found, "ImageCollection.load")
    assert load["id"] == "COPERNICUS/S2_HARMONIZED"
    (dates,) = calls_named(found, "DateRange")
    assert (dates["start"], dates["end"]) == ("2018-01-01", "2020-01-01")
    (cloud,) = calls_named(found, "Filter.greaterThan")  # lte(20) is serialised as not(greaterThan(20))
    assert cloud["leftField"] == "CLOUDY_PIXEL_PERCENTAGE" and cloud["rightValue"] == 20
    assert calls_named(found, "Filter.not")
    # QA60 bits 10 (opaque clouds) and 11 (cirrus): 1024 + 2048; never the paper script's bits 3 and 5.
    (bits,) = calls_named(found, "Image.bitwiseAnd")
    assert bits["image2"]["value"] == (1 << 10) | (1 << 11) == 3072
    assert {"call": "Image.select", "bandSelectors": ["QA60"]} in [
        {k: v for k, v in b["image1"].items() if k in ("call", "bandSelectors")} for b in [bits]
    ]
    assert calls_named(found, "reduce.median")
    (divide,) = calls_named(found, "Image.divide")
    assert divide["image2"]["value"] == 10000
    assert calls_named(found, "Image.toFloat")
    (unmask,) = calls_named(found, "Image.unmask")
    assert unmask["value"]["value"] == NODATA
    selections = [a["bandSelectors"] for a in calls_named(found, "Image.select")]
    assert list(S2_12_BANDS) in selections and "B8A" not in json.dumps(selections)
    (rect,) = calls_named(found, "GeometryConstructors.Rectangle")
    tile = small_tile()
    assert rect["coordinates"] == [tile.x0, tile.y0, tile.x1, tile.y1]
    assert rect["crs"]["crs"] == tile.crs and rect["geodesic"] is False


def test_cloud_score_plus_replaces_the_qa60_mask(offline_ee: Any) -> None:
    recipe = make_recipe(date(2023, 1, 1), date(2025, 1, 1), mask="cloud_score_plus", cloud_score_threshold=0.65)
    found = invocations(build_composite(offline_ee, recipe, small_tile()).serialize())
    loads = {a["id"] for a in calls_named(found, "ImageCollection.load")}
    assert loads == {"COPERNICUS/S2_HARMONIZED", "GOOGLE/CLOUD_SCORE_PLUS/V1/S2_HARMONIZED"}
    (gte,) = calls_named(found, "Image.gte")
    assert gte["image2"]["value"] == 0.65
    assert not calls_named(found, "Image.bitwiseAnd")
    assert "cs_cdf" in json.dumps(found)


def test_recipe_checks_and_default_dates() -> None:
    assert default_dates(date(2026, 11, 22)) == (date(2024, 11, 1), date(2026, 11, 1))
    with pytest.raises(ImageryRequestError, match="before the end"):
        make_recipe(date(2020, 1, 1), date(2019, 1, 1))
    with pytest.raises(ImageryRequestError, match="Sentinel-2 images exist from 2015-06-23"):
        make_recipe(date(2010, 1, 1), date(2012, 1, 1))
    with pytest.raises(ImageryRequestError, match="percentage"):
        make_recipe(*PAPER_DATES, max_cloud_percent=120)
    with pytest.raises(ImageryRequestError, match="unknown cloud mask"):
        make_recipe(*PAPER_DATES, mask="bits3and5")


def test_export_request_sent_to_earth_engine(offline_ee: Any) -> None:
    tile = small_tile()
    task_id = start_export(offline_ee, make_recipe(*PAPER_DATES), tile, "drive", "MineScan exports")
    assert task_id == "TASK0001"
    ((request_id, body),) = offline_ee.recorded.exports
    assert request_id == "TASK0001"
    options = body["fileExportOptions"]
    assert options["fileFormat"] == "GEO_TIFF"
    assert options["driveDestination"]["folder"] == "MineScan exports"
    assert options["driveDestination"]["filenamePrefix"] == f"Corrego_do_Feijao_{tile.tile_id}"
    assert options["geoTiffOptions"]["cloudOptimized"] is True
    assert options["geoTiffOptions"]["noData"] == {"floatValue": NODATA}
    # The 10 m grid of the tile: reprojected onto its transform, cut to its size in pixels.
    found = invocations(body["expression"].serialize())
    grids = {(a["crs"]["crs"], tuple(a["crsTransform"])) for a in calls_named(found, "Image.reproject")}
    assert grids == {(tile.crs, (10.0, 0.0, tile.x0, 0.0, -10.0, tile.y1))}
    cuts = {tuple(a["geometry"]["coordinates"]) for a in calls_named(found, "Image.clipToBoundsAndScale")}
    assert cuts == {(0, 0, tile.width_px, tile.height_px)}
    assert int(body["maxPixels"]["value"]) == tile.width_px * tile.height_px
    assert {a["id"] for a in calls_named(found, "ImageCollection.load")} == {"COPERNICUS/S2_HARMONIZED"}
    assert calls_named(found, "reduce.median")


def test_cloud_storage_export_names_the_bucket(offline_ee: Any) -> None:
    start_export(offline_ee, make_recipe(*PAPER_DATES), small_tile(), "cloud_storage", "audit-bucket")
    ((_, body),) = offline_ee.recorded.exports
    assert body["fileExportOptions"]["cloudStorageDestination"]["bucket"] == "audit-bucket"


def test_task_status_is_read_back(offline_ee: Any) -> None:
    offline_ee.recorded.statuses["T1"] = {"id": "T1", "state": "FAILED", "error_message": "quota"}
    offline_ee.recorded.statuses["T2"] = {"id": "T2", "state": "COMPLETED", "destination_uris": ["https://drive/x"]}
    failed, done, lost = task_statuses(offline_ee, ["T1", "T2", "T3"])
    assert (failed.state, failed.error, failed.finished) == ("FAILED", "quota", True)
    assert done.destination_uris == ("https://drive/x",) and done.finished
    assert lost.state == "UNKNOWN"


def test_chunks_fit_earth_engines_request_limit() -> None:
    side = chunk_side_px(12)
    assert side * side * 12 * 4 <= 32 * 1024 * 1024 and side == 747
    chunks = plan_chunks(1000, 900, 12)
    assert [(c.col0, c.row0, c.width, c.height) for c in chunks] == [
        (0, 0, 500, 450), (500, 0, 500, 450), (0, 450, 500, 450), (500, 450, 500, 450)
    ]
    big = plan_chunks(9200, 9200, 12)
    covered = np.zeros((9200, 9200), dtype=np.uint8)
    for c in big:
        assert c.width * c.height * 12 * 4 <= 32 * 1024 * 1024
        covered[c.row0 : c.row0 + c.height, c.col0 : c.col0 + c.width] += 1
    assert covered.min() == covered.max() == 1


def _fake_pixels(x: np.ndarray, y: np.ndarray, band: int) -> np.ndarray:
    """Reflectance that encodes position and band, so a misplaced chunk shows."""
    return (((x / 10) % 1000) * 1e-4 + ((y / 10) % 1000) * 1e-7 + band * 1e-2).astype("float32")


def _serve_chunk(params: dict[str, Any]) -> bytes:
    """What Earth Engine would send for one getDownloadURL request: a GeoTIFF of the asked window."""
    width, height = params["dimensions"]
    a, b, c, d, e, f = params["crs_transform"]
    transform = Affine(a, b, c, d, e, f)
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    x, y = transform @ (cols, rows)
    data = np.stack([_fake_pixels(x, y, i) for i in range(len(params["bands"]))])
    data[:, :3, :3] = NODATA  # a corner with no cloud-free observation
    with MemoryFile() as memfile:
        with memfile.open(driver="GTiff", width=width, height=height, count=len(data), dtype="float32",
                          crs=params["crs"], transform=transform) as dst:
            dst.write(data)
        return bytes(memfile.read())


def serve_downloads(ee: Any) -> Any:
    """A fetch answering each download URL the client made with the GeoTIFF of the window it asked for."""
    original = ee.data.getDownloadId
    by_url: dict[str, dict[str, Any]] = {}

    def remember(params: dict[str, Any]) -> dict[str, str]:
        answer = original(params)
        by_url[ee.data.makeDownloadUrl(answer)] = params
        return answer

    ee.data.getDownloadId = remember
    return lambda url: _serve_chunk(by_url[url])


def test_download_writes_a_scan_ready_scene_with_its_recipe(offline_ee: Any, tmp_path: Path) -> None:
    tile = small_tile()
    recipe = make_recipe(*PAPER_DATES)
    fetch = serve_downloads(offline_ee)
    progress: list[tuple[int, int]] = []
    path = download_tile(offline_ee, recipe, tile, tmp_path, fetch=fetch, progress=lambda d, t: progress.append((d, t)))

    requests = offline_ee.recorded.downloads
    assert len(requests) == len(plan_chunks(tile.width_px, tile.height_px, 12)) > 1
    assert progress[-1] == (len(requests), len(requests))
    first = requests[0]
    assert first["format"] == "GEO_TIFF" and first["filePerBand"] is False
    assert first["bands"] == [{"id": b} for b in S2_12_BANDS] or first["bands"] == list(S2_12_BANDS)
    assert first["crs"] == tile.crs and first["crs_transform"][:2] == [10.0, 0.0]

    info = open_scene(path, S2_12_BANDS)
    assert (info.width, info.height) == (tile.width_px, tile.height_px)
    assert info.file_bands == S2_12_BANDS
    assert info.crs.to_string() == tile.crs
    record = ImageryProvenance.from_json(info.tags[PROVENANCE_TAG])
    assert record.collection == "COPERNICUS/S2_HARMONIZED"
    assert (record.start, record.end) == ("2018-01-01", "2020-01-01")
    assert record.max_cloud_percent == 20 and "QA60 bit 10" in record.cloud_mask and "bit 11" in record.cloud_mask
    assert record.tile == tile.tile_id and record.bands == S2_12_BANDS and record.scale_m == 10

    scene = read_scene(path, S2_12_BANDS)
    cols, rows = np.meshgrid(np.arange(tile.width_px) + 0.5, np.arange(tile.height_px) + 0.5)
    x, y = info.transform @ (cols, rows)
    for band in (0, 7, 11):
        expected = _fake_pixels(np.asarray(x), np.asarray(y), band)
        got = scene.data[..., band]
        ok = scene.valid
        np.testing.assert_allclose(got[ok], expected[ok], rtol=1e-6)
    # Every chunk's NODATA corner is nodata in the scene, not reflectance -0.9999.
    for c in plan_chunks(tile.width_px, tile.height_px, 12):
        assert not scene.valid[c.row0 : c.row0 + 3, c.col0 : c.col0 + 3].any()
    assert scene.valid.mean() > 0.99


def test_a_failed_download_leaves_no_file(offline_ee: Any, tmp_path: Path) -> None:
    calls = {"n": 0}

    def fetch(url: str) -> bytes:
        calls["n"] += 1
        if calls["n"] == 2:
            raise EarthEngineUnavailable("Earth Engine could not be reached to download pixels (test)")
        return _serve_chunk(offline_ee.recorded.downloads[-1])

    with pytest.raises(EarthEngineUnavailable, match="could not be reached"):
        download_tile(offline_ee, make_recipe(*PAPER_DATES), small_tile(), tmp_path, fetch=fetch)
    assert list(tmp_path.iterdir()) == []


def test_an_error_page_instead_of_pixels_is_reported(offline_ee: Any, tmp_path: Path) -> None:
    with pytest.raises(EarthEngineUnavailable, match="not a GeoTIFF.*User memory limit"):
        download_tile(offline_ee, make_recipe(*PAPER_DATES), small_tile(), tmp_path,
                      fetch=lambda url: b'{"error": {"message": "User memory limit exceeded."}}')
    assert list(tmp_path.iterdir()) == []


def test_large_tiles_are_not_downloaded_directly(offline_ee: Any, tmp_path: Path) -> None:
    big = plan_tiles(make_region("big", -44.9, -20.9, -44.1, -20.1))
    largest = max(big, key=lambda t: t.width_px * t.height_px)
    with pytest.raises(ImageryRequestError, match="export to Drive or Cloud Storage"):
        download_tile(offline_ee, make_recipe(*PAPER_DATES), largest, tmp_path, fetch=lambda url: b"")
    assert offline_ee.recorded.downloads == []


def test_exported_files_are_tagged_with_their_tasks_recipe(tmp_path: Path) -> None:
    tile = small_tile()
    recipe = make_recipe(*PAPER_DATES)
    prefix = f"Corrego_do_Feijao_{tile.tile_id}"
    for suffix in ("-0000000000-0000000000", "-0000000000-0000009216"):
        with rasterio.open(tmp_path / f"{prefix}{suffix}.tif", "w", driver="GTiff", width=20, height=20, count=12,
                           dtype="float32", crs=tile.crs, transform=Affine(10, 0, tile.x0, 0, -10, tile.y1)) as dst:
            dst.write(np.full((12, 20, 20), 0.1, dtype="float32"))
    (tmp_path / f"{prefix}_notes.tif").write_bytes(b"")  # another file: not part of the export
    files = exported_files(tmp_path, prefix)
    assert [p.name for p in files] == [f"{prefix}-0000000000-0000000000.tif", f"{prefix}-0000000000-0000009216.tif"]
    record = recipe.provenance(crs=tile.crs, region=tile.region, tile=tile.tile_id)
    for path in files:
        tag_exported_file(path, record)
        info = open_scene(path, S2_12_BANDS)
        assert info.file_bands == S2_12_BANDS and info.nodata == NODATA
        assert ImageryProvenance.from_json(info.tags[PROVENANCE_TAG]) == record


# --- credentials ------------------------------------------------------------------------------------------------


def test_no_configuration_says_how_to_configure() -> None:
    with pytest.raises(EarthEngineUnavailable) as err:
        config_from({}, {})
    text = str(err.value)
    assert "not configured" in text and "MINESCAN_EE_SERVICE_ACCOUNT_KEY" in text and "earthengine authenticate" in text
    assert "work" in text and "without it" in text


def test_configuration_from_environment_wins_over_secrets() -> None:
    secrets = {"earth_engine": {"project": "from-secrets", "service_account_key": "/secrets/key.json"}}
    config = config_from({"MINESCAN_EE_PROJECT": "from-env"}, secrets)
    assert (config.project, config.key_file) == ("from-env", "/secrets/key.json")
    stored = config_from({"MINESCAN_EE_CREDENTIALS": "stored", "MINESCAN_EE_PROJECT": "p"}, {})
    assert stored.stored_credentials and "earthengine authenticate" in stored.method
    with pytest.raises(EarthEngineUnavailable, match="no credentials"):
        config_from({"MINESCAN_EE_PROJECT": "p"}, {})
    with pytest.raises(EarthEngineUnavailable, match="need a Google Cloud project"):
        config_from({"MINESCAN_EE_CREDENTIALS": "stored"}, {})


def test_missing_key_file_and_bad_key_are_named(tmp_path: Path) -> None:
    with pytest.raises(EarthEngineUnavailable, match="does not exist"):
        connect(config_from({"MINESCAN_EE_SERVICE_ACCOUNT_KEY": str(tmp_path / "nokey.json")}, {}))
    bad = tmp_path / "key.json"
    bad.write_text('{"type": "authorized_user"}')
    with pytest.raises(EarthEngineUnavailable, match="client_email and private_key"):
        connect(config_from({"MINESCAN_EE_SERVICE_ACCOUNT_KEY": str(bad)}, {}))


def test_stored_credentials_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EE_CREDENTIALS_PATH", str(tmp_path / "credentials"))
    with pytest.raises(EarthEngineUnavailable, match="run `earthengine authenticate`"):
        connect(config_from({"MINESCAN_EE_CREDENTIALS": "stored", "MINESCAN_EE_PROJECT": "p"}, {}))


def service_account_key(path: Path) -> Path:
    """A well-formed service-account key (a fresh RSA key for an account that does not exist)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "minescan-test", "private_key_id": "0" * 40, "private_key": pem,
        "client_email": "minescan@minescan-test.iam.gserviceaccount.com", "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }))
    return path


def test_no_network_is_a_clear_message_not_a_traceback(tmp_path: Path) -> None:
    """A real sign-in attempt: this machine cannot reach Google, which is the point."""
    key = service_account_key(tmp_path / "key.json")
    config = config_from({"MINESCAN_EE_SERVICE_ACCOUNT_KEY": str(key), "MINESCAN_EE_PROJECT": "minescan-test"}, {})
    with pytest.raises(EarthEngineUnavailable) as err:
        connect(config)
    assert "could not be reached" in str(err.value) or "refused" in str(err.value)
    assert "Traceback" not in str(err.value)


def test_a_downloaded_scene_scans_and_its_scan_keeps_the_recipe(offline_ee: Any, tmp_path: Path) -> None:
    """Download (offline client) -> scan into a store -> the scan's imagery is the download's recipe."""
    from core.matching import MatchSettings
    from core.scan import ScanSettings
    from db import repository
    from db.workflows import scan_into_store
    from tests.fakes import fake_discovery

    recipe = make_recipe(*PAPER_DATES)
    path = download_tile(offline_ee, recipe, small_tile(), tmp_path / "scenes", fetch=serve_downloads(offline_ee))
    con = repository.connect(tmp_path / "store.duckdb")
    try:
        stored = scan_into_store(con, path, fake_discovery(), None, ScanSettings(cells_per_tile=5), MatchSettings())
        imagery = repository.scan_imagery(con, stored.scan_id)
        listed = repository.finished_scans(con)
    finally:
        con.close()
    assert imagery.collection == "COPERNICUS/S2_HARMONIZED" and imagery.tile == small_tile().tile_id
    assert (imagery.start, imagery.end, imagery.max_cloud_percent) == ("2018-01-01", "2020-01-01", 20)
    assert listed["imagery"].tolist() == [imagery.summary()]
    assert "QA60 bit 10" in imagery.summary() and "2018-01-01 to 2020-01-01" in imagery.summary()


def test_a_rerun_keeps_downloaded_tiles_and_fetches_only_the_missing(offline_ee: Any, tmp_path: Path) -> None:
    from core.earth_engine.transfer import download_tiles

    tiles = plan_tiles(make_region("across a grid line", -43.66, -20.10, -43.58, -20.05))
    assert len(tiles) == 2  # the region straddles the 644 km grid line of zone 23S
    recipe = make_recipe(*PAPER_DATES)
    serve = serve_downloads(offline_ee)

    def failing_on_second_tile(url: str) -> bytes:
        params = offline_ee.recorded.downloads[-1]
        if tiles[1].tile_id in params["name"]:
            raise EarthEngineUnavailable("Earth Engine could not be reached to download pixels (test)")
        return serve(url)

    with pytest.raises(EarthEngineUnavailable):
        download_tiles(offline_ee, recipe, tiles, tmp_path, fetch=failing_on_second_tile)
    assert [p.name for p in tmp_path.iterdir()] == [f"across_a_grid_line_{tiles[0].tile_id}.tif"]

    before = len(offline_ee.recorded.downloads)
    results = download_tiles(offline_ee, recipe, tiles, tmp_path, fetch=serve)
    assert [(r.tile_id, r.already_there) for r in results] == [(tiles[0].tile_id, True), (tiles[1].tile_id, False)]
    asked = offline_ee.recorded.downloads[before:]
    assert asked and all(tiles[1].tile_id in p["name"] for p in asked)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(r.path.name for r in results)
