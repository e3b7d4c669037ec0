"""Training a discovery or impact model with k-fold cross-validation, then a final model on all the data.

Each fold standardises with statistics from its own training split only; the final model uses all the data and
its statistics go into the model card. The loss is sparse categorical cross-entropy on the softmax outputs
(``from_logits=False``: the networks end in softmax).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import keras
import numpy as np

from core.errors import TrainingDataError
from core.model_card import DISCOVERY_CLASSES, IMPACT_CLASSES, ModelCard
from core.settings import ROOT
from core.training.metrics import FoldPlan, plan_folds
from core.training.patch_stats import band_statistics
from core.training.patches import PatchSet, cut_patches_from_scenes, load_patch_folder
from models.architectures import DISCOVERY_PATCH, IMPACT_PATCH, build_discovery_fcn, build_impact_cnn
from models.bundle import save_bundle
from models.datasets import PatchBatches
from models.reports import FoldResult, build_report, score_predictions, write_reports

Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainConfig:
    """What to train, on which data, and how. ``folds`` of 0 or 1 means no cross-validation."""

    kind: Literal["discovery", "impact"]
    name: str
    out_dir: Path
    bands: tuple[str, ...]
    patches_dir: Path | None = None
    scenes_dir: Path | None = None
    epochs: int = 30
    batch_size: int = 16
    folds: int = 10
    learning_rate: float | None = None
    seed: int = 0
    augment: bool = False
    threshold: float = 0.6
    synthetic: bool = False
    version: str = "1"
    description: str = ""
    width: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ("discovery", "impact"):
            raise ValueError(f"kind must be 'discovery' or 'impact'; got {self.kind!r}")
        if (self.patches_dir is None) == (self.scenes_dir is None):
            raise ValueError("give exactly one of patches_dir (a folder per class) or scenes_dir (img/ + mask/)")
        if self.scenes_dir is not None and self.kind == "impact":
            raise ValueError("impact models train from a patch folder (patches_dir), not from scenes with masks")
        if self.epochs < 1 or self.batch_size < 1 or self.folds < 0:
            raise ValueError(
                f"epochs and batch_size must be >= 1, folds >= 0; got {self.epochs}, {self.batch_size}, {self.folds}"
            )

    @property
    def lr(self) -> float:
        """The learning rate: the configured one, else METHOD.md's (1e-3 discovery, 1e-4 impact)."""
        if self.learning_rate is not None:
            return self.learning_rate
        return 1e-3 if self.kind == "discovery" else 1e-4

    @property
    def classes(self) -> tuple[str, ...]:
        """Output classes, in softmax order."""
        return DISCOVERY_CLASSES if self.kind == "discovery" else IMPACT_CLASSES

    @property
    def patch_size(self) -> int:
        """The model's patch: 201 px (one FCN output cell) or 21 px; larger patches are centre-cropped to it."""
        return DISCOVERY_PATCH if self.kind == "discovery" else IMPACT_PATCH

    @property
    def data_source(self) -> Path:
        """The patch or scene folder."""
        return Path(self.patches_dir or self.scenes_dir)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TrainResult:
    """The saved model's card and folder, the report files, the split used and the fold results."""

    card: ModelCard
    folder: Path
    report_json: Path
    report_md: Path
    plan: FoldPlan
    folds: tuple[FoldResult, ...]


class ProgressCallback(keras.callbacks.Callback):
    """Reports each finished epoch through ``progress``."""

    def __init__(self, progress: Progress, label: str, epochs: int) -> None:
        super().__init__()
        self.progress, self.label, self.epochs = progress, label, epochs
        self.started = time.perf_counter()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:  # noqa: D102
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:  # noqa: D102
        logs = logs or {}
        seconds = time.perf_counter() - self.started
        self.progress(
            f"{self.label} epoch {epoch + 1}/{self.epochs}: loss {logs.get('loss', float('nan')):.4f}, "
            f"accuracy {logs.get('accuracy', float('nan')):.4f} ({seconds:.1f} s)"
        )


