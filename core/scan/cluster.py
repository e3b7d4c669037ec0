"""A scan's tiles fanned out over ``dask.distributed``: a local cluster of N worker processes, or an existing one.

The driver (this process) plans the tiles, submits one task per tile, puts each returned :class:`TileOutput` into
the scene grids, and assembles the sites across tile edges exactly as an in-process scan does. Each worker loads
the models once (:class:`ScanModelsPlugin`, re-applied to a worker the nanny restarts), caps TensorFlow's threads
to its share of the cores, opens the scene itself and returns tile outputs. A worker that dies takes only its
running tiles with it: the scheduler runs them again elsewhere.

Model loading and thread capping come in as callables (``load``, ``cap_threads``: :mod:`models.worker` gives them),
so this module never imports Keras. Import it only when a cluster is wanted (it imports ``distributed``).
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from distributed import WorkerPlugin

from core.errors import ClusterError, MineScanError
from core.imagery.raster import SceneInfo, SceneReader, open_scene
from core.scan.grid import Tile
from core.scan.tiles import TileOutput, TileRunner
from core.wording.translate import _

if TYPE_CHECKING:
    from core.scan.pipeline import ScanModel, ScanSettings, TileEngine

#: The worker plugin's name on every worker.
PLUGIN_NAME = "minescan-scan-models"
#: The environment variable that names an existing scheduler (``tcp://host:8786``).
SCHEDULER_ENV = "MINESCAN_DASK_SCHEDULER"
#: How long to wait for a scheduler to answer.
CONNECT_TIMEOUT_S = 10

#: Loads a model folder into a ScanModel (on a worker).
LoadModel = Callable[[str], "ScanModel"]
#: Caps the deep-learning library's threads (on a worker, before its first model).
CapThreads = Callable[[int], None]


@dataclass(frozen=True)
class ModelFolders:
    """The models a cluster scan uses: each one's folder (as the workers will read it) and its ``name@version``."""

    discovery: str
    discovery_ref: str
    impact: str | None = None
    impact_ref: str | None = None

    @property
    def folders(self) -> tuple[str, ...]:
        """Every folder to load."""
        return (self.discovery,) + ((self.impact,) if self.impact else ())


class ScanModelsPlugin(WorkerPlugin):
    """On every worker: cap the threads, load each model once, and keep one open scene reader per thread.

    A model that cannot be loaded is not raised at set-up (Dask would only log it): it is kept and raised, with the
    worker's address, by the first tile that needs it.
    """

    name = PLUGIN_NAME

    def __init__(self, models: ModelFolders, load: LoadModel, cap_threads: CapThreads | None, threads: int) -> None:
        self.models, self.load, self.cap_threads, self.threads = models, load, cap_threads, threads
        self._fresh()

    def _fresh(self) -> None:
        self.loaded: dict[str, ScanModel] = {}
        self.error: str | None = None
        self.address = "?"
        self.local = threading.local()

    def __getstate__(self) -> dict[str, Any]:
        """What travels to a worker: the settings, never loaded models or open files."""
        return {"models": self.models, "load": self.load, "cap_threads": self.cap_threads, "threads": self.threads}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._fresh()

    def setup(self, worker: Any) -> None:
        """Called by Dask when the plugin reaches a worker (or a restarted one)."""
        self.address = str(getattr(worker, "address", "?"))
        try:
            if self.cap_threads is not None:
                self.cap_threads(self.threads)
            self.loaded = {folder: self.load(folder) for folder in self.models.folders}
            wanted = {self.models.discovery: self.models.discovery_ref, self.models.impact: self.models.impact_ref}
            for folder, model in self.loaded.items():
                if model.card.ref != wanted[folder]:
                    message = _("worker {worker} has {model} in {folder}, not {wanted}: every worker must see the "
                                "same model folders")  # fmt: skip
                    self.error = message.format(
                        worker=self.address, model=model.card.ref, folder=folder, wanted=wanted[folder]
                    )
        except MineScanError as err:
            self.error = _("worker {worker} cannot load the models: {problem}").format(worker=self.address, problem=err)
        except Exception as err:  # noqa: BLE001 - any failure becomes the message of every tile on this worker
            problem = f"{type(err).__name__}: {err}"
            self.error = _("worker {worker} cannot load the models: {problem}").format(
                worker=self.address, problem=problem
            )

    def teardown(self, worker: Any) -> None:
        """Called by Dask when the worker closes: close this thread's reader."""
        reader = getattr(self.local, "reader", None)
        if reader is not None:
            reader[1].__exit__(None, None, None)

    def runner(self, settings: ScanSettings, bands: tuple[str, ...]) -> TileRunner:
        """The tile runner of these models, settings and scene bands."""
        if self.error:
            raise ClusterError(self.error)
        impact = self.loaded[self.models.impact] if self.models.impact else None
        return TileRunner(self.loaded[self.models.discovery], impact, settings, bands)

    def reader(self, path: str, bands: tuple[str, ...]) -> SceneReader:
        """This thread's open reader of ``path`` (one at a time: the previous scene's is closed)."""
        held = getattr(self.local, "reader", None)
        if held is not None and held[0] == (path, bands):
            return held[1]
        if held is not None:
            held[1].__exit__(None, None, None)
            self.local.reader = None
        try:
            info = open_scene(path, bands)
        except MineScanError as err:
            raise ClusterError(_unreadable_scene(self.address, path, err)) from None
        reader = SceneReader(info).__enter__()
        self.local.reader = ((path, bands), reader)
        return reader


