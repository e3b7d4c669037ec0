"""What a region job is: a region through download, scan, store and register matching, as one command line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.imagery.earth_engine.recipe import CompositeRecipe
from core.imagery.periods import Period
from core.jobs.scans import cluster_argv


def region_argv(region: str, recipe: CompositeRecipe, folder: Path, store: str, *, model: str, impact_model: str,
                by: str, workers: int | None = None, scheduler: str | None = None,
                side_m: float | None = None, periods: Sequence[Period] = ()) -> list[str]:  # fmt: skip
    """The ``region`` command line of a region job (the same command a person can type): the region (bounds or a
    file), the composite's dates (or, with several ``periods``, the periods: one composite each), cloud limit and
    mask, where its tiles are kept, the models and the workers."""
    when = ["--periods", ",".join(p.label for p in periods)] if len(periods) > 1 else [
        "--start", recipe.start.isoformat(), "--end", recipe.end.isoformat()]  # fmt: skip
    argv = ["region", region, *when, "--max-cloud", f"{recipe.max_cloud_percent:g}", "--mask", recipe.mask,
            "--folder", str(folder), "--model", model, "--impact-model", impact_model, "--by", by,
            "--db", store]  # fmt: skip
    if side_m:
        argv += ["--side-m", f"{side_m:g}"]
    return argv + cluster_argv(workers, scheduler)
