"""``imagery plan|export|status|download`` as a user runs them: offline plans, clear messages without an account,
and (with the offline Earth Engine client) tasks recorded, followed and their files readied for scanning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from affine import Affine

from cli.main import main
from core.imagery.bands import S2_12_BANDS
from core.imagery.earth_engine.recipe import PAPER_DATES, make_recipe
from core.imagery.provenance import PROVENANCE_TAG, ImageryProvenance
from core.imagery.raster import open_scene

BOUNDS = "-44.16,-20.16,-44.07,-20.08"


def test_plan_shows_tiles_and_the_request(no_account: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["imagery", "plan", BOUNDS, "--paper-dates"]) == 0
    out = capsys.readouterr().out
    assert "1 region(s), 1 tile(s)" in out and "32723-E0006-N0084" in out and "EPSG:32723" in out
    for text in (
        "COPERNICUS/S2_HARMONIZED",
        '"start": "2018-01-01"',
        '"end_exclusive": "2020-01-01"',
        "CLOUDY_PIXEL_PERCENTAGE <= 20",
        "QA60 bit 10 (opaque clouds) and bit 11 (cirrus)",
        '"median"',
        "DN / 10000",
        '"crsTransform"',
        '"B12"',
        '"GEO_TIFF"',
    ):
        assert text in out, text


def test_plan_json_for_a_csv_of_regions(no_account: Path, capsys: pytest.CaptureFixture[str]) -> None:
    regions = no_account / "regions.csv"
    regions.write_text("lat;lon;label\n-20,12;-44,12;Brumadinho\n-5,9;-49,6;Serra Pelada\n", encoding="utf-8")
    assert main(["imagery", "plan", str(regions), "--side-m", "20000", "--json", "--mask", "cloud_score_plus"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {t["region"] for t in doc["tiles"]} == {"Brumadinho", "Serra Pelada"}
    # 20 km squares: a little over 2,000 px once their lon/lat box is laid on the UTM grid.
    assert all(2000 <= t["width_px"] <= 2020 and 2000 <= t["height_px"] <= 2020 for t in doc["tiles"])
    assert "Cloud Score+" in doc["request"]["composite"]["pixel_mask"]
    assert all(tile["download_chunks"] for tile in doc["request"]["tiles"])


def test_a_bad_region_is_one_clear_line(no_account: Path, capsys: pytest.CaptureFixture[str]) -> None:
    regions = no_account / "regions.csv"
    regions.write_text("-20.1,-44.1,-19.9,abc,Mina\n", encoding="utf-8")
    assert main(["imagery", "plan", str(regions)]) == 2
    err = capsys.readouterr().err
    assert "Row 1, upper-right lon" in err and "abc" in err and "Traceback" not in err


@pytest.mark.parametrize("command", [["download", BOUNDS], ["export", BOUNDS]])
def test_without_an_account_the_cli_says_what_to_do(
    no_account: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["imagery", *command]) == 2
    err = capsys.readouterr().err
    assert "Google Earth Engine is not available" in err and "not configured" in err
    assert "MINESCAN_EE_SERVICE_ACCOUNT_KEY" in err and "earthengine authenticate" in err
    assert "Traceback" not in err
    assert not (no_account / "scenes").exists()


def test_status_with_no_task(no_account: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["imagery", "status"]) == 0
    assert "No export task" in capsys.readouterr().out


def test_export_status_and_tagging_with_the_offline_client(
    no_account: Path, offline_ee: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import core.imagery.earth_engine.connection as connection

    monkeypatch.setenv("MINESCAN_EE_PROJECT", "test-project")
    monkeypatch.setenv("MINESCAN_EE_CREDENTIALS", "stored")
    monkeypatch.setattr(connection, "connect", lambda config: offline_ee)

    assert main(["imagery", "export", BOUNDS, "--paper-dates", "--to", "cloud_storage", "--target", "bucket-a"]) == 0
    out = capsys.readouterr().out
    paper = make_recipe(*PAPER_DATES).fingerprint
    name = f"region_32723-E0006-N0084_20180101-20200101_{paper}.tif"  # region, tile, dates, recipe fingerprint
    assert f"Started export task TASK0001: {name} to cloud_storage 'bucket-a'" in out
    ((_, body),) = offline_ee.recorded.exports
    assert body["fileExportOptions"]["cloudStorageDestination"]["bucket"] == "bucket-a"

    offline_ee.recorded.statuses["TASK0001"] = {
        "id": "TASK0001",
        "state": "COMPLETED",
        "destination_uris": ["https://storage/bucket-a"],
    }
    assert main(["imagery", "status"]) == 0
    out = capsys.readouterr().out
    assert "1 task(s) changed state." in out and "TASK0001  COMPLETED" in out

    # The user copies the export into the imagery folder; --tag-files makes it scan-ready.
    scenes = no_account / "scenes"
    scenes.mkdir()
    exported = scenes / name
    with rasterio.open(
        exported,
        "w",
        driver="GTiff",
        width=30,
        height=30,
        count=12,
        dtype="float32",
        crs="EPSG:32723",
        transform=Affine(10, 0, 587780, 0, -10, 7779450),
    ) as dst:
        dst.write(np.full((12, 30, 30), 0.12, dtype="float32"))
    assert main(["imagery", "status", "--offline", "--tag-files"]) == 0
    assert "ready to scan" in capsys.readouterr().out
    info = open_scene(exported, S2_12_BANDS)
    record = ImageryProvenance.from_json(info.tags[PROVENANCE_TAG])
    assert info.file_bands == S2_12_BANDS
    assert (record.collection, record.start, record.end, record.tile) == (
        "COPERNICUS/S2_HARMONIZED",
        "2018-01-01",
        "2020-01-01",
        "32723-E0006-N0084",
    )


def test_a_swapped_csv_is_warned_about(no_account: Path, capsys: pytest.CaptureFixture[str]) -> None:
    regions = no_account / "regions.csv"
    regions.write_text("-44.30,-20.30,-43.90,-20.00,Brumadinho lon-first\n", encoding="utf-8")
    main(["imagery", "plan", str(regions)])
    err = capsys.readouterr().err
    assert "Region 'Brumadinho lon-first' lies outside Brazil" in err and "look swapped" in err
