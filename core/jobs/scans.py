"""What a scan job is: the scenes it holds (no second job on the same scene), its title and its command line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from core import wording
from core.jobs.states import subject_of
from core.wording.translate import _, ngettext


def scan_subject(scenes: Sequence[Path | str]) -> str:
    """The subject of a scan job: every scene it scans (by absolute path), so two jobs never scan one scene."""
    return subject_of([f"scan:{Path(s).resolve()}" for s in scenes])


def scan_title(scenes: Sequence[Path | str], workers: int | None, scheduler: str | None) -> str:
    """A line that says what the job scans and where (in the current language)."""
    names = ", ".join(Path(s).name for s in scenes[:3])
    if len(scenes) > 3:
        names = _("{names} and {n} more").format(names=names, n=wording.number(len(scenes) - 3))
    if scheduler:
        where = _("on {scheduler}").format(scheduler=scheduler)
    elif workers:
        where = ngettext("on {n} local worker(s)", "on {n} local worker(s)", workers).format(n=wording.number(workers))
    else:
        where = _("in one process")
    return _("scan {names} {where}").format(names=names, where=where)


def scan_argv(scenes: Sequence[Path | str], out_dir: Path, store: str, *, model: str, impact_model: str,
              workers: int | None = None, scheduler: str | None = None, threshold: float | None = None,
              now: datetime | None = None, period: str | None = None) -> list[str]:  # fmt: skip
    """The ``scan`` command line a scan job runs: the same command a person can type. Sites go to a new file (one
    scene) or folder (several) under ``out_dir``, named by the time the job was made."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S")
    paths = [str(Path(s).resolve()) for s in scenes]
    out = out_dir / (f"{Path(paths[0]).stem}-{stamp}.geojson" if len(paths) == 1 else f"scan-{stamp}")
    argv = ["scan", *paths, "--out", str(out), "--db", store, "--model", model, "--impact-model", impact_model]
    if threshold is not None:
        argv += ["--threshold", f"{threshold:g}"]
    if period:
        argv += ["--period", period]
    return argv + cluster_argv(workers, scheduler)


def cluster_argv(workers: int | None, scheduler: str | None) -> list[str]:
    """Where a job's tiles run, as options: an existing scheduler wins over local workers; neither, in-process."""
    if scheduler:
        return ["--scheduler", scheduler]
    return ["--workers", str(workers)] if workers else []
