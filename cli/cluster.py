"""``--workers N`` / ``--scheduler ADDRESS``: where a scan's tiles are computed (this process, or Dask workers)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core import settings
from core.errors import ClusterError
from core.wording.translate import _

if TYPE_CHECKING:
    from core.scan.cluster import Cluster
    from core.scan.pipeline import ScanModel, ScanSettings, TileEngine


def add_cluster_options(p: argparse.ArgumentParser) -> None:
    """The two ways of sending tiles to Dask; without either one scene scans in this process."""
    p.add_argument(
        "--workers", type=int, metavar="N",
        help=_("scan on a local Dask cluster of N worker processes (default with several scenes: one per core)"),
    )  # fmt: skip
    p.add_argument(
        "--scheduler", metavar="tcp://HOST:8786",
        help=_("scan on an existing Dask cluster (or set MINESCAN_DASK_SCHEDULER); scenes and models must be at "
               "the same paths on its workers"),
    )  # fmt: skip


def wants_cluster(args: argparse.Namespace, n_scenes: int) -> bool:
    """A cluster when asked for (``--workers``, ``--scheduler``, ``MINESCAN_DASK_SCHEDULER``) or for several scenes."""
    from core.scan.cluster import scheduler_from_env

    return bool(args.workers or args.scheduler or scheduler_from_env() or n_scenes > 1)


@contextmanager
def cluster_from_args(args: argparse.Namespace) -> Iterator[Cluster]:
    """The cluster the options name (an existing scheduler wins over ``--workers``), closed on exit."""
    from core.scan.cluster import connect, scheduler_from_env

    if args.workers is not None and args.workers < 1:
        raise ClusterError(_("--workers must be 1 or more; got {workers}").format(workers=args.workers))
    with connect(args.scheduler or scheduler_from_env(), args.workers) as cluster:
        yield cluster


@dataclass(frozen=True)
class DriverModels:
    """The models of a cluster scan as the driver holds them: their cards (no network loaded here) and folders."""

    discovery: ScanModel
    impact: ScanModel | None
    discovery_folder: Path
    impact_folder: Path | None


def _runs_on_workers(x: np.ndarray) -> np.ndarray:
    raise ClusterError(_("this scan's models run on the Dask workers, not in the driver"))


def driver_models(discovery_ref: str, impact_ref: str | None, promoted: Mapping[str, str]) -> DriverModels:
    """Resolve both models to their folders and read their cards (TensorFlow is not imported by the driver)."""
    from core.model_card import ModelCard, resolve_model
    from core.scan.pipeline import ScanModel

    def card_only(ref: str) -> tuple[ScanModel, Path]:
        folder = resolve_model(ref, settings.model_roots(), promoted).resolve()
        return ScanModel(card=ModelCard.load(folder), predict=_runs_on_workers), folder

    discovery, d_folder = card_only(discovery_ref)
    impact, i_folder = card_only(impact_ref) if impact_ref else (None, None)
    return DriverModels(discovery, impact, d_folder, i_folder)


def engine_for(cluster: Cluster, models: DriverModels, scan_settings: ScanSettings) -> TileEngine:
    """The Dask engine of these models; each worker loads them once and caps TensorFlow to its share of cores."""
    from core.scan.cluster import ModelFolders, dask_engine
    from models.worker import cap_threads, load_scan_model_folder

    folders = ModelFolders(
        str(models.discovery_folder),
        models.discovery.card.ref,
        str(models.impact_folder) if models.impact_folder else None,
        models.impact.card.ref if models.impact else None,
    )
    return dask_engine(cluster, folders, scan_settings, load_scan_model_folder, cap_threads)
