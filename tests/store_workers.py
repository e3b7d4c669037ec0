"""Work run in separate processes by the concurrency and crash tests: reviewers deciding, a scan writing.

Each function is a process entry point (``python -m tests.store_workers KIND ARGS``) that talks to the store only
through :class:`db.store.Store`, as the app and the command line do.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from core.register.matching import MatchSettings
from core.scan.pipeline import ScanModel, ScanSettings
from db.reviews import add_review
from db.store import Store
from db.workflows import scan_into_store
from tests.fakes import fake_discovery, fake_fcn_predict, fake_impact


def planted_scene(path: Path, size: int = 1400) -> Path:
    """A dark scene with bright squares spread over many tiles (sites to find)."""
    from tests.fakes import RGB, write_tif

    data = np.full((3, size, size), 800, np.uint16)
    for k, (r, c) in enumerate([(150, 200), (400, 900), (700, 300), (1000, 1100), (1200, 600), (300, 500)]):
        side = 50 + 10 * k
        data[:, r : r + side, c : c + side] = 2500
    return write_tif(path, data, descriptions=RGB)


def slow_discovery(seconds_per_tile: float) -> ScanModel:
    """The fake FCN, sleeping before each tile: a scan long enough to be interrupted or overlapped."""
    base = fake_discovery()

    def predict(x: np.ndarray) -> np.ndarray:
        time.sleep(seconds_per_tile)
        return fake_fcn_predict(x)

    return ScanModel(base.card, predict)


def scan(store_path: str, scene: str, seconds_per_tile: str, resume: str = "") -> None:
    """Scan ``scene`` into the store with tiles of 6 cells; print the scan id at the end."""
    stored = scan_into_store(
        Store(Path(store_path)),
        Path(scene),
        slow_discovery(float(seconds_per_tile)),
        fake_impact(),
        ScanSettings(cells_per_tile=6, prefetch=0),
        MatchSettings(),
        resume=int(resume) if resume else None,
    )
    print(f"scan {stored.scan_id} sites {len(stored.result.sites)}", flush=True)


def decide(store_path: str, reviewer: str, site_ids: str, rounds: str) -> None:
    """Decide every site in ``site_ids`` (comma-separated) ``rounds`` times, each decision its own transaction."""
    store = Store(Path(store_path))
    ids = [int(i) for i in site_ids.split(",")]
    for r in range(int(rounds)):
        for site_id in ids:
            decision = ("confirmed", "rejected", "unsure")[(site_id + r) % 3]
            store.write(
                lambda con, s=site_id, d=decision, n=r: add_review(con, s, reviewer, d, note=f"{reviewer}#{n}#{s}")
            )
    print(f"{reviewer} done", flush=True)


if __name__ == "__main__":
    kind, *args = sys.argv[1:]
    {"scan": scan, "decide": decide}[kind](*args)
