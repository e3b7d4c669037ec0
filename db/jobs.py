"""Jobs: long work run by a runner process outside the page script, its state, progress, heartbeat and log.

The page (or a command) creates a job; only its runner writes its progress. Each write is its own short
transaction, so the app and the runner share the file (see ``db/store.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from core.access.users import Identity
from core.jobs.states import ACTIVE_STATES, JobError, shared_parts, shown_state
from core.settings import ROOT
from core.wording.translate import _
from db.connection import returned_id, transaction

#: The newest log lines kept with a job (older ones are dropped from the store, the count is kept).
LOG_LINES = 400


@dataclass(frozen=True)
class Job:
    """One job as a person sees it (``state`` is the shown state: ``interrupted`` when its runner went silent)."""

    id: int
    kind: str
    subject: str
    title: str
    owner: str
    role: str
    argv: tuple[str, ...]
    state: str
    stored_state: str
    progress: float
    message: str | None
    log: str
    result: dict[str, Any] | None
    pid: int | None
    cancel_requested: bool
    created_at: Any
    started_at: Any
    heartbeat_at: Any
    finished_at: Any
    silent_s: float

    @property
    def active(self) -> bool:
        """Queued or running, with a live runner."""
        return self.state in ACTIVE_STATES


#: Runner processes this process started, kept so that finished ones are reaped (no zombies left behind).
_launched: list[subprocess.Popen[bytes]] = []


def _reap() -> None:
    _launched[:] = [p for p in _launched if p.poll() is None]


def process_alive(pid: int | None) -> bool | None:
    """Whether runner process ``pid`` of this machine still runs (None: not known, no pid yet). A zombie (ended,
    not yet reaped) counts as gone."""
    if pid is None:
        return None
    _reap()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True  # no /proc here: the signal answered, so it runs


def _job(row: Sequence[Any]) -> Job:
    (id_, kind, subject, title, owner, role, argv, state, progress, message, log, result, pid, cancel, created,
     started, heartbeat, finished, silent) = row  # fmt: skip
    silent_s = float(silent or 0.0)
    alive = process_alive(int(pid)) if pid is not None and str(state) == "running" else None
    return Job(
        int(id_), str(kind), str(subject), str(title), str(owner), str(role), tuple(json.loads(argv)),
        shown_state(str(state), silent_s, alive), str(state), float(progress), message, str(log),
        json.loads(result) if result else None, int(pid) if pid is not None else None, bool(cancel),
        created, started, heartbeat, finished, silent_s,
    )  # fmt: skip


def create_job(con: duckdb.DuckDBPyConnection, identity: Identity, kind: str, subject: str, title: str,
               argv: Sequence[str]) -> int:  # fmt: skip
    """Queue a job for ``identity``; return its id.

    Raises:
        JobError: another job still holds ``subject`` (one training per model at a time).
    """
    with transaction(con):
        _refuse_overlap(con, subject)
        row = con.execute(
            """INSERT INTO job (kind, subject, title, owner, role, argv_json, state)
               VALUES ($kind, $subject, $title, $owner, $role, $argv, 'queued') RETURNING id""",
            {"kind": kind, "subject": subject, "title": title, "owner": identity.username, "role": identity.role,
             "argv": json.dumps(list(argv))},
        ).fetchone()  # fmt: skip
    return returned_id(row)


def _refuse_overlap(con: duckdb.DuckDBPyConnection, subject: str, except_id: int | None = None) -> None:
    """Refuse a job whose subject shares a part (a model, a scene) with a job still at work."""
    for found in con.execute("SELECT * FROM job_view WHERE state IN ('queued', 'running')").fetchall():
        other = _job(found)
        shared = shared_parts(subject, other.subject)
        if other.id != except_id and shared and other.state in ACTIVE_STATES:
            what = ", ".join(sorted(p.split(":", 1)[-1] for p in shared))
            message = _(
                "{title} (job {job_id}, started by {owner}) is still {state} on {what}: one job at a time does that "
                "work. Wait for it to finish or cancel it."
            )
            raise JobError(
                message.format(title=other.title, job_id=other.id, owner=other.owner, state=other.state, what=what)
            )


def get_job(con: duckdb.DuckDBPyConnection, job_id: int) -> Job:
    """One job.

    Raises:
        JobError: there is no such job.
    """
    row = con.execute("SELECT * FROM job_view WHERE id = $id", {"id": job_id}).fetchone()
    if row is None:
        raise JobError(_("there is no job {job_id} in this store").format(job_id=job_id))
    return _job(row)


def list_jobs(con: duckdb.DuckDBPyConnection, *, owner: str | None = None, subject: str | None = None,
              limit: int = 20) -> list[Job]:  # fmt: skip
    """The newest jobs (of one owner, of one subject, or all), newest first."""
    rows = con.execute(
        """SELECT * FROM job_view
            WHERE ($owner IS NULL OR owner = $owner) AND ($subject IS NULL OR subject = $subject)
            ORDER BY id DESC LIMIT $limit""",
        {"owner": owner, "subject": subject, "limit": limit},
    ).fetchall()
    return [_job(r) for r in rows]


def claim_job(con: duckdb.DuckDBPyConnection, job_id: int, pid: int) -> Job:
    """The runner takes a queued job (or resumes an interrupted one): running, with its pid and a heartbeat.

    Raises:
        JobError: the job is finished, cancelled, or running under a live runner.
    """
    with transaction(con):
        job = get_job(con, job_id)
        if job.stored_state not in ACTIVE_STATES:
            raise JobError(_("job {job_id} is {state}: nothing to run").format(job_id=job_id, state=job.state))
        if job.stored_state == "running" and job.state != "interrupted":
            raise JobError(_("job {job_id} is already running (process {pid})").format(job_id=job_id, pid=job.pid))
        if job.cancel_requested:
            _end(con, job_id, "cancelled", "cancelled before it started")
            raise JobError(_("job {job_id} was cancelled before it started").format(job_id=job_id))
        con.execute(
            """UPDATE job SET state = 'running', pid = $pid, started_at = coalesce(started_at, current_timestamp),
               heartbeat_at = current_timestamp WHERE id = $id""",
            {"id": job_id, "pid": pid},
        )
    return get_job(con, job_id)


def beat(con: duckdb.DuckDBPyConnection, job_id: int) -> bool:
    """The runner's heartbeat; returns True when someone asked to cancel the job."""
    row = con.execute(
        "UPDATE job SET heartbeat_at = current_timestamp WHERE id = $id RETURNING cancel_requested", {"id": job_id}
    ).fetchone()
    return bool(row and row[0])


