"""Benchmark of the scan: the streamed MineScan pipeline against a naive one built like the published notebook.

Every phase runs in its own Python process (``python -m cli.scan_benchmark PHASE SCENE``) so that each reports its
own peak resident memory; ``run_benchmark`` starts them and prints one table. Numbers are printed, never asserted.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio.windows import Window

from cli.common import fmt
from core.demo import generate_scene
from core.demo.geotiff import write_bands
from core.model_card import resolve_model
from core.register.matching import MatchSettings
from core.scan.grid import output_cells, plan_tiles
from core.scan.pipeline import ScanModel, ScanSettings
from core.settings import DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL, ROOT, model_roots
from core.wording.translate import _
from db.connection import connect

PHASES = ("streamed", "naive", "fcn")
_BLOCK_PX = 3072
#: What the naive pipeline holds per pixel at its peak: the scene as float32 twice (read, normalised) and the first
#: convolution's 32 float32 channels twice (output, activation); plus the interpreter, TensorFlow and both models.
#: At 4096 px this predicts 6.6 GB; 7.0 GB were measured.
NAIVE_BYTES_PER_PX = 12 * 4 * 2 + 32 * 4 * 2
BASE_BYTES = 700 * 2**20
#: The naive phase is stopped after this long and reported as not finished.
NAIVE_TIMEOUT_S = 20 * 60


def make_bench_scene(folder: Path, size_px: int) -> Path:
    """A ``size_px`` square synthetic 12-band scene, tiled from one generated block so memory stays small."""
    block = generate_scene(11, min(size_px, _BLOCK_PX))
    path = folder / f"bench_{size_px}.tif"
    first = folder / "block.tif"
    write_bands(first, block.dn, block.transform, block.crs, {"MINESCAN_SYNTHETIC": "true"})
    with rasterio.open(first) as src:
        profile = {**src.profile, "width": size_px, "height": size_px}
    n = block.dn.shape[1]
    with rasterio.open(path, "w", **profile) as dst:
        for i, name in enumerate(block.bands, start=1):
            dst.set_band_description(i, name)
        dst.update_tags(MINESCAN_SYNTHETIC="true")
        for row in range(0, size_px, n):
            for col in range(0, size_px, n):
                h, w = min(n, size_px - row), min(n, size_px - col)
                dst.write(block.dn[:, :h, :w], window=Window(col, row, w, h))
    first.unlink()
    return path


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's ``VmHWM`` first: ``ru_maxrss`` survives ``exec``, so a phase
    started by a parent that built a large scene would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def _models() -> tuple[ScanModel, ScanModel, Any, Any]:
    from models.bundle import load_bundle

    d = load_bundle(resolve_model(DEFAULT_DISCOVERY_MODEL, model_roots()))
    i = load_bundle(resolve_model(DEFAULT_IMPACT_MODEL, model_roots()))
    return ScanModel(d.card, d.predict), ScanModel(i.card, i.predict), d, i


def phase_streamed(scene: Path) -> dict[str, Any]:
    """MineScan's path: tiles, batched impact model, clusters, store and matching."""
    from db.workflows import scan_into_store

    disc, imp, _d, _i = _models()
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        started = time.perf_counter()
        stored = scan_into_store(con, scene, disc, imp, ScanSettings(), MatchSettings())
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "sites": len(stored.result.sites), "km2": stored.result.valid_area_km2}


def naive_memory_bytes(size_px: int) -> int:
    """Estimated peak memory of the naive pipeline on a ``size_px`` square scene."""
    return size_px**2 * NAIVE_BYTES_PER_PX + BASE_BYTES


