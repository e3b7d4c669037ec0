"""The Jobs panel: a scan job started on the Scan page runs in a process of its own, is followed from any page,
survives a server restart, is shown interrupted when its runner dies, and its resume finishes only what is left."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from core import settings
from core.demo import make_demo_scene
from db.jobs import Job, get_job
from db.store import Store
from tests.app_harness import REVIEWER, open_app

pytestmark = pytest.mark.usefixtures("clean_caches")


def _job(store: Store, job_id: int = 1) -> Job:
    return store.read(lambda con: get_job(con, job_id))


def _count(store: Store, sql: str) -> int:
    row = store.read(lambda con: con.execute(sql).fetchone())
    return int(row[0]) if row else 0


def _wait(what: object, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not what():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _sidebar_text(at: object) -> str:
    side = at.sidebar  # type: ignore[attr-defined]
    return " ".join([m.value for m in side.markdown] + [c.value for c in side.caption] + [w.value for w in side.warning]
                    + [s.value for s in side.success])  # fmt: skip


def test_a_scan_job_survives_page_changes_and_a_restart_and_resumes_after_its_runner_died(
    env: Path, tmp_path: Path
) -> None:
    demo = make_demo_scene(tmp_path / "demo", seed=7, size=3072)
    (env / "scenes").mkdir(exist_ok=True)
    shutil.copy(demo.scene, env / "scenes" / "region_a.tif")
    store = Store(settings.db_path())

    at = open_app("app_pages/scan.py", REVIEWER)
    at.selectbox(key=next(s.key for s in at.selectbox if s.label == "Scene file")).set_value("region_a.tif").run()
    at.toggle(key="scan_in_background").set_value(True).run()
    next(b for b in at.button if b.label == "Start the scan job").click().run()
    assert not at.exception, at.exception
    job = _job(store)
    assert job.kind == "scan" and job.owner == "ana" and "region_a.tif" in job.title
    assert "--model" in job.argv and "demo_discovery@1" in job.argv  # pinned: a resume uses the same version

    # Another page: the sidebar still shows the job and its progress.
    _wait(lambda: _count(store, "SELECT count(*) FROM scan_tile") >= 2)
    at.switch_page("app_pages/overview.py").run()
    assert "Job 1" in _sidebar_text(at) and "region_a.tif" in _sidebar_text(at)
    assert at.sidebar.get("progress"), "no progress bar in the sidebar"

    # The machine goes down mid-scan: the runner dies; after a restart the person signs in again and sees it.
    con = store.open()  # hold the store so the runner is between two tiles when it dies
    try:
        kept = int(con.execute("SELECT count(*) FROM scan_tile").fetchone()[0])  # type: ignore[index]
        os.killpg(int(_job(store).pid or 0), signal.SIGKILL)
    finally:
        con.close()
    restarted = open_app("app_pages/triage.py", REVIEWER)  # a new server process: nothing in memory
    assert "interrupted" in _sidebar_text(restarted), _sidebar_text(restarted)
    assert "Resume does only what is missing" in _sidebar_text(restarted)
    next(b for b in restarted.sidebar.button if b.label == "Resume").click().run()
    assert not restarted.exception, restarted.exception
    _wait(lambda: _job(store).state not in ("queued", "running"))
    job = _job(store)
    assert job.state == "done", job.log
    resumed = job.log.split("(resumed: only the missing work is done)", 1)[1]
    first = next(line for line in resumed.splitlines() if line.startswith("scene 1/1: tile "))
    assert first == f"scene 1/1: tile {kept + 1}/9" and 2 <= kept < 9
    assert _count(store, "SELECT count(*) FROM site") == 31
    restarted.run()
    assert "✔ **Job 1** · done" in " ".join(m.value for m in restarted.sidebar.markdown)