def report(con: duckdb.DuckDBPyConnection, job_id: int, lines: Sequence[str], progress: float | None) -> bool:
    """Append log lines (the newest :data:`LOG_LINES` are kept) and the share done; True when cancel was asked."""
    with transaction(con):
        row = con.execute("SELECT log, progress FROM job WHERE id = $id", {"id": job_id}).fetchone()
        if row is None:
            raise JobError(_("there is no job {job_id} in this store").format(job_id=job_id))
        log = (str(row[0]) + "".join(f"{line}\n" for line in lines)).splitlines()[-LOG_LINES:]
        done = float(row[1]) if progress is None else max(0.0, min(1.0, progress))
        got = con.execute(
            """UPDATE job SET log = $log, progress = $progress, message = coalesce($message, message),
               heartbeat_at = current_timestamp WHERE id = $id RETURNING cancel_requested""",
            {"id": job_id, "log": "\n".join(log) + "\n", "progress": done, "message": lines[-1] if lines else None},
        ).fetchone()
    return bool(got and got[0])


def note_progress(con: duckdb.DuckDBPyConnection, job_id: int, noted: dict[str, Any]) -> None:
    """Keep what a running job has done so far (its result while it runs): a resumed run starts from it."""
    con.execute("UPDATE job SET result_json = $r, heartbeat_at = current_timestamp WHERE id = $id",
                {"id": job_id, "r": json.dumps(noted)})  # fmt: skip


