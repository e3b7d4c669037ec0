"""What a region job is: a region through download, scan, store and register matching, as one command line."""

from __future__ import annotations

from pathlib import Path

from core.imagery.earth_engine.recipe import CompositeRecipe
from core.jobs.scans import cluster_argv


def region_argv(region: str, recipe: CompositeRecipe, folder: Path, store: str, *, model: str, impact_model: str,
                by: str, workers: int | None = None, scheduler: str | None = None,
                side_m: float | None = None) -> list[str]:  # fmt: skip
    """The ``region`` command line of a region job (the same command a person can type): the region (bounds or a
    file), the composite's dates, cloud limit and mask, where its tiles are kept, the models and the workers."""
    argv = ["region", region, "--start", recipe.start.isoformat(), "--end", recipe.end.isoformat(),
            "--max-cloud", f"{recipe.max_cloud_percent:g}", "--mask", recipe.mask, "--folder", str(folder),
            "--model", model, "--impact-model", impact_model, "--by", by, "--db", store]  # fmt: skip
    if side_m:
        argv += ["--side-m", f"{side_m:g}"]
    return argv + cluster_argv(workers, scheduler)
