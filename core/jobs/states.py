"""A job's states and what a person is shown: a runner that stopped beating its heart is *interrupted*."""

from __future__ import annotations

from core.errors import MineScanError
from core.wording.translate import N_

#: States stored in the ``job`` table.
STORED_STATES = ("queued", "running", "done", "failed", "cancelled")
#: States in which a job still holds its subject (no second job on the same subject).
ACTIVE_STATES = ("queued", "running")
#: How often a runner writes its heartbeat, and how long a silent runner counts as alive.
HEARTBEAT_S = 5.0
STALE_AFTER_S = 60.0


class JobError(MineScanError):
    """A job that cannot be started, cancelled or run."""

    title = N_("This job can't go ahead")


class JobCancelled(Exception):
    """Raised inside a runner when a person asked to cancel: the work stops at its next checkpoint."""


def shown_state(state: str, silent_s: float | None, runner_alive: bool | None = None) -> str:
    """The state a person sees: ``interrupted`` for a queued or running job whose runner has been silent (no
    heartbeat, or never started) for longer than :data:`STALE_AFTER_S`, or a running job whose runner process is
    known to be gone (``runner_alive`` False); otherwise the stored state."""
    if state in ACTIVE_STATES and silent_s is not None and silent_s > STALE_AFTER_S:
        return "interrupted"
    if state == "running" and runner_alive is False:
        return "interrupted"
    return state


#: Separates the parts of a subject: a job on several scenes holds each one.
SUBJECT_SEP = "|"


def subject_of(parts: list[str] | tuple[str, ...]) -> str:
    """One subject string holding every part (sorted, without repeats)."""
    return SUBJECT_SEP.join(sorted(set(parts)))


def shared_parts(a: str, b: str) -> set[str]:
    """The parts two subjects share: two jobs sharing one would do the same work twice."""
    return set(a.split(SUBJECT_SEP)) & set(b.split(SUBJECT_SEP))