def _end(con: duckdb.DuckDBPyConnection, job_id: int, state: str, message: str,
         result: dict[str, Any] | None = None) -> None:  # fmt: skip
    con.execute(
        """UPDATE job SET state = $state, message = $message, result_json = $result,
           progress = CASE WHEN $state = 'done' THEN 1.0 ELSE progress END,
           finished_at = current_timestamp, heartbeat_at = current_timestamp WHERE id = $id""",
        {"id": job_id, "state": state, "message": message, "result": json.dumps(result) if result else None},
    )


def finish_job(con: duckdb.DuckDBPyConnection, job_id: int, state: str, message: str,
               result: dict[str, Any] | None = None) -> None:  # fmt: skip
    """The runner's last word: ``done`` (with its result), ``failed`` or ``cancelled``, with a message."""
    if state not in ("done", "failed", "cancelled"):
        raise JobError(_("a job ends done, failed or cancelled, not {state!r}").format(state=state))
    with transaction(con):
        _end(con, job_id, state, message, result)


def request_cancel(con: duckdb.DuckDBPyConnection, identity: Identity, job_id: int) -> Job:
    """Ask a job to stop (its owner or a supervisor). A queued or interrupted job ends at once as cancelled; a
    running one stops at its next checkpoint (a training at the end of its current epoch).

    Raises:
        JobError: no such job, it has ended, or someone else's job and not a supervisor.
    """
    with transaction(con):
        job = get_job(con, job_id)
        if identity.username != job.owner and identity.role != "supervisor":
            message = _("job {job_id} belongs to {owner}: only they or a supervisor can cancel it")
            raise JobError(message.format(job_id=job_id, owner=job.owner))
        if job.stored_state not in ACTIVE_STATES:
            raise JobError(_("job {job_id} has already ended ({state})").format(job_id=job_id, state=job.state))
        con.execute("UPDATE job SET cancel_requested = true WHERE id = $id", {"id": job_id})
        if job.state == "interrupted" or job.stored_state == "queued":
            _end(con, job_id, "cancelled", f"cancelled by {identity.username}")
    return get_job(con, job_id)


def resume_job(con: duckdb.DuckDBPyConnection, identity: Identity, job_id: int) -> Job:
    """Queue an interrupted job again (its owner or a supervisor); its runner then does only the missing work.

    Raises:
        JobError: no such job, not interrupted, someone else's, or another job now does the same work.
    """
    with transaction(con):
        job = get_job(con, job_id)
        if identity.username != job.owner and identity.role != "supervisor":
            message = _("job {job_id} belongs to {owner}: only they or a supervisor can resume it")
            raise JobError(message.format(job_id=job_id, owner=job.owner))
        if job.state != "interrupted":
            message = _("job {job_id} is {state}: only an interrupted job can be resumed")
            raise JobError(message.format(job_id=job_id, state=job.state))
        _refuse_overlap(con, job.subject, except_id=job_id)
        con.execute(
            """UPDATE job SET state = 'queued', pid = NULL, heartbeat_at = current_timestamp,
               message = $message WHERE id = $id""",
            {"id": job_id, "message": f"resumed by {identity.username}"},
        )
    return get_job(con, job_id)


def launch_runner(job_id: int, store_path: Path, log_dir: Path) -> int:
    """Start the runner process of a queued job (``python -m cli jobs run ID --db PATH``), detached from the caller
    so that leaving the page or closing the terminal does not stop it; its output goes to
    ``log_dir/job-<id>.log``. Returns the process id."""
    log_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
    }
    with open(log_dir / f"job-{job_id}.log", "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "jobs", "run", str(job_id), "--db", str(store_path)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    _reap()
    _launched.append(process)
    return process.pid