def scan_tile(path: str, bands: tuple[str, ...], index: int, tile: Tile, settings: ScanSettings) -> TileOutput:
    """The task of one tile, on a worker: read it from the scene and run the plugin's models on it."""
    from distributed import get_worker

    worker = get_worker()
    plugin = worker.plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, ScanModelsPlugin):
        message = _("worker {worker} has no MineScan models (its plugin was not registered)")
        raise ClusterError(message.format(worker=worker.address))
    runner = plugin.runner(settings, bands)
    data, valid = plugin.reader(path, bands).read(tile.rows.px0, tile.rows.px1, tile.cols.px0, tile.cols.px1)
    return runner.output(index, tile, data, valid)


#: The task a tile runs (a test may wrap :func:`scan_tile`; it must be importable on the workers).
TileTask = Callable[[str, tuple[str, ...], int, Tile, "ScanSettings"], TileOutput]


@dataclass
class Cluster:
    """A connected client, how many workers it has, and where its dashboard is."""

    client: Any
    workers: int
    dashboard: str | None
    local: bool

    def describe(self) -> str:
        """One line for a log or a panel."""
        where = _("a local cluster") if self.local else _("the scheduler {address}")
        board = _("; dashboard {url}").format(url=self.dashboard) if self.dashboard else ""
        text = _("{n} Dask worker(s) on {where}{board}")
        return text.format(n=self.workers, where=where.format(address=self.client.scheduler.address), board=board)


