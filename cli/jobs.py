"""``jobs``: start, run, list, cancel and resume long work recorded in the store (trainings, scans).

``jobs run ID`` is the runner: it claims the job, beats its heart every few seconds, writes its log and share done,
and stops at its next checkpoint (a training's epoch, a scan's tile) when someone cancels. The pages, ``jobs train``
and ``jobs scan`` start it as a detached process. What each kind runs is in :mod:`cli.job_kinds`.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from cli.cluster import add_cluster_options
from cli.common import AUTO_IMPACT, add_store_option, fmt, impact_model_ref, open_store, say, store_path
from core import settings
from core.errors import MineScanError
from core.jobs.states import HEARTBEAT_S, JobCancelled, JobError
from core.jobs.training import TrainingProgress, training_argv, training_subject
from core.wording.translate import _
from db.store import Store

#: A flush of the log at most this often (an epoch always flushes).
FLUSH_S = 2.0


class JobReporter:
    """The progress callback of a job's work: buffers log lines, turns epochs into a share done, writes both to
    the store, and raises :class:`JobCancelled` at the next line once a cancel was asked."""

    def __init__(self, store: Store, job_id: int, fits: int, noted: dict[str, Any] | None = None) -> None:
        self.store, self.job_id = store, job_id
        self.tracker = TrainingProgress(fits)
        self.lines: list[str] = []
        self.share: float | None = None
        self.last = 0.0
        self.cancel = threading.Event()
        #: What the work noted so far (kept in the store: a resumed run reads what an earlier one did).
        self.noted: dict[str, Any] = dict(noted or {})

    def __call__(self, line: str) -> None:
        say(line)
        self.lines.append(str(line))
        epoch = getattr(line, "epoch", None)
        if epoch is not None:
            self.share = self.tracker.epoch_done(
                str(getattr(line, "label", "")), int(epoch), int(getattr(line, "epochs", 1))
            )
        if epoch is not None or time.monotonic() - self.last > FLUSH_S:
            self.flush()
        if self.cancel.is_set():
            raise JobCancelled()

    def progress(self, share: float, line: str) -> None:
        """A share done (0..1) with the line that says so (a scan's tile), written at once; raises
        :class:`JobCancelled` when a cancel was asked."""
        self.share = share
        self.lines.append(line)
        self.flush()  # a tile takes seconds: each one is written, and a cancel is seen at the next tile
        if self.cancel.is_set():
            raise JobCancelled()

    def note(self, **values: Any) -> None:
        """Record, at once, what a resumed run must know (which scans the job started, which are stored)."""
        from db.jobs import note_progress

        self.noted.update(values)
        noted = dict(self.noted)
        self.store.write(lambda con: note_progress(con, self.job_id, noted))

    def flush(self) -> None:
        """Write the buffered lines and the share done."""
        from db.jobs import report

        lines, self.lines, share = self.lines, [], self.share
        if self.store.write(lambda con: report(con, self.job_id, lines, share)):
            self.cancel.set()
        self.last = time.monotonic()


def _heartbeat(store: Store, job_id: int, cancel: threading.Event, stop: threading.Event) -> None:
    from db.jobs import beat

    while not stop.wait(HEARTBEAT_S):
        try:
            if store.write(lambda con: beat(con, job_id)):
                cancel.set()
        except MineScanError:
            pass  # the store was busy for a while: the next beat tries again


def run_job(store: Store, job_id: int) -> int:
    """Claim job ``job_id`` and do its work here; its state, log and result go to the store. Returns 0 when done."""
    from cli.job_kinds import KINDS
    from db.jobs import claim_job, finish_job

    job = store.write(lambda con: claim_job(con, job_id, os.getpid()))
    work = KINDS.get(job.kind)
    if work is None:
        unknown = _("unknown job kind {kind!r}").format(kind=job.kind)
        store.write(lambda con: finish_job(con, job_id, "failed", unknown))
        raise JobError(_("job {job_id} is of an unknown kind {kind!r}").format(job_id=job_id, kind=job.kind))
    reporter = JobReporter(store, job_id, fits=1, noted=job.result)
    stop = threading.Event()
    beating = threading.Thread(target=_heartbeat, args=(store, job_id, reporter.cancel, stop), daemon=True)
    beating.start()
    state, message, result = "failed", "", None
    try:
        started = (
            _("job {job_id} ({title}) started by {owner} (resumed: only the missing work is done): {argv}")
            if job.result
            else _("job {job_id} ({title}) started by {owner}: {argv}")
        )
        reporter(started.format(job_id=job_id, title=job.title, owner=job.owner, argv=" ".join(job.argv)))
        result = work(job.argv, reporter)
        summary = result.get("summary", result.get("model", ""))
        state, message = "done", _("done: {summary}").format(summary=summary).strip()
    except JobCancelled:
        state = "cancelled"
        message = (
            _("cancelled on request; nothing was saved")
            if job.kind == "train"
            else _(
                "cancelled on request: the sites of scenes already stored are kept; the scan in progress stored none"
            )
        )
    except MineScanError as err:
        message = _("{title}. {message}").format(title=_(err.title), message=err)
    except Exception as err:  # noqa: BLE001 - a runner records every failure instead of dying silently
        reporter.lines.append(traceback.format_exc())
        message = _("failed: {error_type}: {error}").format(error_type=type(err).__name__, error=err)
    finally:
        stop.set()
        beating.join(timeout=HEARTBEAT_S + 1)
    reporter.lines.append(message)
    reporter.flush()
    final = {**reporter.noted, **(result or {})} or None
    store.write(lambda con: finish_job(con, job_id, state, message, final))
    say(message)
    return 0 if state == "done" else 1


def cmd_run(args: argparse.Namespace) -> int:
    """``jobs run ID``: be the job's runner."""
    return run_job(Store(store_path(args)), args.job)


def cmd_train(args: argparse.Namespace) -> int:
    """``jobs train``: queue a training of ``--model`` on a training set and start its runner in the background."""
    from cli.learning import operator
    from core.access.users import require
    from core.model_card import parse_ref, resolve_model
    from db.jobs import create_job
    from db.promotions import promoted_versions

    who = require(operator(args.by), "train_model")
    store = open_store(args)
    fine_tune = None
    if not args.scratch:
        promoted = store.read(promoted_versions)
        folder = resolve_model(args.model, settings.model_roots(), promoted)
        from core.model_card import ModelCard

        fine_tune = ModelCard.load(folder).ref
    name = parse_ref(args.model)[0]
    argv = training_argv(name, args.training_set, fine_tune=fine_tune, profile=args.profile, epochs=args.epochs,
                         folds=args.folds, store=str(store.path))  # fmt: skip
    title = (
        _("train {model} from {parent} on set {set_id}").format(model=name, parent=fine_tune, set_id=args.training_set)
        if fine_tune
        else _("train {model} from scratch on set {set_id}").format(model=name, set_id=args.training_set)
    )
    job_id = store.write(lambda con: create_job(con, who, "train", training_subject(name), title, argv))
    return start_job(store, job_id, title, args.wait)


def pinned_model(ref: str, store: Store) -> str:
    """``ref`` as the exact ``name@version`` it means now (its promoted version), so a resumed job uses the same."""
    from core.model_card import ModelCard, resolve_model
    from db.promotions import promoted_versions

    return ModelCard.load(resolve_model(ref, settings.model_roots(), store.read(promoted_versions))).ref


def cmd_scan(args: argparse.Namespace) -> int:
    """``jobs scan``: queue a scan of one scene or several and start its runner in the background."""
    from cli.learning import operator
    from core.access.users import require
    from core.imagery.raster import open_scene
    from core.jobs.scans import scan_argv, scan_subject, scan_title
    from core.model_card import ModelCard, resolve_model
    from db.jobs import create_job

    who = require(operator(args.by), "scan")
    store = open_store(args)
    model = pinned_model(args.model, store)
    from db.promotions import promoted_versions

    chosen = impact_model_ref(model, args.impact_model, store.read(promoted_versions))
    impact = "none" if chosen is None else pinned_model(chosen, store)
    bands = ModelCard.load(resolve_model(model, settings.model_roots())).bands
    for scene in args.scene:
        open_scene(scene, bands)  # refuse a missing or unreadable scene now, not in the background
    argv = scan_argv(args.scene, settings.jobs_dir() / "sites", str(store.path), model=model, impact_model=impact,
                     workers=args.workers, scheduler=args.scheduler)  # fmt: skip
    title = scan_title(args.scene, args.workers, args.scheduler)
    job_id = store.write(lambda con: create_job(con, who, "scan", scan_subject(args.scene), title, argv))
    return start_job(store, job_id, title, args.wait)


def start_job(store: Store, job_id: int, title: str, wait: bool) -> int:
    """Start a queued job's runner in the background, or be its runner here (``wait``)."""
    from db.jobs import launch_runner

    if wait:
        return run_job(store, job_id)
    pid = launch_runner(job_id, Path(store.path), settings.jobs_dir())
    print(
        _(
            "Job {job_id} started (process {pid}): {title}. Follow it with 'jobs list' or in the app's Jobs panel."
        ).format(job_id=job_id, pid=pid, title=title)
    )
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    """``jobs resume ID``: run an interrupted job again; it does only the work still missing."""
    from cli.learning import operator
    from db.jobs import resume_job

    who = operator(args.by)
    job = open_store(args).write(lambda con: resume_job(con, who, args.job))
    return start_job(open_store(args), job.id, job.title, args.wait)


def cmd_list(args: argparse.Namespace) -> int:
    """``jobs list``: the newest jobs with state and share done."""
    from db.jobs import list_jobs

    jobs = open_store(args).read(lambda con: list_jobs(con, owner=args.owner, limit=args.limit))
    if not jobs:
        print(_("No jobs yet."))
    for j in jobs:
        print(f"  {j.id:>4}  {j.state:<11} {fmt(j.progress, '>4.0%')}  {j.owner:<12} {j.title}  {j.message or ''}")
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    """``jobs cancel ID``: ask a job to stop."""
    from cli.learning import operator
    from db.jobs import request_cancel

    who = operator(args.by)
    job = open_store(args).write(lambda con: request_cancel(con, who, args.job))
    if job.state == "cancelled":
        print(_("Job {job_id} is {state}").format(job_id=job.id, state=job.state))
        return 0
    later = _("its next epoch") if job.kind == "train" else _("its next checkpoint (the tile in progress)")
    print(_("Job {job_id} is {state}: it stops at {later}").format(job_id=job.id, state=job.state, later=later))
    return 0


def add_parsers(sub: Any) -> None:
    """``jobs run|train|scan|resume|list|cancel``."""
    p = sub.add_parser("jobs", help=_("long work outside the page: trainings and scans run as background jobs"))
    jobs = p.add_subparsers(dest="jobs_command", required=True)
    q = jobs.add_parser("run", help=_("run a queued job here (the page and 'jobs train' start this for you)"))
    q.add_argument("job", type=int)
    add_store_option(q)
    q.set_defaults(func=cmd_run)
    q = jobs.add_parser("train", help=_("train a new version of a model on a training set, in the background"))
    q.add_argument("--model", required=True, help=_("name (fine-tunes its promoted version) or name@version"))
    q.add_argument("--training-set", type=int, required=True, metavar="ID")
    q.add_argument("--scratch", action="store_true", help=_("train from scratch instead of fine-tuning"))
    q.add_argument("--profile", default="s2_12", help=_("with --scratch: band profile (s2_12 or rgb)"))
    q.add_argument("--epochs", type=int, default=10)
    q.add_argument("--folds", type=int, default=0, help=_("cross-validation folds (0 = none; default 0)"))
    q.add_argument("--by", required=True, help=_("the supervisor starting it"))
    q.add_argument("--wait", action="store_true", help=_("run it in this process instead of the background"))
    add_store_option(q)
    q.set_defaults(func=cmd_train)
    q = jobs.add_parser("scan", help=_("scan scenes in the background (on Dask workers with --workers/--scheduler)"))
    q.add_argument("scene", nargs="+", help=_("GeoTIFF scene(s)"))
    q.add_argument(
        "--model", default=settings.DEFAULT_DISCOVERY_MODEL, help=_("discovery model (pinned to its version)")
    )
    q.add_argument(
        "--impact-model",
        default=AUTO_IMPACT,
        help=_("impact model, 'none', or 'auto' (the default one when it fits the discovery model)"),
    )
    add_cluster_options(q)
    q.add_argument("--by", required=True, help=_("the reviewer or supervisor starting it"))
    q.add_argument("--wait", action="store_true", help=_("run it in this process instead of the background"))
    add_store_option(q)
    q.set_defaults(func=cmd_scan)
    q = jobs.add_parser("resume", help=_("run an interrupted job again: only the missing work is done"))
    q.add_argument("job", type=int)
    q.add_argument("--by", required=True, help=_("its owner or a supervisor"))
    q.add_argument("--wait", action="store_true", help=_("run it in this process instead of the background"))
    add_store_option(q)
    q.set_defaults(func=cmd_resume)
    q = jobs.add_parser("list", help=_("the newest jobs"))
    q.add_argument("--owner", help=_("only this person's"))
    q.add_argument("--limit", type=int, default=20)
    add_store_option(q)
    q.set_defaults(func=cmd_list)
    q = jobs.add_parser("cancel", help=_("ask a job to stop"))
    q.add_argument("job", type=int)
    q.add_argument("--by", required=True, help=_("its owner or a supervisor"))
    add_store_option(q)
    q.set_defaults(func=cmd_cancel)