def available_memory_bytes() -> int:
    """Memory the kernel says new processes can use (``MemAvailable``), else physical memory."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def phase_naive(scene: Path) -> dict[str, Any]:
    """Like the notebook: whole scene in memory, one prediction over it, the impact model once per positive cell.

    The process's address space is capped at the memory available when it starts, so a scene too large for this
    machine ends in a MemoryError here rather than in the kernel's out-of-memory killer picking some process.
    """
    from core.imagery.raster import read_scene

    limit = available_memory_bytes()
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _disc, _imp, d, i = _models()
    started = time.perf_counter()
    data = read_scene(scene, d.card.bands)
    probs = np.asarray(d.model.predict(d.card.normalise(data.data, data.valid)[None], verbose=0))[0, ..., 1]
    rows, cols = np.nonzero(probs > d.card.threshold)
    kept = 0
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        r0, c0 = 27 * r + 90, 27 * c + 90
        patch = i.card.normalise(data.data[r0 : r0 + 21, c0 : c0 + 21])[None]
        kept += int(np.argmax(i.model.predict(patch, verbose=0)[0]) != 2)
    seconds = time.perf_counter() - started
    km2 = float(data.valid.sum()) * 100 / 1e6
    return {
        "seconds": seconds,
        "sites": _("{n} cells kept (no clustering)").format(n=kept),
        "km2": km2,
        "positive_cells": int(rows.size),
    }


def phase_fcn(scene: Path) -> dict[str, Any]:
    """The FCN alone over the scan's tiles (read beforehand, not timed), and this machine's matmul peak."""
    from core.imagery.raster import open_scene, scene_reader
    from models.speed import fcn_gflop, measure_peak_gflops

    _disc, _imp, d, _i = _models()
    info = open_scene(scene, d.card.bands)
    tiles = plan_tiles(info.height, info.width, ScanSettings().cells_per_tile)
    gflop, seconds = 0.0, 0.0
    with scene_reader(info) as reader:
        for tile in tiles:
            x, valid = reader.read(tile.rows.px0, tile.rows.px1, tile.cols.px0, tile.cols.px1)
            batch = d.card.normalise(x, valid)[None]
            if gflop == 0.0:
                d.predict(batch)  # warm-up trace
            started = time.perf_counter()
            d.predict(batch)
            seconds += time.perf_counter() - started
            gflop += fcn_gflop(d.model, *tile.shape_px)
    peak = measure_peak_gflops()
    return {
        "seconds": seconds,
        "gflop": gflop,
        "gflops": gflop / seconds,
        "peak_gflops": peak,
        "tiles": len(tiles),
        "km2": info.width * info.height * 100 / 1e6,
    }


def run_phase(phase: str, scene: Path) -> dict[str, Any]:
    """Run one phase in this process and add its peak memory."""
    runners: dict[str, Callable[[Path], dict[str, Any]]] = {
        "streamed": phase_streamed,
        "naive": phase_naive,
        "fcn": phase_fcn,
    }
    result = runners[phase](scene)
    return {**result, "phase": phase, "peak_rss_mb": peak_rss_mb()}


def run_benchmark(
    size_px: int, phases: tuple[str, ...] = PHASES, print_fn: Callable[[str], None] = print
) -> dict[str, Any]:
    """Build the scene, run every phase in its own process, print and return the numbers."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        print_fn(
            _("Building a {size} x {size} px synthetic 12-band scene ({area} km²)...").format(
                size=size_px, area=fmt(size_px**2 * 1e-4, ".0f")
            )
        )
        scene = make_bench_scene(Path(tmp), size_px)
        for phase in phases:
            if phase == "naive" and naive_memory_bytes(size_px) > available_memory_bytes():
                results[phase] = {"not_run": _naive_too_big(size_px)}
                print_fn(_("Not running the naive phase: {why}").format(why=results[phase]["not_run"]))
                continue
            print_fn(_("Running the {phase} phase...").format(phase=phase))
            results[phase] = _run_phase_process(phase, scene)
    print_fn(format_report(size_px, results))
    return results


def _naive_too_big(size_px: int) -> str:
    need, have = naive_memory_bytes(size_px) / 2**30, available_memory_bytes() / 2**30
    return _(
        "the whole-scene pipeline needs about {need} GiB (scene as float32 twice + the first convolution's output "
        "twice), this machine has {have} GiB available"
    ).format(need=fmt(need, ".1f"), have=fmt(have, ".1f"))


def _run_phase_process(phase: str, scene: Path) -> dict[str, Any]:
    """One phase in its own process; the naive one may time out or run out of memory, which is reported."""
    command = [sys.executable, "-m", "cli.scan_benchmark", phase, str(scene)]
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=NAIVE_TIMEOUT_S if phase == "naive" else None,
        )
    except subprocess.TimeoutExpired:
        return {
            "not_run": _("did not finish within {minutes} min and was stopped").format(minutes=NAIVE_TIMEOUT_S // 60)
        }
    if done.returncode != 0:
        out_of_memory = any(t in done.stderr for t in ("MemoryError", "ResourceExhaustedError", "OOM", "bad_alloc"))
        if phase == "naive" and out_of_memory:
            available = fmt(available_memory_bytes() / 2**30, ".1f")
            return {"not_run": _("ran out of memory ({available} GiB available)").format(available=available)}
        raise RuntimeError(f"benchmark phase {phase} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def format_report(size_px: int, results: dict[str, Any]) -> str:
    """The benchmark's numbers as a plain-text table."""
    lines = [_("MineScan benchmark: {size} x {size} px, {cells} output cells").format(
        size=size_px, cells=fmt(output_cells(size_px) ** 2, ","))]  # fmt: skip
    for phase in ("streamed", "naive"):
        if phase in results:
            r = results[phase]
            if "not_run" in r:
                lines.append(_("  {phase} full scan: not run: {why}").format(phase=f"{phase:9s}", why=r["not_run"]))
                continue
            rate = r["km2"] / r["seconds"]
            lines.append(
                _("  {phase} full scan: {seconds} s {rate} km²/s {per_10k} s per 10,000 km²  peak RSS {rss} MB  "
                  "sites {sites}").format(
                    phase=f"{phase:9s}", seconds=fmt(r["seconds"], "7.1f"), rate=fmt(rate, "7.1f"),
                    per_10k=fmt(1e4 / rate, "7.0f"), rss=fmt(r["peak_rss_mb"], "7.0f"), sites=r["sites"])
            )  # fmt: skip
    if all(p in results and "not_run" not in results[p] for p in ("streamed", "naive")):
        ratio = fmt(results["naive"]["seconds"] / results["streamed"]["seconds"], ".2f")
        lines.append(_("  streamed vs naive: {ratio}x faster").format(ratio=ratio))
    if "fcn" in results:
        f = results["fcn"]
        lines.append(
            _("  FCN alone: {gflop} GFLOP in {seconds} s = {gflops} GFLOP/s; float32 matmul peak {peak} GFLOP/s -> "
              "{share} of peak").format(
                gflop=fmt(f["gflop"], ".0f"), seconds=fmt(f["seconds"], ".1f"), gflops=fmt(f["gflops"], ".1f"),
                peak=fmt(f["peak_gflops"], ".1f"), share=fmt(f["gflops"] / f["peak_gflops"], ".0%"))
        )  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    print(json.dumps(run_phase(sys.argv[1], Path(sys.argv[2]))))
