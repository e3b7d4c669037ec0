"""Training data as labelled patches: a folder with one subfolder per class, or patches cut from scenes + masks.

One label per patch; a discovery patch of 201 px gives the FCN a 1 x 1 output grid. Fold scores are the argmax of
the softmax: precision, recall and F1 of the class 'mine' for discovery, macro averages for impact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keras
import numpy as np

from core.errors import TrainingDataError
from core.training.card_metrics import CrossValidation, SiteScores
from core.training.metrics import accuracy, confusion_matrix, f1_score, macro_f1, precision, recall
from core.training.patch_stats import band_statistics
from core.training.patches import PatchSet, cut_patches_from_scenes, load_patch_folder
from core.wording.translate import N_, _
from models.datasets import PatchBatches
from models.trainer import Fitted, Progress, build_model, fit_network, parent_statistics

if TYPE_CHECKING:
    from models.trainer import TrainConfig


def load_training_data(config: TrainConfig) -> PatchSet:
    """Read the patch folder or cut patches from the scenes, as configured.

    Raises:
        TrainingDataError: see :func:`core.training.patches.load_patch_folder` and
            :func:`core.training.patches.cut_patches_from_scenes`.
    """
    if config.layout == "patches":
        data = load_patch_folder(config.data_dir, config.bands, config.classes)
    else:
        scenes = Path(config.data_dir)
        data = cut_patches_from_scenes(
            scenes / "img", scenes / "mask", config.bands, config.patch_size, seed=config.seed
        )
    if min(data.x.shape[1:3]) < config.patch_size:
        message = _("the patches are {rows} x {cols} px; a {kind} model needs at least {size} x {size} px")
        raise TrainingDataError(
            message.format(rows=data.x.shape[1], cols=data.x.shape[2], kind=config.kind, size=config.patch_size)
        )
    return data


def score_predictions(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int, positive: int | None) -> dict[str, Any]:
    """Confusion matrix, accuracy, precision, recall and F1 (binary for ``positive``, else macro)."""
    cm = confusion_matrix(y_true, y_pred, n_classes)
    if positive is not None:
        p, r, f1 = precision(cm, positive), recall(cm, positive), f1_score(cm, positive)
    else:
        p = float(np.mean([precision(cm, k) for k in range(n_classes)]))
        r = float(np.mean([recall(cm, k) for k in range(n_classes)]))
        f1 = macro_f1(cm)
    return {"confusion": cm.tolist(), "accuracy": accuracy(cm), "precision": p, "recall": r, "f1": f1}


@dataclass
class PatchLayout:
    """Patches with one class each, grouped by source scene (a group never falls on both sides of a fold)."""

    data: PatchSet
    config: TrainConfig
    #: What one scored item is (English, marked for translation: the trainer translates it for the card).
    unit: str = N_("patches")
    group_split_only: bool = False

    @classmethod
    def load(cls, config: TrainConfig) -> PatchLayout:
        """Read the configured patches (see :func:`load_training_data`)."""
        return cls(load_training_data(config), config)

    @property
    def scores(self) -> str:
        """How the fold scores are computed (English, marked for translation)."""
        if self.config.kind == "discovery":
            return N_("argmax of the softmax; precision, recall and F1 of the class 'mine'")
        return N_("argmax of the softmax; precision, recall and F1 are macro averages over the classes")

    @property
    def groups(self) -> np.ndarray:  # noqa: D102
        return self.data.groups

    @property
    def strata(self) -> np.ndarray:  # noqa: D102
        return self.data.y

    @property
    def names(self) -> np.ndarray:  # noqa: D102
        return self.data.sources

    def _batches(self, idx: np.ndarray, mean: np.ndarray, std: np.ndarray, training: bool) -> PatchBatches:
        c = self.config
        return PatchBatches(
            self.data.x, self.data.valid, self.data.y, idx, mean, std,
            batch_size=c.batch_size, crop=c.patch_size, label_shape=(1, 1) if c.kind == "discovery" else (),
            shuffle=training, augment=training and c.augment, seed=c.seed,
        )  # fmt: skip

    def fit(self, idx: np.ndarray, seed: int, label: str, progress: Progress) -> Fitted:
        """A fresh network fitted on the patches ``idx``, standardised with their own statistics."""
        stats = parent_statistics(self.config)
        mean, std = stats or band_statistics(self.data.x, self.data.valid, idx, crop=self.config.patch_size)
        keras.utils.set_random_seed(seed)
        model = build_model(self.config, len(self.config.bands))
        accuracy = fit_network(model, self._batches(idx, mean, std, True), self.config, progress, label)
        return Fitted(model, mean, std, accuracy)

    def predict(self, fitted: Fitted, idx: np.ndarray) -> np.ndarray:
        """(n, classes) softmax probabilities of the patches ``idx`` (the FCN's 1 x 1 grid flattened)."""
        batches = self._batches(idx, fitted.mean, fitted.std, False)
        probs = fitted.model.predict(batches, verbose=0)
        return np.asarray(probs).reshape(len(idx), len(self.config.classes))

    def score(self, predicted: np.ndarray, idx: np.ndarray) -> dict[str, Any]:
        """Fold scores of the argmax class."""
        positive = self.config.classes.index("mine") if self.config.kind == "discovery" else None
        return score_predictions(self.data.y[idx], predicted.argmax(axis=1), len(self.config.classes), positive)

    def out_of_fold(self) -> np.ndarray:
        """An empty (n, classes) array for the out-of-fold probabilities."""
        return np.full((len(self.data.y), len(self.config.classes)), np.nan, dtype=np.float32)

    def describe(self) -> dict[str, Any]:
        """The training data's facts for the card."""
        counts = self.data.class_counts()
        n_groups = int(np.unique(self.data.groups).size)
        listed = ", ".join(f"{k} {v}" for k, v in counts.items())
        data = _("{n} patches ({counts}) from {groups} groups").format(
            n=len(self.data.y), counts=listed, groups=n_groups
        )
        return {
            "data": data,
            "n_patches": int(len(self.data.y)),
            "class_counts": counts,
            "n_groups": n_groups,
            "source_patch_size": int(self.data.x.shape[1]),
            "loss": _("sparse categorical cross-entropy (from probabilities)"),
        }

    def evaluate(self, oof: np.ndarray, cv: CrossValidation) -> tuple[SiteScores, dict[str, Any]] | None:
        """Patches have no sites to score."""
        return None

    def save_extras(self, folder: Path, oof: np.ndarray, cv: CrossValidation) -> None:
        """Nothing beyond the card and the report."""
