"""``imagery plan|download|export --periods`` and ``region --periods`` as a user runs them: one scene per tile and
period, clear one-line refusals, and (offline Earth Engine client) every period's files written, tagged and scanned."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from affine import Affine

from cli.main import main
from core import settings
from core.access.users import add_user
from core.imagery.bands import S2_12_BANDS
from core.imagery.periods import PERIOD_TAG
from core.imagery.provenance import PROVENANCE_TAG, ImageryProvenance
from core.imagery.raster import open_scene
from db.jobs import get_job
from db.scans import all_scans
from db.store import Store
from tests.earth_engine_helpers import serve_chunk

BOUNDS = "-44.16,-20.16,-44.07,-20.08"
#: Across the 644 km grid line of zone 23S: two tiles.
TWO_TILES = "-43.66,-20.10,-43.58,-20.05"


@pytest.fixture
def offline_account(no_account: Path, offline_ee: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """An Earth Engine account that connects to the offline client; downloads served by the fake."""
    import core.imagery.earth_engine.connection as connection
    import core.imagery.earth_engine.transfer as transfer

    monkeypatch.setenv("MINESCAN_EE_PROJECT", "test-project")
    monkeypatch.setenv("MINESCAN_EE_CREDENTIALS", "stored")
    monkeypatch.setattr(connection, "connect", lambda config: offline_ee)
    monkeypatch.setattr(transfer, "_fetch_url", lambda url: serve_chunk(offline_ee.recorded.downloads[-1]))
    return offline_ee


def test_plan_lists_seven_periods_times_the_tiles(no_account: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["imagery", "plan", TWO_TILES, "--periods", "2019-2025"]) == 0
    out = capsys.readouterr().out
    assert "1 region(s), 2 tile(s) x 7 period(s) = 14 scene(s)" in out
    for year in range(2019, 2026):
        assert f"  {year}: {year}-01-01 to {year + 1}-01-01" in out
    lines = [line for line in out.splitlines() if line.startswith("  32723-E")]
    assert len(lines) == 14 and {line.split()[1] for line in lines} == {str(y) for y in range(2019, 2026)}
    assert len({line.split()[0] for line in lines}) == 2

    assert main(["imagery", "plan", TWO_TILES, "--periods", "2019-2025", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["periods"] == [str(y) for y in range(2019, 2026)] and len(doc["tiles"]) == 14
    assert len(doc["request"]["tiles"]) == 14 and len(doc["request"]["composite"]["periods"]) == 7
    assert len({t["file"] for t in doc["tiles"]}) == 14


def test_plan_without_periods_is_as_before(no_account: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["imagery", "plan", BOUNDS, "--paper-dates", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["periods"] == ["2018-01-01/2020-01-01"] and len(doc["tiles"]) == 1
    assert doc["request"]["composite"]["dates"] == {"start": "2018-01-01", "end_exclusive": "2020-01-01"}
    assert doc["tiles"][0]["file"].endswith("_20180101-20200101_" + doc["tiles"][0]["file"].split("_")[-1])


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--periods", "2025-2019"], "This period can't be used. '2025-2019': the first year must not come after"),
        (["--periods", "2019,2019"], "This period can't be used. the period 2019 is given twice"),
        (["--periods", "last year"], "'last year' is not a period MineScan reads: write a year (2024)"),
        (["--periods", "2030"], "Sentinel-2 images exist from 2015-06-23 to today"),
        (["--periods", "2019-2025", "--start", "2020-01-01"], "--periods and --start both say when"),
        (["--periods", "2024", "--paper-dates"], "--periods and --paper-dates both say when"),
    ],
)
@pytest.mark.parametrize("command", ["plan", "download", "export"])
def test_bad_periods_are_one_clear_line(
    no_account: Path, command: str, extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["imagery", command, BOUNDS, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and message in err and "Traceback" not in err


def test_download_with_periods_writes_one_tagged_file_per_tile_and_period(
    offline_account: Any, no_account: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = no_account / "out"
    assert main(["imagery", "download", TWO_TILES, "--periods", "2023,2024", "--out", str(out_dir)]) == 0
    out = capsys.readouterr().out
    files = sorted(out_dir.glob("*.tif"))
    assert len(files) == 4 and out.count("Wrote: ") == 4
    for f in files:
        tags = open_scene(f, S2_12_BANDS).tags
        record = ImageryProvenance.from_json(tags[PROVENANCE_TAG])
        year = tags[PERIOD_TAG]
        assert f"_{year}_" in f.name and (record.start, record.end) == (f"{year}-01-01", f"{int(year) + 1}-01-01")
    assert sorted(open_scene(f, S2_12_BANDS).tags[PERIOD_TAG] for f in files) == ["2023", "2023", "2024", "2024"]
    assert main(["imagery", "download", TWO_TILES, "--periods", "2023,2024", "--out", str(out_dir)]) == 0
    assert capsys.readouterr().out.count("Already there: ") == 4


def test_export_with_periods_starts_a_task_per_tile_and_period_and_tags_their_files(
    offline_account: Any, no_account: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["imagery", "export", BOUNDS, "--periods", "2024-Q1..2024-Q2"]) == 0
    out = capsys.readouterr().out
    started = [line for line in out.splitlines() if line.startswith("Started export task")]
    assert len(started) == 2 and len(offline_account.recorded.exports) == 2
    names = [line.split(": ", 1)[1].split(" to ")[0] for line in started]
    assert "_2024-Q1_" in names[0] and "_2024-Q2_" in names[1]
    prefixes = [body["fileExportOptions"]["driveDestination"]["filenamePrefix"] for _, body in
                offline_account.recorded.exports]  # fmt: skip
    assert [f"{p}.tif" for p in prefixes] == names

    scenes = no_account / "scenes"
    scenes.mkdir()
    for name in names:  # the user copies both exports into the imagery folder
        with rasterio.open(scenes / name, "w", driver="GTiff", width=20, height=20, count=12, dtype="float32",
                           crs="EPSG:32723", transform=Affine(10, 0, 587780, 0, -10, 7779450)) as dst:  # fmt: skip
            dst.write(np.full((12, 20, 20), 0.12, dtype="float32"))
    assert main(["imagery", "status", "--offline", "--tag-files"]) == 0
    assert capsys.readouterr().out.count("ready to scan") == 2
    for name, quarter, start in zip(names, ("2024-Q1", "2024-Q2"), ("2024-01-01", "2024-04-01"), strict=True):
        tags = open_scene(scenes / name, S2_12_BANDS).tags
        assert tags[PERIOD_TAG] == quarter and ImageryProvenance.from_json(tags[PROVENANCE_TAG]).start == start


@pytest.fixture
def plain_main(monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``__main__`` with no file while the test runs: an AppTest earlier in this process leaves ``app.py`` as
    ``__main__``, and Dask's spawned workers would run it again (and die) before their first task."""
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))


