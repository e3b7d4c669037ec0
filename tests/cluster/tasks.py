"""Tile tasks for the cluster tests: importable by the Dask workers (a test's own functions would not be)."""

from __future__ import annotations

import os
from pathlib import Path

from core.scan.cluster import scan_tile
from core.scan.grid import Tile
from core.scan.pipeline import ScanSettings
from core.scan.tiles import TileOutput


def die_once(marker: str, kill_index: int, path: str, bands: tuple[str, ...], index: int, tile: Tile,
             settings: ScanSettings) -> TileOutput:  # fmt: skip
    """Compute the tile, except the first time tile ``kill_index`` runs: then the worker process dies at once
    (as if killed), after writing its pid to ``marker``."""
    if index == kill_index and not Path(marker).exists():
        Path(marker).write_text(str(os.getpid()))
        os._exit(1)
    out = scan_tile(path, bands, index, tile, settings)
    Path(f"{marker}.{index}").write_text(str(os.getpid()))
    return out
