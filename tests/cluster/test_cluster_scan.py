"""Scans on a two-worker local Dask cluster: the same sites as one process, a killed worker's tiles run again,
and every fault (no scheduler, a scene or a model a worker cannot read, a cancel) says what happened."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from cli.cluster import DriverModels, driver_models, engine_for
from core.demo import DemoPaths, make_demo_scene
from core.errors import ClusterError
from core.imagery.raster import open_scene
from core.jobs.states import JobCancelled
from core.register.matching import MatchSettings
from core.scan.cluster import Cluster, ModelFolders, connect, dask_engine
from core.scan.grid import plan_tiles
from core.scan.pipeline import ScanModel, ScanResult, ScanSettings, scan_scene
from core.settings import DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL
from db.scans import all_scans, saved_tiles
from db.store import Store
from db.workflows import scan_into_store
from models.worker import cap_threads, load_scan_model_folder
from tests.cluster.tasks import die_once

SETTINGS = ScanSettings(cells_per_tile=20)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return make_demo_scene(tmp_path_factory.mktemp("demo"), seed=7, size=1536)


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with connect(workers=2) as c:
        yield c


@pytest.fixture(scope="module")
def models() -> DriverModels:
    return driver_models(DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL, {})


@pytest.fixture(scope="module")
def one_process(demo: DemoPaths, models: DriverModels) -> ScanResult:
    d = load_scan_model_folder(str(models.discovery_folder))
    i = load_scan_model_folder(str(models.impact_folder))
    return scan_scene(demo.scene, d, i, SETTINGS)


def _same(a: ScanResult, b: ScanResult) -> None:
    assert a.sites == b.sites and len(a.sites) > 0
    np.testing.assert_array_equal(a.grid.p_mine, b.grid.p_mine)
    assert a.valid_area_km2 == b.valid_area_km2 and a.positive_cells == b.positive_cells


def test_two_workers_find_the_same_sites_as_one_process(
    demo: DemoPaths, cluster: Cluster, models: DriverModels, one_process: ScanResult,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    engine = engine_for(cluster, models, SETTINGS)
    seen: list[int] = []
    result = scan_scene(demo.scene, models.discovery, models.impact, SETTINGS, engine=engine,
                        on_tile=lambda t: seen.append(t.index))  # fmt: skip
    _same(result, one_process)
    assert sorted(seen) == list(range(result.tiles)) and result.tiles == 9
    # Each worker loaded the models once and runs TensorFlow on its share of the 2 cores.
    info = cluster.client.run(lambda dask_worker: (len(dask_worker.plugins["minescan-scan-models"].loaded),
                                                   dask_worker.plugins["minescan-scan-models"].threads))  # fmt: skip
    assert list(info.values()) == [(2, max(1, (os.cpu_count() or 1) // 2))] * 2
    assert cluster.dashboard and cluster.dashboard.startswith("http")
    with capsys.disabled():
        print(f"\n[2 Dask workers, 9 tiles] {result.seconds:.1f} s; one process {one_process.seconds:.1f} s")


def test_a_killed_worker_costs_only_its_tile_which_runs_again(
    demo: DemoPaths, models: DriverModels, one_process: ScanResult, tmp_path: Path
) -> None:
    marker = str(tmp_path / "killed")
    with connect(workers=2) as own:
        folders = ModelFolders(str(models.discovery_folder), models.discovery.card.ref, str(models.impact_folder),
                               models.impact.card.ref if models.impact else None)  # fmt: skip
        engine = dask_engine(own, folders, SETTINGS, load_scan_model_folder, cap_threads,
                             task=partial(die_once, marker, 4))  # fmt: skip
        result = scan_scene(demo.scene, models.discovery, models.impact, SETTINGS, engine=engine)
    dead = int(Path(marker).read_text())
    rerun = int(Path(f"{marker}.4").read_text())
    assert rerun != dead  # tile 4 ran again, in another (or a restarted) worker process
    _same(result, one_process)


def test_an_unreachable_scheduler_says_where_and_what_to_do() -> None:
    started = time.monotonic()
    with pytest.raises(ClusterError, match=r"cannot reach the Dask scheduler at tcp://127.0.0.1:9.*--workers N"):
        with connect("tcp://127.0.0.1:9", timeout_s=2):
            pass
    assert time.monotonic() - started < 60  # it gives up instead of hanging a job


def test_a_scene_the_workers_cannot_read_is_named_before_any_tile(
    demo: DemoPaths, cluster: Cluster, models: DriverModels, tmp_path: Path
) -> None:
    copy = tmp_path / "moved.tif"
    copy.write_bytes(demo.scene.read_bytes())
    info = open_scene(copy, models.discovery.card.bands + ("B11",))
    copy.unlink()  # the driver saw it; the workers will not
    engine = engine_for(cluster, models, SETTINGS)
    todo = list(enumerate(plan_tiles(info.height, info.width, SETTINGS.cells_per_tile)))
    with pytest.raises(ClusterError, match=r"worker tcp://.* cannot read the scene .*moved.tif.*disk they all share"):
        list(engine(info, todo))


def test_a_model_missing_on_the_workers_is_named(demo: DemoPaths, cluster: Cluster, models: DriverModels) -> None:
    gone = ModelFolders("/nowhere/demo_discovery/1", models.discovery.card.ref)
    engine = dask_engine(cluster, gone, SETTINGS, load_scan_model_folder, cap_threads)
    with pytest.raises(ClusterError, match=r"worker tcp://.* cannot load the models: model folder /nowhere.*"):
        scan_scene(demo.scene, models.discovery, None, SETTINGS, engine=engine)
    engine_for(cluster, models, SETTINGS)  # the other tests' plugin back


def test_a_cancel_mid_scan_stores_no_site_and_keeps_the_scan_as_cancelled(
    demo: DemoPaths, cluster: Cluster, models: DriverModels, env: Path
) -> None:
    store = Store(env / "store.duckdb")
    engine = engine_for(cluster, models, SETTINGS)

    def cancel_after_two(done: int, total: int) -> None:
        if done >= 2:
            raise JobCancelled()

    with pytest.raises(JobCancelled):
        scan_into_store(store, demo.scene, models.discovery, models.impact, SETTINGS, MatchSettings(),
                        cancel_after_two, engine=engine)  # fmt: skip
    scans = store.read(all_scans)
    assert list(scans["status"]) == ["failed"] and "cancelled" in scans["message"].iloc[0]
    assert store.read(lambda con: con.execute("SELECT count(*) FROM site").fetchone())[0] == 0  # type: ignore[index]
    assert 2 <= len(store.read(lambda con: saved_tiles(con, int(scans["id"].iloc[0])))) < 9
    # The cluster is free again: no task of the cancelled scan is still queued.
    deadline = time.monotonic() + 30
    while cluster.client.processing() and any(cluster.client.processing().values()):
        assert time.monotonic() < deadline, cluster.client.processing()
        time.sleep(0.2)


def test_one_worker_scans_too(demo: DemoPaths, models: DriverModels, one_process: ScanResult) -> None:
    with connect(workers=1) as single:
        assert single.workers == 1 and single.local and "1 Dask worker(s) on a local cluster" in single.describe()
        result = scan_scene(demo.scene, models.discovery, models.impact, SETTINGS,
                            engine=engine_for(single, models, SETTINGS))  # fmt: skip
    _same(result, one_process)


def test_driver_models_read_cards_only(models: DriverModels) -> None:
    assert isinstance(models.discovery, ScanModel) and models.discovery.card.kind == "discovery"
    with pytest.raises(ClusterError, match="run on the Dask workers"):
        models.discovery.predict(np.zeros((1, 201, 201, 12), np.float32))


def test_an_existing_cluster_named_by_its_scheduler_scans_the_same(
    demo: DemoPaths, cluster: Cluster, models: DriverModels, one_process: ScanResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli.cluster import wants_cluster
    from cli.main import build_parser
    from core.scan.cluster import SCHEDULER_ENV, scheduler_from_env

    address = cluster.client.scheduler.address
    monkeypatch.setenv(SCHEDULER_ENV, address)  # read when asked, not frozen at import
    assert scheduler_from_env() == address
    assert wants_cluster(build_parser().parse_args(["scan", str(demo.scene), "--out", "x.geojson"]), 1)
    with connect(scheduler_from_env()) as remote:
        assert not remote.local and remote.workers == 2 and f"the scheduler {address}" in remote.describe()
        result = scan_scene(demo.scene, models.discovery, models.impact, SETTINGS,
                            engine=engine_for(remote, models, SETTINGS))  # fmt: skip
    _same(result, one_process)
