"""What each kind of job runs, given its stored command line and the runner's reporter; each returns its result.

- ``train``: the ``train`` command (progress per epoch, cancel at the end of an epoch).
- ``scan``: the ``scan`` command on one scene or several (progress per tile, cancel after the current tile). The
  job notes each scan it starts and each scene it stores, so a resumed job skips the stored scenes and resumes the
  started scans from their tile checkpoints.
- ``region``: the ``region`` command: download the tiles not yet here, then scan them as above (store, match).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from contextlib import redirect_stdout
from functools import partial
from typing import TYPE_CHECKING, Any

from core.jobs.training import training_fits
from core.wording.translate import _, ngettext

if TYPE_CHECKING:
    from cli.jobs import JobReporter


def run_training(argv: tuple[str, ...], reporter: JobReporter) -> dict[str, Any]:
    """A training job: the ``train`` command line; its result names the new version."""
    from cli.main import build_parser
    from cli.training import train_command

    args = build_parser().parse_args(list(argv))
    reporter.tracker.fits = training_fits(args.folds)
    result = train_command(args, reporter)
    card = result.card
    return {"model": card.ref, "folder": str(result.folder), "threshold": card.threshold,
            "report": str(result.report_md)}  # fmt: skip


class _LogLines(io.TextIOBase):
    """What the command prints goes to the runner's output and, line by line, to the job's log (the one-line
    progress bars, redrawn with carriage returns, stay out of the log: the share done says the same)."""

    def __init__(self, reporter: JobReporter, out: io.TextIOBase | Any) -> None:
        self.reporter, self.out, self.partial = reporter, out, ""

    def write(self, text: str) -> int:
        self.out.write(text)
        self.partial += text
        *done, self.partial = self.partial.split("\n")
        self.reporter.lines.extend(line for line in done if line.strip() and "\r" not in line)
        return len(text)

    def flush(self) -> None:
        self.out.flush()


def run_scan(argv: tuple[str, ...], reporter: JobReporter) -> dict[str, Any]:
    """A scan job: the ``scan`` command line (with ``--db``); its result lists each scene's scan and sites."""
    from cli.main import build_parser

    return scan_in_job(build_parser().parse_args(list(argv)), reporter)


def scan_in_job(args: Any, reporter: JobReporter, share0: float = 0.0, span: float = 1.0) -> dict[str, Any]:
    """Run the ``scan`` command ``args`` for a job: notes each scan started and each scene stored (a resumed run
    skips the stored scenes and resumes the started scans from their tiles); progress from ``share0`` over
    ``span`` of the job."""
    from cli.common import store_path
    from cli.scan import ScanHooks, scan_command
    from db.scans import scan_record
    from db.store import Store

    store = Store(store_path(args))
    scans: dict[str, int] = {str(k): int(v) for k, v in reporter.noted.get("scans", {}).items()}
    stored: list[str] = list(reporter.noted.get("stored", []))
    # A run that died between storing a scene and noting it: the store says that scan has finished.
    for scene, scan_id in scans.items():
        if scene not in stored and store.read(partial(scan_record, scan_id=scan_id))["status"] == "finished":
            stored.append(scene)

    def started(scene: str, scan_id: int) -> None:
        scans[scene] = scan_id
        reporter.note(scans=dict(scans))

    def done(scene: str, scan_id: int, sites: int) -> None:
        stored.append(scene)
        reporter.note(stored=list(stored))
        reporter(
            ngettext("{scene}: stored as scan {scan_id}, {n} site(s)", "{scene}: stored as scan {scan_id}, {n} site(s)",
                     sites).format(scene=scene, scan_id=scan_id, n=sites)
        )  # fmt: skip

    def tiles(number: int, scenes: int, done_tiles: int, total: int) -> None:
        share = ((number - 1) + done_tiles / max(total, 1)) / max(scenes, 1)
        line = _("scene {number}/{scenes}: tile {done}/{total}").format(
            number=number, scenes=scenes, done=done_tiles, total=total
        )
        reporter.progress(share0 + span * share, line)

    hooks = ScanHooks(
        progress=tiles, started=started, stored=done, cluster=lambda line: reporter.note(cluster=line),
        resume={s: i for s, i in scans.items() if s not in stored}, skip=set(stored),
    )  # fmt: skip
    with redirect_stdout(_LogLines(reporter, sys.stdout)):
        results = scan_command(args, hooks)
    sites = sum(len(r.sites) for r in results)
    return {"scans": scans, "stored": stored, "sites": sites, "out": str(args.out),
            "summary": _("{scenes} scene(s) stored, {sites} site(s) found in this run").format(
                scenes=len(stored), sites=sites)}  # fmt: skip


def run_region(argv: tuple[str, ...], reporter: JobReporter) -> dict[str, Any]:
    """A region job: download the region's missing tiles, then scan, store and match them all."""
    from cli.main import build_parser
    from cli.region import region_work

    return region_work(build_parser().parse_args(list(argv)), reporter)


#: What each kind of job runs.
KINDS: dict[str, Callable[[tuple[str, ...], JobReporter], dict[str, Any]]] = {
    "train": run_training,
    "scan": run_scan,
    "region": run_region,
}