def configure_runtime(seed: int) -> None:
    """Use every CPU core and seed Python, numpy and TensorFlow so that runs repeat."""
    import tensorflow as tf

    cores = os.cpu_count() or 1
    try:
        tf.config.threading.set_intra_op_parallelism_threads(cores)
        tf.config.threading.set_inter_op_parallelism_threads(cores)
    except RuntimeError:
        pass  # TensorFlow already started in this process; its defaults use every core too.
    keras.utils.set_random_seed(seed)


def load_training_data(config: TrainConfig) -> PatchSet:
    """Read the patch folder or cut patches from the scenes, as configured.

    Raises:
        TrainingDataError: see :func:`core.training.patches.load_patch_folder` and
            :func:`core.training.patches.cut_patches_from_scenes`.
    """
    if config.patches_dir is not None:
        data = load_patch_folder(config.patches_dir, config.bands, config.classes)
    else:
        scenes = Path(config.scenes_dir)  # type: ignore[arg-type]
        data = cut_patches_from_scenes(
            scenes / "img", scenes / "mask", config.bands, config.patch_size, seed=config.seed
        )
    if min(data.x.shape[1:3]) < config.patch_size:
        raise TrainingDataError(
            f"the patches are {data.x.shape[1]} x {data.x.shape[2]} px; a {config.kind} model needs at least "
            f"{config.patch_size} x {config.patch_size} px"
        )
    return data


def _build(config: TrainConfig) -> keras.Model:
    builder = build_discovery_fcn if config.kind == "discovery" else build_impact_cnn
    model = builder(len(config.bands), width=config.width)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model


def _batches(
    data: PatchSet, idx: np.ndarray, mean: np.ndarray, std: np.ndarray, config: TrainConfig, training: bool
) -> PatchBatches:
    # A 201 px patch gives the FCN a 1 x 1 output grid, so its labels get that shape too.
    label_shape = (1, 1) if config.kind == "discovery" else ()
    return PatchBatches(
        data.x,
        data.valid,
        data.y,
        idx,
        mean,
        std,
        batch_size=config.batch_size,
        crop=config.patch_size,
        label_shape=label_shape,
        shuffle=training,
        augment=training and config.augment,
        seed=config.seed,
    )


def fit_model(
    data: PatchSet, idx: np.ndarray, config: TrainConfig, progress: Progress, label: str, seed: int
) -> tuple[keras.Model, np.ndarray, np.ndarray, float]:
    """Train a fresh model on the patches ``idx`` with their own statistics; return it, mean, std, last accuracy."""
    mean, std = band_statistics(data.x, data.valid, idx, crop=config.patch_size)
    keras.utils.set_random_seed(seed)
    model = _build(config)
    history = model.fit(
        _batches(data, idx, mean, std, config, training=True),
        epochs=config.epochs,
        verbose=0,
        callbacks=[ProgressCallback(progress, label, config.epochs)],
    )
    return model, mean, std, float(history.history["accuracy"][-1])


def predict_probabilities(
    model: keras.Model, data: PatchSet, idx: np.ndarray, mean: np.ndarray, std: np.ndarray, config: TrainConfig
) -> np.ndarray:
    """(n, classes) softmax probabilities of the patches ``idx`` (the FCN's 1 x 1 grid flattened)."""
    probs = model.predict(_batches(data, idx, mean, std, config, training=False), verbose=0)
    return np.asarray(probs).reshape(len(idx), len(config.classes))


def _positive_class(config: TrainConfig) -> int | None:
    return config.classes.index("mine") if config.kind == "discovery" else None