def scheduler_from_env(environ: dict[str, str] | None = None) -> str | None:
    """The scheduler address ``MINESCAN_DASK_SCHEDULER`` names, if any (read when called, never frozen)."""
    value = (environ if environ is not None else os.environ).get(SCHEDULER_ENV, "").strip()
    return value or None


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Each local worker's share of the cores (at least one): workers must not fight over them."""
    return max(1, (cores or os.cpu_count() or 1) // max(1, workers))


def tasks_per_worker(workers: int, cores: int | None = None) -> int:
    """Tiles a local worker holds at once: two when it has two cores or more (while one tile runs the models the
    next one is read, as the in-process scan reads ahead; TensorFlow stays capped to the worker's cores, shared by
    both), else one. Measured on 2 cores: 1 worker x 2 tiles cuts Dask's overhead from about 110 to 40 ms a tile;
    2 workers x 2 tiles is no faster than x 1 and holds 450 MB more each."""
    return 2 if threads_per_worker(workers, cores) >= 2 else 1


@contextmanager
def connect(scheduler: str | None = None, workers: int | None = None,
            timeout_s: float = CONNECT_TIMEOUT_S) -> Iterator[Cluster]:  # fmt: skip
    """A client on the existing cluster at ``scheduler``, else on a new local cluster of ``workers`` processes
    (default: one per core), closed on exit.

    Raises:
        ClusterError: the scheduler cannot be reached, or a bad number of workers.
    """
    from distributed import Client, LocalCluster

    with ExitStack() as stack:
        if scheduler:
            try:
                client = stack.enter_context(Client(scheduler, timeout=f"{timeout_s}s"))
            except (OSError, TimeoutError, ValueError) as err:
                message = _("cannot reach the Dask scheduler at {scheduler} ({problem}). Check the address and "
                            "that `dask scheduler` runs there, or scan on this machine with --workers N (and no "
                            "{variable})")  # fmt: skip
                problem = f"{type(err).__name__}: {err}"
                raise ClusterError(
                    message.format(scheduler=scheduler, problem=problem, variable=SCHEDULER_ENV)
                ) from None
            n = len(client.scheduler_info().get("workers", {}))
            if n == 0:
                message = _("the Dask scheduler at {scheduler} has no workers: start some with "
                            "`dask worker {scheduler}`")  # fmt: skip
                raise ClusterError(message.format(scheduler=scheduler))
            yield Cluster(client, n, client.dashboard_link, local=False)
            return
        n = workers or os.cpu_count() or 1
        if n < 1:
            raise ClusterError(_("--workers must be 1 or more; got {n}").format(n=n))
        cluster = stack.enter_context(
            LocalCluster(n_workers=n, threads_per_worker=tasks_per_worker(n), processes=True, dashboard_address=":0")
        )
        client = stack.enter_context(Client(cluster))
        yield Cluster(client, n, client.dashboard_link, local=True)


def _check_workers(client: Any, path: str, bands: tuple[str, ...]) -> None:
    """Before any tile: every worker must have its models and be able to open the scene."""
    problems = client.run(_worker_problem, path, bands)
    bad = [p for p in problems.values() if p]
    if bad:
        more = _(" (and {n} more worker(s))").format(n=len(bad) - 1) if len(bad) > 1 else ""
        raise ClusterError(bad[0] + more)


def _worker_problem(path: str, bands: tuple[str, ...], dask_worker: Any = None) -> str | None:
    plugin = dask_worker.plugins.get(PLUGIN_NAME) if dask_worker is not None else None
    if plugin is None:
        message = _("worker {worker} has no MineScan models (plugin not registered)")
        return message.format(worker=getattr(dask_worker, "address", "?"))
    if plugin.error:
        return str(plugin.error)
    try:
        open_scene(path, bands)
    except MineScanError as err:
        return _unreadable_scene(plugin.address, path, err)
    return None


def _unreadable_scene(worker: str, path: str, err: Exception) -> str:
    message = _("worker {worker} cannot read the scene {path}: {problem} Every worker opens the scene itself: put it "
                "on a disk they all share (the same path) or at a URL they can reach")  # fmt: skip
    return message.format(worker=worker, path=path, problem=err)


def dask_engine(cluster: Cluster, models: ModelFolders, settings: ScanSettings, load: LoadModel,
                cap_threads: CapThreads | None = None, task: TileTask = scan_tile) -> TileEngine:  # fmt: skip
    """The engine that computes a scan's tiles on ``cluster``'s workers (each loads ``models`` once)."""
    client = cluster.client
    threads = threads_per_worker(cluster.workers) if cluster.local else 1
    client.register_plugin(ScanModelsPlugin(models, load, cap_threads, threads), name=PLUGIN_NAME)

    def compute(info: SceneInfo, todo: Sequence[tuple[int, Tile]]) -> Iterator[TileOutput]:
        from distributed import as_completed

        path = str(info.path)
        _check_workers(client, path, info.bands)
        run = uuid.uuid4().hex[:8]
        futures = [
            client.submit(
                task, path, info.bands, index, tile, settings, key=f"minescan-tile-{run}-{index}", pure=False
            )  # fmt: skip
            for index, tile in todo
        ]
        try:
            for future in as_completed(futures):
                yield _result(future)
        finally:
            client.cancel([f for f in futures if not f.done()])

    return compute


def _result(future: Any) -> TileOutput:
    """A finished tile's output; a failure becomes a message that names the tile and what to do."""
    from distributed.scheduler import KilledWorker

    try:
        out: TileOutput = future.result()
    except KilledWorker as err:
        raise ClusterError(
            _(
                "a tile ({key}) was running on workers that died several times in a row ({problem}); the tiles done "
                "so far are kept: resume the scan after checking the workers' memory and logs"
            ).format(key=future.key, problem=err)
        ) from None
    except MineScanError:
        raise
    return out
