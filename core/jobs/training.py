"""What a training job needs: its progress lines per epoch, its share done, its subject and its command line."""

from __future__ import annotations

from dataclasses import dataclass


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