def train_fold(
    data: PatchSet,
    train_idx: np.ndarray,
    val_idx: np.ndarray,
    config: TrainConfig,
    fold: int,
    n_folds: int,
    progress: Progress = print,
) -> FoldResult:
    """Train on ``train_idx`` (statistics from it alone) and score on ``val_idx``."""
    started = time.perf_counter()
    label = f"fold {fold}/{n_folds}"
    progress(f"{label}: training on {len(train_idx)} patches, validating on {len(val_idx)}")
    model, mean, std, train_acc = fit_model(data, train_idx, config, progress, label, config.seed + fold)
    y_pred = predict_probabilities(model, data, val_idx, mean, std, config).argmax(axis=1)
    scores = score_predictions(data.y[val_idx], y_pred, len(config.classes), _positive_class(config))
    result = FoldResult(
        fold=fold,
        n_train=len(train_idx),
        n_val=len(val_idx),
        groups_val=int(np.unique(data.groups[val_idx]).size),
        mean=tuple(float(v) for v in mean),
        std=tuple(float(v) for v in std),
        train_accuracy=train_acc,
        seconds=time.perf_counter() - started,
        **scores,
    )
    progress(f"{label}: validation accuracy {result.accuracy:.4f}, F1 {result.f1:.4f}")
    keras.backend.clear_session()  # frees the fold's graph; weights are not needed any more
    return result


def _training_summary(
    config: TrainConfig, data: PatchSet, plan: FoldPlan, seconds: float, final_accuracy: float
) -> dict[str, Any]:
    import tensorflow as tf

    return {
        "data_source": _shown_path(config.data_source),
        "layout": "patch folder" if config.patches_dir else "scenes + masks",
        "n_patches": int(len(data.y)),
        "class_counts": data.class_counts(),
        "n_groups": int(np.unique(data.groups).size),
        "source_patch_size": int(data.x.shape[1]),
        "epochs": config.epochs,
        "batch_size": config.batch_size,
        "learning_rate": config.lr,
        "optimizer": "Adam",
        "loss": "sparse categorical cross-entropy (from probabilities)",
        "augment": config.augment,
        "seed": config.seed,
        "split_method": plan.method,
        "folds": plan.k_used,
        "split_note": plan.note,
        "final_train_accuracy": final_accuracy,
        "seconds": round(seconds, 1),
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "width": config.width,
    }


def train_model(config: TrainConfig, progress: Progress = print) -> TrainResult:
    """Cross-validate, train the final model on all the data, save the bundle and the reports.

    Raises:
        TrainingDataError: the data cannot be used (see :func:`load_training_data`).
    """
    started = time.perf_counter()
    configure_runtime(config.seed)
    data = load_training_data(config)
    progress(f"{config.name}: {len(data.y)} patches {data.class_counts()} from {np.unique(data.groups).size} groups")
    plan = plan_folds(data.groups, data.y, config.folds, config.seed)
    if plan.note:
        progress(f"split: {plan.note}")
    folds = tuple(
        train_fold(data, tr, va, config, i, plan.k_used, progress) for i, (tr, va) in enumerate(plan.folds, start=1)
    )
    model, mean, std, final_acc = fit_model(data, np.arange(len(data.y)), config, progress, "final model", config.seed)
    training = _training_summary(config, data, plan, time.perf_counter() - started, final_acc)
    scores = (
        "argmax of the softmax; precision, recall and F1 of the class 'mine'"
        if config.kind == "discovery"
        else "argmax of the softmax; precision, recall and F1 are macro averages over the classes"
    )
    card = ModelCard(
        name=config.name,
        version=config.version,
        kind=config.kind,
        bands=tuple(config.bands),
        mean=tuple(float(v) for v in mean),
        std=tuple(float(v) for v in std),
        classes=config.classes,
        threshold=config.threshold,
        patch_size=config.patch_size,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        synthetic=config.synthetic,
        description=config.description,
        training=training,
        metrics={},
    )
    report = build_report(card, training, plan, folds, scores)
    cv = report["cross_validation"]
    lean_folds = [{k: v for k, v in fold.items() if k not in ("mean", "std")} for fold in cv["folds"]]
    card = replace(card, metrics={"cross_validation": {**cv, "folds": lean_folds}})
    folder = save_bundle(model, card, Path(config.out_dir))
    report_json, report_md = write_reports(folder, report)
    progress(f"saved {folder} ({time.perf_counter() - started:.0f} s)")
    return TrainResult(card=card, folder=folder, report_json=report_json, report_md=report_md, plan=plan, folds=folds)


def _shown_path(path: Path) -> str:
    """The path relative to the repository when inside it, so cards do not carry one machine's folders."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
