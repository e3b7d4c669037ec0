"""A job's states and what a person is shown: a runner that stopped beating its heart is *interrupted*."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import MineScanError

#: States stored in the ``job`` table.
STORED_STATES = ("queued", "running", "done", "failed", "cancelled")
#: States in which a job still holds its subject (no second job on the same subject).
ACTIVE_STATES = ("queued", "running")
#: How often a runner writes its heartbeat, and how long a silent runner counts as alive.
HEARTBEAT_S = 5.0
STALE_AFTER_S = 60.0


class JobError(MineScanError):
    """A job that cannot be started, cancelled or run."""

    title = "This job can't go ahead"


class JobCancelled(Exception):
    """Raised inside a runner when a person asked to cancel: the work stops at its next checkpoint."""


def shown_state(state: str, silent_s: float | None) -> str:
    """The state a person sees: ``interrupted`` for a queued or running job whose runner has been silent (no
    heartbeat, or never started) for longer than :data:`STALE_AFTER_S`; otherwise the stored state."""
    if state in ACTIVE_STATES and silent_s is not None and silent_s > STALE_AFTER_S:
        return "interrupted"
    return state


def holds_subject(state: str, silent_s: float | None) -> bool:
    """True when a job still blocks its subject: queued or running and not interrupted."""
    return shown_state(state, silent_s) in ACTIVE_STATES


class EpochDone(str):
    """A progress line for a finished epoch that also carries its numbers (a runner turns them into a share done)."""

    label: str
    epoch: int
    epochs: int

    def __new__(cls, text: str, label: str, epoch: int, epochs: int) -> EpochDone:  # noqa: D102
        line = super().__new__(cls, text)
        line.label, line.epoch, line.epochs = label, epoch, epochs
        return line


@dataclass
class TrainingProgress:
    """A training's share done, from the epochs each fit reports: ``fits`` = cross-validation folds + the final
    model. Each new fit label (``fold 2/5``, ``final model``) starts the next fit."""

    fits: int
    labels: tuple[str, ...] = ()

    def epoch_done(self, label: str, epoch: int, epochs: int) -> float:
        """Record epoch ``epoch`` (1-based) of ``epochs`` of fit ``label``; return the share done, 0..1."""
        if label not in self.labels:
            self.labels = (*self.labels, label)
        fit = self.labels.index(label)
        return min(1.0, (fit + epoch / max(epochs, 1)) / max(self.fits, len(self.labels), 1))


def training_fits(folds: int) -> int:
    """How many networks a training fits: one per fold when cross-validating (``folds`` >= 2), then the final one."""
    return (folds if folds >= 2 else 0) + 1


def training_subject(model_name: str) -> str:
    """The subject a training job holds: one training per model at a time."""
    return f"train:{model_name}"


def training_argv(model_name: str, training_set_id: int, *, fine_tune: str | None, profile: str, epochs: int,
                  folds: int, store: str) -> list[str]:  # fmt: skip
    """The ``train`` command line a training job runs: fine-tuning ``fine_tune`` (``name@version``) or from scratch
    with the bands of ``profile``; the same command a person can type."""
    argv = ["train", "--kind", "discovery", "--from-training-set", str(training_set_id), "--name", model_name]
    argv += ["--fine-tune", fine_tune] if fine_tune else ["--profile", profile]
    return [*argv, "--epochs", str(epochs), "--folds", str(folds), "--db", store]
