"""A region end to end as one job: its tiles downloaded from (fake, offline) Earth Engine, scanned on local Dask
workers, stored and matched; then, with no account, the same region from the files already here; and a region
whose tiles are missing on an account-less machine refused before anything is queued."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from core import settings
from core.access.users import add_user
from db.jobs import get_job, list_jobs
from db.scans import all_scans
from db.store import Store
from tests.earth_engine_helpers import serve_chunk

#: Two small regions far apart near Brumadinho: two tiles of about 5 x 5 km.
REGIONS = [("mina a", (-44.15, -20.15, -44.10, -20.10)), ("mina b", (-43.95, -19.95, -43.90, -19.90))]


@pytest.fixture
def region_file(env: Path) -> Path:
    path = env / "regions.geojson"
    features = [{"type": "Feature", "properties": {"label": label}, "geometry": {"type": "Polygon", "coordinates": [
        [[w, s], [e, s], [e, n], [w, n], [w, s]]]}} for label, (w, s, e, n) in REGIONS]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    add_user(settings.users_path(), "ana", "reviewer", password="a long enough password")
    return path


def test_a_region_job_downloads_scans_stores_and_matches_then_runs_from_local_files_without_an_account(
    region_file: Path, no_account: Path, offline_ee: Any, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    import core.imagery.earth_engine.connection as connection
    import core.imagery.earth_engine.transfer as transfer

    store = Store(no_account / "work.duckdb")
    db = str(store.path)
    monkeypatch.setenv("MINESCAN_EE_PROJECT", "test-project")
    monkeypatch.setenv("MINESCAN_EE_CREDENTIALS", "stored")
    monkeypatch.setattr(connection, "connect", lambda config: offline_ee)
    monkeypatch.setattr(transfer, "_fetch_url", lambda url: serve_chunk(offline_ee.recorded.downloads[-1]))
    argv = ["region", str(region_file), "--paper-dates", "--workers", "2", "--by", "ana", "--db", db, "--wait"]
    # A download job first, for one region: it fetches that tile and scans nothing.
    one = str(region_file.with_name("one.geojson"))
    features = json.loads(region_file.read_text())["features"][:1]
    Path(one).write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    assert main(["region", one, "--paper-dates", "--download-only", "--by", "ana", "--db", db, "--wait"]) == 0
    fetched = store.read(lambda con: get_job(con, 1))
    assert fetched.state == "done" and fetched.title.startswith("download region mina a: 1 tile(s)")
    assert fetched.result is not None and fetched.result["downloaded"] == 1 and store.read(all_scans).empty
    code = main(argv)
    job = store.read(lambda con: get_job(con, 2))
    assert code == 0, job.log
    assert job.kind == "region" and job.state == "done" and job.progress == 1.0, job.log
    assert "2 tile(s), 59 km²" in job.title and "1 to download" in job.title  # the other one is here already
    assert job.result is not None and job.result["downloaded"] == 1 and job.result["tiles"] == 2
    assert "download tile 1/1" in job.log and "scene 2/2: tile" in job.log and "dashboard http" in job.result["cluster"]
    scans = store.read(all_scans)
    assert list(scans["status"]) == ["finished", "finished"]
    files = sorted((settings.scenes_dir() / "earth_engine").glob("*.tif"))
    assert len(files) == 2 and {str(f) for f in files} == set(job.result["stored"])
    assert "Stored as scan 2" in job.log and "by register status" in job.log  # matched against the register

    # Later, on a machine with no account: the same region's tiles are here, so the job scans them.
    monkeypatch.delenv("MINESCAN_EE_PROJECT")
    monkeypatch.delenv("MINESCAN_EE_CREDENTIALS")
    monkeypatch.setattr(connection, "connect", lambda config: pytest.fail("no account: must not connect"))
    assert main(argv) == 0, capsys.readouterr().err
    again = store.read(lambda con: get_job(con, 3))
    assert again.state == "done" and "all here" in again.title and again.result["downloaded"] == 0  # type: ignore[index]
    assert "2 already in" in again.log and len(store.read(all_scans)) == 4


def test_missing_tiles_without_an_account_are_refused_before_queuing(
    region_file: Path, no_account: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = Store(no_account / "work.duckdb")
    assert main(["region", str(region_file), "--paper-dates", "--by", "ana", "--db", str(store.path)]) == 2
    err = capsys.readouterr().err
    assert "2 of 2 tile(s) of this region are not on this machine" in err and "imagery download" in err
    assert "Earth Engine is not configured" in err and "Traceback" not in err
    assert store.read(list_jobs) == []
