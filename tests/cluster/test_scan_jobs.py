"""Scans as jobs: several scenes on two Dask workers through the CLI; a runner killed mid-scan is shown
interrupted and its resume computes only the missing tiles; a cancel stores no site; the store held busy by
another process only makes the runner wait; a second job on the same scene is refused."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cli.main import main
from core import settings
from core.access.users import Identity, add_user
from core.demo import DemoPaths, make_demo_scene
from core.jobs.scans import scan_argv, scan_subject
from core.jobs.states import JobError
from db.jobs import Job, create_job, get_job, launch_runner, list_jobs, request_cancel
from db.scans import all_scans
from db.store import Store, close

ANA = Identity("ana", "reviewer", "Ana", "password")


@pytest.fixture(scope="module")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> list[DemoPaths]:
    root = tmp_path_factory.mktemp("scenes")
    return [make_demo_scene(root / "a", seed=7, size=3072), make_demo_scene(root / "b", seed=11, size=1536)]


@pytest.fixture
def store(env: Path) -> Store:
    add_user(settings.users_path(), "ana", "reviewer", password="a long enough password")
    add_user(settings.users_path(), "sofia", "supervisor", password="a long enough password")
    return Store(env / "work.duckdb")


def _count(store: Store, sql: str, *params: object) -> int:
    row = store.read(lambda con: con.execute(sql, list(params)).fetchone())
    return int(row[0]) if row else 0


def _wait(store: Store, what: Callable[[], bool], timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not what():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _job(store: Store, job_id: int) -> Job:
    return store.read(lambda con: get_job(con, job_id))


def _queue(store: Store, scene: Path) -> int:
    argv = scan_argv([scene], settings.jobs_dir() / "sites", str(store.path), model="demo_discovery@1",
                     impact_model="demo_impact@1")  # fmt: skip
    return store.write(lambda con: create_job(con, ANA, "scan", scan_subject([scene]), f"scan {scene.name}", argv))


def test_two_scenes_on_two_workers_are_one_job_with_both_scans_stored(
    scenes: list[DemoPaths], store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = [str(s.scene) for s in scenes]
    started = time.monotonic()
    assert main(["jobs", "scan", *paths, "--workers", "2", "--by", "ana", "--db", str(store.path), "--wait"]) == 0
    seconds = time.monotonic() - started
    job = _job(store, 1)
    assert job.state == "done" and job.progress == 1.0 and job.kind == "scan" and job.owner == "ana"
    assert job.result is not None and job.result["stored"] == paths and "dashboard http" in job.result["cluster"]
    scans = store.read(all_scans)
    assert list(scans["status"]) == ["finished", "finished"]
    # The same sites as the one-process scan of each scene, written per scene into the job's folder.
    for i, scene in enumerate(scenes):
        alone = tmp_path / f"alone{i}.geojson"
        assert main(["scan", str(scene.scene), "--out", str(alone)]) == 0
        ours = Path(job.result["out"]) / f"scene-{i + 1}.geojson"  # both scenes are called scene.tif
        expected = json.loads(alone.read_text())["features"]
        stored = _count(store, "SELECT count(*) FROM site WHERE scan_id = ?", int(job.result["scans"][paths[i]]))
        assert stored == len(expected) > 0
        assert json.loads(ours.read_text())["features"] == expected
    assert "scene 2/2: tile 4/4" in job.log and "stored as scan 2" in job.log and "Stored as scan 1" in job.log
    with capsys.disabled():
        print(f"\n[jobs scan, 2 scenes, 2 local workers, --wait] {seconds:.1f} s including the cluster's start")


def test_a_killed_runner_is_interrupted_and_resuming_computes_only_the_missing_tiles(
    scenes: list[DemoPaths], store: Store
) -> None:
    scene = scenes[0].scene
    job_id = _queue(store, scene)
    pid = launch_runner(job_id, store.path, settings.jobs_dir())
    _wait(store, lambda: _count(store, "SELECT count(*) FROM scan_tile") >= 2)
    con = store.open()  # another process holds the store: the runner waits at its next tile, it does not fail
    try:
        kept = int(con.execute("SELECT count(*) FROM scan_tile").fetchone()[0])  # type: ignore[index]
        time.sleep(3)
        os.killpg(pid, signal.SIGKILL)  # the machine went down mid-scan
    finally:
        close(con)
    _wait(store, lambda: _job(store, job_id).state == "interrupted", timeout_s=10)  # at once: its process is gone
    assert 2 <= kept < 9 and _count(store, "SELECT count(*) FROM site") == 0
    assert main(["jobs", "resume", str(job_id), "--by", "sofia", "--db", str(store.path), "--wait"]) == 0
    job = _job(store, job_id)
    assert job.state == "done", job.log
    resumed = job.log.split("(resumed: only the missing work is done)", 1)[1]
    assert "Resuming scan 1: finished tiles are not computed again." in resumed
    first = next(line for line in resumed.splitlines() if line.startswith("scene 1/1: tile "))
    assert first == f"scene 1/1: tile {kept + 1}/9"  # the tiles done before the kill are not computed again
    assert list(store.read(all_scans)["status"]) == ["finished"]
    assert _count(store, "SELECT count(*) FROM site") == 31  # as many as a scan in one go (see the test above)


def test_a_cancel_stops_at_the_next_tile_and_stores_no_site(scenes: list[DemoPaths], store: Store) -> None:
    job_id = _queue(store, scenes[0].scene)
    launch_runner(job_id, store.path, settings.jobs_dir())
    _wait(store, lambda: _count(store, "SELECT count(*) FROM scan_tile") >= 1)
    con = store.open()
    try:
        request_cancel(con, ANA, job_id)
    finally:
        close(con)
    _wait(store, lambda: _job(store, job_id).state not in ("queued", "running"))
    job = _job(store, job_id)
    assert job.state == "cancelled" and "the scan in progress stored none" in (job.message or "")
    scans = store.read(all_scans)
    assert list(scans["status"]) == ["failed"] and "cancelled" in str(scans["message"].iloc[0])
    assert _count(store, "SELECT count(*) FROM site") == 0
    assert _count(store, "SELECT count(*) FROM scan_tile") < 9


def test_a_second_job_on_the_same_scene_is_refused(scenes: list[DemoPaths], store: Store) -> None:
    first = _queue(store, scenes[1].scene)
    with pytest.raises(JobError, match=rf"job {first}, started by ana\) is still queued on .*b/scene.tif"):
        _queue(store, scenes[1].scene)
    db = str(store.path)
    both = [str(scenes[0].scene), str(scenes[1].scene)]
    assert main(["jobs", "scan", *both, "--by", "ana", "--db", db]) == 2  # refused: one of them is being scanned
    assert [j.id for j in store.read(list_jobs)] == [first]


def test_a_scan_job_refuses_a_missing_scene_before_queuing(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["jobs", "scan", "/nowhere/scene.tif", "--by", "ana", "--db", str(store.path)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert _count(store, "SELECT count(*) FROM job") == 0
