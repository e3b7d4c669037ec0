"""Several processes and threads deciding while a scan writes; a scan killed half way and resumed.

The workers (tests/store_workers.py) run as separate processes and use the store only through short-lived
connections, as the app and the command line do. Counts are checked exactly: no decision may be lost.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from core.register.matching import MatchSettings
from core.scan.pipeline import ScanModel, ScanSettings, scan_scene
from db.connection import StoreError
from db.reviews import add_review
from db.store import Store
from db.workflows import resume_scan, scan_into_store
from tests.fakes import fake_discovery, fake_fcn_predict, fake_impact
from tests.store_workers import planted_scene

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ScanSettings(cells_per_tile=6, prefetch=0)


def _worker(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store_workers", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _count(store: Store, sql: str, params: list[object] | None = None) -> int:
    row = store.read(lambda con: con.execute(sql, params or []).fetchone())
    return int(row[0]) if row else 0


@pytest.fixture()
def seeded(tmp_path: Path) -> tuple[Store, list[int]]:
    """A store holding the sites of one planted scene."""
    store = Store(tmp_path / "store.duckdb", wait_s=60)
    scan_into_store(
        store, planted_scene(tmp_path / "first.tif"), fake_discovery(), fake_impact(), SETTINGS, MatchSettings()
    )
    ids = store.read(lambda con: [r[0] for r in con.execute("SELECT id FROM site ORDER BY id").fetchall()])
    assert len(ids) >= 5
    return store, ids


def test_reviewers_in_processes_and_threads_and_a_scan_all_land(
    seeded: tuple[Store, list[int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from core.access.users import Identity
    from core.settings import ROOT as APP_ROOT
    from ui.state import IDENTITY

    store, ids = seeded
    monkeypatch.setenv("MINESCAN_DB", str(store.path))
    monkeypatch.setenv("MINESCAN_DATA", str(tmp_path / "data"))
    st.cache_resource.clear()
    st.cache_data.clear()
    second = planted_scene(tmp_path / "second.tif", size=1300)
    expected_new = len(scan_scene(second, fake_discovery(), fake_impact(), SETTINGS).sites)
    site_list = ",".join(str(i) for i in ids)
    scan = _worker("scan", str(store.path), str(second), "0.03")
    deciders = [_worker("decide", str(store.path), f"proc{k}", site_list, "4") for k in range(2)]

    thread_errors: list[BaseException] = []

    def decide_in_thread(name: str) -> None:
        try:
            for n in range(10):
                site = ids[n % len(ids)]
                store.write(lambda con, s=site, k=n: add_review(con, s, name, "confirmed", note=f"{name}#{k}"))
        except BaseException as err:  # noqa: BLE001 -- reported below: a reviewer must never get an error here
            thread_errors.append(err)

    threads = [threading.Thread(target=decide_in_thread, args=(f"thread{k}",)) for k in range(3)]
    for t in threads:
        t.start()
    # Meanwhile a reviewer decides in the app itself (its page runs open and close the store).
    app = AppTest.from_file(str(APP_ROOT / "app.py"), default_timeout=120)
    app.session_state[IDENTITY] = Identity("web", "reviewer", "", "password")
    app.switch_page("app_pages/triage.py").run()
    next(r for r in app.radio if r.label == "Show").set_value("All").run()  # the others may have decided them all
    for k in range(3):
        next(t for t in app.text_area if t.label == "Note").input(f"web#{k}")
        next(b for b in app.button if b.label == "Confirmed").click().run()
        assert not app.exception and not app.error, [e.value for e in app.error]
    for t in threads:
        t.join()
    assert not thread_errors, thread_errors
    for proc in [scan, *deciders]:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
    per_reviewer = dict(
        store.read(lambda con: con.execute("SELECT reviewer, count(*) FROM review GROUP BY reviewer").fetchall())
    )
    assert per_reviewer == {
        "proc0": 4 * len(ids),
        "proc1": 4 * len(ids),
        "thread0": 10,
        "thread1": 10,
        "thread2": 10,
        "web": 3,
    }
    # Every note is there once: nothing overwritten, nothing doubled.
    notes = store.read(lambda con: [r[0] for r in con.execute("SELECT note FROM review").fetchall()])
    assert len(notes) == len(set(notes)) == sum(per_reviewer.values())
    assert _count(store, "SELECT count(*) FROM scan WHERE status = 'finished'") == 2
    assert _count(store, "SELECT count(*) FROM site") == len(ids) + expected_new
    assert _count(store, "SELECT count(*) FROM scan_tile") == 0


def test_two_reviewers_deciding_the_same_site_at_once_are_both_kept(seeded: tuple[Store, list[int]]) -> None:
    store, ids = seeded
    barrier = threading.Barrier(2)

    def decide(name: str, decision: str) -> None:
        def work(con):  # type: ignore[no-untyped-def]
            barrier.wait(timeout=10)  # both transactions are open before either commits
            return add_review(con, ids[0], name, decision)

        store.write(work)

    threads = [threading.Thread(target=decide, args=a) for a in (("ana", "confirmed"), ("bia", "rejected"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = store.read(
        lambda con: con.execute("SELECT reviewer, decision FROM review WHERE site_id = ?", [ids[0]]).fetchall()
    )
    assert sorted(rows) == [("ana", "confirmed"), ("bia", "rejected")]


def test_a_scan_killed_half_way_leaves_no_sites_and_resumes_from_its_tiles(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.duckdb", wait_s=60)
    scene = planted_scene(tmp_path / "scene.tif")
    reference = scan_scene(scene, fake_discovery(), fake_impact(), SETTINGS)
    proc = _worker("scan", str(store.path), str(scene), "0.15")
    deadline = time.monotonic() + 120
    done = 0
    while done < 10 and time.monotonic() < deadline:
        time.sleep(0.2)
        if Path(store.path).exists():
            done = _count(store, "SELECT coalesce(max(tiles_done), 0) FROM scan")
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert done >= 10, "the scan did not checkpoint tiles"
    ((scan_id, status, tiles_done, tiles_total),) = store.read(
        lambda con: con.execute("SELECT id, status, tiles_done, tiles_total FROM scan").fetchall()
    )
    saved = _count(store, "SELECT count(*) FROM scan_tile WHERE scan_id = ?", [scan_id])
    assert status == "running" and saved == tiles_done < tiles_total == reference.tiles
    assert _count(store, "SELECT count(*) FROM site") == 0  # no half-written scan: sites come in one transaction

    # Other settings cannot resume it: the saved tiles would not fit.
    with pytest.raises(StoreError, match="different settings"):
        scan_into_store(
            store,
            scene,
            fake_discovery(),
            fake_impact(),
            ScanSettings(cells_per_tile=7),
            MatchSettings(),
            resume=scan_id,
        )
    calls = Counter[str]()

    def counting(x):  # type: ignore[no-untyped-def]
        calls["tiles"] += 1
        return fake_fcn_predict(x)

    model = ScanModel(fake_discovery().card, counting)
    # As the scan page's "Resume" does: the scan's own scene, settings and models (by name).
    stored = resume_scan(store, scan_id, lambda name: model if name == "fake" else fake_impact(), MatchSettings())
    assert calls["tiles"] == tiles_total - saved
    assert stored.result.sites == reference.sites
    np_equal = stored.result.grid.p_mine.tobytes() == reference.grid.p_mine.tobytes()
    assert np_equal
    assert _count(store, "SELECT count(*) FROM site WHERE scan_id = ?", [scan_id]) == len(reference.sites)
    assert _count(store, "SELECT count(*) FROM scan WHERE status = 'finished'") == 1
    assert _count(store, "SELECT count(*) FROM scan_tile") == 0
    with pytest.raises(StoreError, match="has finished"):
        scan_into_store(store, scene, model, fake_impact(), SETTINGS, MatchSettings(), resume=scan_id)


def test_a_scan_still_running_elsewhere_is_not_resumed(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.duckdb", wait_s=60)
    scene = planted_scene(tmp_path / "scene.tif", size=700)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stored = scan_into_store(store, scene, fake_discovery(), None, SETTINGS, MatchSettings())
        store.write(
            lambda con: con.execute(
                "UPDATE scan SET status = 'running', runner = ? WHERE id = ?",
                [f"{socket.gethostname()}:{sleeper.pid}", stored.scan_id],
            )
        )
        with pytest.raises(StoreError, match=f"still running in process .*:{sleeper.pid}"):
            scan_into_store(store, scene, fake_discovery(), None, SETTINGS, MatchSettings(), resume=stored.scan_id)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_busy_store_gives_up_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "store.duckdb"
    Store(path).read(lambda con: None)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('held', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(StoreError, match="stayed busy for 1 s: another process holds it"):
            Store(path, wait_s=1.0).read(lambda con: None)
        assert time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()
    assert Store(path, wait_s=5).read(lambda con: con.execute("SELECT 1").fetchone()) == (1,)


def test_an_import_that_fails_half_way_changes_nothing(
    seeded: tuple[Store, list[int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core.demo import make_demo_scene
    from db import workflows

    store, _ = seeded
    demo_register = make_demo_scene(tmp_path / "demo", size=512).register
    # Under a name of its own: this store holds real work, and the demo's register is refused there.
    register = tmp_path / "register-2025.csv"
    register.write_bytes(demo_register.read_bytes())
    before = store.read(
        lambda con: con.execute(
            "SELECT (SELECT count(*) FROM register_snapshot), (SELECT count(*) FROM registered_site), "
            "(SELECT count(*) FROM site_match)"
        ).fetchone()
    )

    def broken_rematch(con, settings):  # type: ignore[no-untyped-def]
        raise StoreError("disk full (simulated) while matching")

    # The snapshot and its rows are written, then the matching fails: the whole import must roll back.
    monkeypatch.setattr(workflows, "rematch", broken_rematch)
    with pytest.raises(StoreError, match="simulated"):
        workflows.import_register(store, register, "dam", MatchSettings())
    after = store.read(
        lambda con: con.execute(
            "SELECT (SELECT count(*) FROM register_snapshot), (SELECT count(*) FROM registered_site), "
            "(SELECT count(*) FROM site_match)"
        ).fetchone()
    )
    assert after == before


def test_many_threads_opening_and_closing_the_store_lose_nothing(seeded: tuple[Store, list[int]]) -> None:
    """Threads of one process (the app's sessions) opening and closing the file at once: DuckDB's instance
    sharing must not turn a close racing an open into a failed decision."""
    store, ids = seeded
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            for n in range(25):
                store.write(lambda con, k=n: add_review(con, ids[k % len(ids)], name, "unsure", note=f"{name}#{k}"))
        except BaseException as err:  # noqa: BLE001 -- collected and asserted below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(f"t{k}",)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:3]
    assert _count(store, "SELECT count(*) FROM review") == 8 * 25
