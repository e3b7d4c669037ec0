"""Benchmark of scans on Dask: one process against 1 and 2 local workers on the same 16 tiles, and a capacity plan.

Each configuration runs in its own Python process (``python -m cli.cluster_benchmark CONFIG SCENE``) so that its
peak memory is its own; the workers report theirs. The plan divides Brazil's area by the measured rate per core.
Numbers are printed, never asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli.common import fmt
from cli.scan_benchmark import make_bench_scene, peak_rss_mb
from core.scan.grid import STRIDE_PX, WINDOW_PX, plan_tiles
from core.scan.pipeline import ScanSettings, scan_scene
from core.settings import DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL, ROOT
from core.wording.translate import _

CONFIGS = ("one_process", "dask_1", "dask_2")
#: Brazil's area (IBGE), and the periods of a yearly series 2018-2025.
BRAZIL_KM2 = 8_510_000
YEARS = 8
#: 4 x 4 tiles of 40 x 40 cells: 201 + 27 * 159 px a side (about 45 km).
SIXTEEN_TILES_PX = WINDOW_PX + STRIDE_PX * (4 * 40 - 1)


def run_config(config: str, scene: Path) -> dict[str, Any]:
    """One configuration in this process: the scan's seconds (models already loaded), km², sites, memory."""
    from cli.cluster import driver_models, engine_for
    from cli.common import load_scan_model
    from core.scan.cluster import connect

    settings = ScanSettings()
    if config == "one_process":
        discovery, impact = load_scan_model(DEFAULT_DISCOVERY_MODEL), load_scan_model(DEFAULT_IMPACT_MODEL)
        scan_scene(scene, discovery, impact, settings)  # warm: the first call traces the network for this shape
        started = time.perf_counter()
        result = scan_scene(scene, discovery, impact, settings)
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "km2": result.valid_area_km2, "sites": len(result.sites), "tiles": result.tiles,
                "driver_mb": peak_rss_mb(), "worker_mb": [], "startup_s": 0.0}  # fmt: skip
    workers = int(config.rsplit("_", 1)[1])
    begun = time.perf_counter()
    with connect(workers=workers) as cluster:
        models = driver_models(DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL, {})
        engine = engine_for(cluster, models, settings)
        startup = time.perf_counter() - begun
        scan_scene(scene, models.discovery, models.impact, settings, engine=engine)  # warm every worker
        started = time.perf_counter()
        result = scan_scene(scene, models.discovery, models.impact, settings, engine=engine)
        seconds = time.perf_counter() - started
        worker_mb = sorted(cluster.client.run(peak_rss_mb).values())
    return {"seconds": seconds, "km2": result.valid_area_km2, "sites": len(result.sites), "tiles": result.tiles,
            "driver_mb": peak_rss_mb(), "worker_mb": worker_mb, "startup_s": startup}  # fmt: skip


def _run_process(config: str, scene: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "cli.cluster_benchmark", config, str(scene)], cwd=ROOT,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"benchmark configuration {config} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_cluster_benchmark(size_px: int = SIXTEEN_TILES_PX, cores: int | None = None,
                          print_fn: Callable[[str], None] = print) -> dict[str, Any]:  # fmt: skip
    """Build the scene, run each configuration in its own process, print and return the numbers."""
    import os

    cores = cores or os.cpu_count() or 1
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tiles = len(plan_tiles(size_px, size_px, ScanSettings().cells_per_tile))
        print_fn(
            _("Building a {size} x {size} px synthetic 12-band scene ({tiles} tiles)...").format(
                size=size_px, tiles=tiles
            )
        )
        scene = make_bench_scene(Path(tmp), size_px)
        for config in CONFIGS:
            print_fn(_("Running {config}...").format(config=config))
            results[config] = _run_process(config, scene)
    print_fn(format_cluster_report(size_px, results, cores))
    return results


def format_cluster_report(size_px: int, results: dict[str, Any], cores: int) -> str:
    """The numbers as a plain-text table, then the per-tile overhead of Dask and the capacity plan."""
    one = results["one_process"]
    lines = [_("MineScan on Dask: {size} x {size} px, {tiles} tiles, {area} km², {cores} cores").format(
        size=size_px, tiles=one["tiles"], area=fmt(one["km2"], ".0f"), cores=cores)]  # fmt: skip
    for config in CONFIGS:
        r = results[config]
        workers = ", ".join(fmt(mb, ".0f") for mb in r["worker_mb"]) or "-"
        rate = r["km2"] / r["seconds"]
        lines.append(_("  {config} {seconds} s  {rate} km²/s  sites {sites}  driver peak {driver} MB  worker peak MB "
                       "{workers}  start {start} s").format(
            config=f"{config:12s}", seconds=fmt(r["seconds"], "6.1f"), rate=fmt(rate, "6.1f"),
            sites=f"{r['sites']:4d}", driver=fmt(r["driver_mb"], "5.0f"), workers=workers,
            start=fmt(r["startup_s"], "4.1f")))  # fmt: skip
    overhead = (results["dask_1"]["seconds"] - one["seconds"]) / one["tiles"]
    lines.append(_("  Dask's overhead per tile (1 worker vs one process, same cores): {ms} ms").format(
        ms=fmt(overhead * 1000, "+.0f")))  # fmt: skip
    best = max(results[c]["km2"] / results[c]["seconds"] for c in CONFIGS)
    per_core = best / cores
    lines.append(_("  Rate per core (best of the three / {cores} cores): {rate} km²/s").format(
        cores=cores, rate=fmt(per_core, ".1f")))  # fmt: skip
    lines.append(_("  Capacity plan (this rate per core; the 12-band demo models; I/O not limiting):"))
    for total in (2, 16, 64, 256):
        hours = BRAZIL_KM2 / (per_core * total) / 3600
        lines.append(_("    {cores} cores: one period of Brazil ({area} M km²) {hours} h; yearly series 2018-2025 "
                       "({years} periods) {series} h").format(
            cores=f"{total:4d}", area=fmt(BRAZIL_KM2 / 1e6, ".2f"), hours=fmt(hours, "6.2f"), years=YEARS,
            series=fmt(hours * YEARS, "6.2f")))  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    print(json.dumps(run_config(sys.argv[1], Path(sys.argv[2]))))