@pytest.mark.usefixtures("plain_main")
def test_a_region_job_downloads_and_scans_every_period(
    offline_account: Any, no_account: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_user(settings.users_path(), "ana", "reviewer", password="a long enough password")
    store = Store(no_account / "work.duckdb")
    db = str(store.path)
    region = [BOUNDS, "--periods", "2023, 2024", "--workers", "1", "--by", "ana", "--db", db, "--wait"]
    assert main(["region", *region, "--download-only"]) == 0, capsys.readouterr().err
    fetched = store.read(lambda con: get_job(con, 1))
    assert fetched.state == "done", fetched.log
    assert fetched.title.startswith("download region region: 1 tile(s) x 2 period(s) = 2 scene(s)")
    assert fetched.argv[fetched.argv.index("--periods") + 1] == "2023,2024" and "--start" not in fetched.argv
    assert fetched.result is not None and fetched.result["downloaded"] == 2
    assert fetched.result["periods"] == ["2023", "2024"]
    files = sorted((settings.scenes_dir() / "earth_engine").glob("*.tif"))
    assert [open_scene(f, S2_12_BANDS).tags[PERIOD_TAG] for f in files] == ["2023", "2024"]

    assert main(["region", *region]) == 0, capsys.readouterr().err
    job = store.read(lambda con: get_job(con, 2))
    assert job.state == "done" and "all here" in job.title and job.result is not None, job.log
    assert job.result["tiles"] == 2 and job.result["downloaded"] == 0
    scans = store.read(all_scans)
    assert sorted(scans["scene_path"]) == [str(f) for f in files] and set(scans["status"]) == {"finished"}
