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

from core.imagery.bands import S2_12_BANDS
from core.imagery.earth_engine.composite import build_composite
from core.imagery.earth_engine.recipe import NODATA, PAPER_DATES, ImageryRequestError, default_dates, make_recipe
from core.imagery.earth_engine.requests import chunk_side_px, plan_chunks
from core.imagery.earth_engine.transfer import (
    exported_files,
    start_export,
    tag_exported_file,
    task_statuses,
)
from core.imagery.provenance import PROVENANCE_TAG, ImageryProvenance
from core.imagery.raster import open_scene
from tests.earth_engine_helpers import calls_named, invocations, small_tile


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
    assert (
        options["driveDestination"]["filenamePrefix"]
        == f"Corrego_do_Feijao_{tile.tile_id}_20180101-20200101_{make_recipe(*PAPER_DATES).fingerprint}"
    )
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
        (0, 0, 500, 450),
        (500, 0, 500, 450),
        (0, 450, 500, 450),
        (500, 450, 500, 450),
    ]
    big = plan_chunks(9200, 9200, 12)
    covered = np.zeros((9200, 9200), dtype=np.uint8)
    for c in big:
        assert c.width * c.height * 12 * 4 <= 32 * 1024 * 1024
        covered[c.row0 : c.row0 + c.height, c.col0 : c.col0 + c.width] += 1
    assert covered.min() == covered.max() == 1


def test_exported_files_are_tagged_with_their_tasks_recipe(tmp_path: Path) -> None:
    tile = small_tile()
    recipe = make_recipe(*PAPER_DATES)
    prefix = f"Corrego_do_Feijao_{tile.tile_id}"
    for suffix in ("-0000000000-0000000000", "-0000000000-0000009216"):
        with rasterio.open(
            tmp_path / f"{prefix}{suffix}.tif",
            "w",
            driver="GTiff",
            width=20,
            height=20,
            count=12,
            dtype="float32",
            crs=tile.crs,
            transform=Affine(10, 0, tile.x0, 0, -10, tile.y1),
        ) as dst:
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
