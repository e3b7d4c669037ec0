"""Direct downloads from Earth Engine (offline fake): scan-ready scenes named by their recipe, failures, reruns."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.imagery.bands import S2_12_BANDS
from core.imagery.earth_engine.connection import EarthEngineUnavailable
from core.imagery.earth_engine.recipe import PAPER_DATES, ImageryRequestError, make_recipe
from core.imagery.earth_engine.requests import plan_chunks
from core.imagery.earth_engine.transfer import (
    download_tile,
)
from core.imagery.provenance import PROVENANCE_TAG, ImageryProvenance
from core.imagery.raster import open_scene, read_scene
from core.imagery.regions import make_region
from core.imagery.tile_grid import plan_tiles
from db.connection import connect as connect_store
from db.scans import finished_scans, scan_imagery
from tests.earth_engine_helpers import fake_pixels, serve_chunk, serve_downloads, small_tile


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
        expected = fake_pixels(np.asarray(x), np.asarray(y), band)
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
        return serve_chunk(offline_ee.recorded.downloads[-1])

    with pytest.raises(EarthEngineUnavailable, match="could not be reached"):
        download_tile(offline_ee, make_recipe(*PAPER_DATES), small_tile(), tmp_path, fetch=fetch)
    assert list(tmp_path.iterdir()) == []


def test_an_error_page_instead_of_pixels_is_reported(offline_ee: Any, tmp_path: Path) -> None:
    with pytest.raises(EarthEngineUnavailable, match="not a GeoTIFF.*User memory limit"):
        download_tile(
            offline_ee,
            make_recipe(*PAPER_DATES),
            small_tile(),
            tmp_path,
            fetch=lambda url: b'{"error": {"message": "User memory limit exceeded."}}',
        )
    assert list(tmp_path.iterdir()) == []


def test_large_tiles_are_not_downloaded_directly(offline_ee: Any, tmp_path: Path) -> None:
    big = plan_tiles(make_region("big", -44.9, -20.9, -44.1, -20.1))
    largest = max(big, key=lambda t: t.width_px * t.height_px)
    with pytest.raises(ImageryRequestError, match="export to Drive or Cloud Storage"):
        download_tile(offline_ee, make_recipe(*PAPER_DATES), largest, tmp_path, fetch=lambda url: b"")
    assert offline_ee.recorded.downloads == []


def test_a_downloaded_scene_scans_and_its_scan_keeps_the_recipe(offline_ee: Any, tmp_path: Path) -> None:
    """Download (offline client) -> scan into a store -> the scan's imagery is the download's recipe."""
    from core.register.matching import MatchSettings
    from core.scan.pipeline import ScanSettings
    from db.workflows import scan_into_store
    from tests.fakes import fake_discovery

    recipe = make_recipe(*PAPER_DATES)
    path = download_tile(offline_ee, recipe, small_tile(), tmp_path / "scenes", fetch=serve_downloads(offline_ee))
    con = connect_store(tmp_path / "store.duckdb")
    try:
        stored = scan_into_store(con, path, fake_discovery(), None, ScanSettings(cells_per_tile=5), MatchSettings())
        imagery = scan_imagery(con, stored.scan_id)
        listed = finished_scans(con)
    finally:
        con.close()
    assert imagery.collection == "COPERNICUS/S2_HARMONIZED" and imagery.tile == small_tile().tile_id
    assert (imagery.start, imagery.end, imagery.max_cloud_percent) == ("2018-01-01", "2020-01-01", 20)
    assert listed["imagery"].tolist() == [imagery.summary()]
    assert "QA60 bit 10" in imagery.summary() and "2018-01-01 to 2020-01-01" in imagery.summary()


def test_a_rerun_keeps_downloaded_tiles_and_fetches_only_the_missing(offline_ee: Any, tmp_path: Path) -> None:
    from core.imagery.earth_engine.transfer import download_tiles

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
    stem = f"across_a_grid_line_{tiles[0].tile_id}_20180101-20200101_{recipe.fingerprint}"
    assert [p.name for p in tmp_path.iterdir()] == [f"{stem}.tif"]

    before = len(offline_ee.recorded.downloads)
    results = download_tiles(offline_ee, recipe, tiles, tmp_path, fetch=serve)
    assert [(r.tile_id, r.already_there) for r in results] == [(tiles[0].tile_id, True), (tiles[1].tile_id, False)]
    asked = offline_ee.recorded.downloads[before:]
    assert asked and all(tiles[1].tile_id in p["name"] for p in asked)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(r.path.name for r in results)


def test_another_date_range_downloads_to_another_file(offline_ee: Any, tmp_path: Path) -> None:
    """A download made for one recipe is never taken for another: the file name carries dates and fingerprint."""
    from core.imagery.earth_engine.transfer import download_tiles

    (tile,) = plan_tiles(make_region("Brumadinho", -44.13, -20.13, -44.11, -20.11))
    serve = serve_downloads(offline_ee)
    first = download_tiles(offline_ee, make_recipe(*PAPER_DATES), [tile], tmp_path, fetch=serve)
    later = make_recipe(date(2023, 1, 1), date(2025, 1, 1))
    cloudier = make_recipe(*PAPER_DATES, max_cloud_percent=50.0)
    second = download_tiles(offline_ee, later, [tile], tmp_path, fetch=serve)
    third = download_tiles(offline_ee, cloudier, [tile], tmp_path, fetch=serve)
    assert [r.already_there for r in (*first, *second, *third)] == [False, False, False]  # each one fetched
    names = {r.path.name for r in (*first, *second, *third)}
    assert len(names) == 3 and any("20230101-20250101" in n for n in names)
    again = download_tiles(offline_ee, later, [tile], tmp_path, fetch=serve)
    assert again[0].already_there and again[0].path == second[0].path  # the same recipe finds its own file
