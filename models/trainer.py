"""The one trainer: cross-validate on a data layout, train a final model on all of it, save card and report.

A layout (:mod:`models.patch_layout`: a patch folder or patches cut from scenes; :mod:`models.scene_layout`:
whole scenes with masks, one label per output cell) says how to fit, predict and score its items. Everything
else is shared: the split, one fold loop, the card, its metrics and the report. Each fold standardises with
statistics from its own training split only; the final model uses all the data and its statistics go into the
card. The loss is sparse categorical cross-entropy on the softmax outputs (``from_logits=False``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import keras
import numpy as np

from core.errors import ModelBundleError, TrainingDataError
from core.jobs.training import EpochDone
from core.model_card import DISCOVERY_CLASSES, IMPACT_CLASSES, WEIGHTS_FILE, ModelCard
from core.settings import ROOT
from core.training.card_metrics import CardMetrics, CrossValidation, FoldScore, SiteScores
from core.training.mask_evaluation import Targets
from core.training.metrics import plan_folds
from core.wording.translate import N_, _, localise_number
from models.architectures import DISCOVERY_PATCH, IMPACT_PATCH, build_discovery_fcn, build_impact_cnn
from models.bundle import save_bundle
from models.reports import build_report, write_report

Progress = Callable[[str], None]
Layout = Literal["patches", "scene_patches", "scenes"]
LAYOUT_NAMES: dict[str, str] = {
    "patches": N_("patch folder (one subfolder per class)"),
    "scene_patches": N_("patches cut from scenes + masks"),
    "scenes": N_("whole scenes + masks, one label per FCN output cell"),
}


@dataclass(frozen=True)
class TrainConfig:
    """What to train, on which data in which layout, and how. ``folds`` of 0 or 1 means no cross-validation.

    ``data_dir`` is a folder of class subfolders (``patches``) or ``img/`` + ``mask/`` (``scene_patches``,
    ``scenes``). ``clearance_px``, ``crop_px``, ``balance_classes``, ``targets`` and ``review_sets`` apply to whole
    scenes only.
    """

    kind: Literal["discovery", "impact"]
    name: str
    out_dir: Path
    bands: tuple[str, ...]
    data_dir: Path
    layout: Layout = "patches"
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
    clearance_px: int = 27
    #: Train on random crops of this many pixels (174 + 27 k), labelled anew from the mask. None = whole scenes.
    crop_px: int | None = None
    #: Weigh mine cells so that both classes count equally in the loss (else each labelled cell counts once).
    balance_classes: bool = False
    targets: Targets = Targets()
    #: Fine-tune this model folder (its weights and band statistics) instead of starting from random weights.
    parent: Path | None = None
    #: Facts recorded on the card about where the data came from (training set id, data fingerprint).
    provenance: tuple[tuple[str, object], ...] = ()
    #: Training-set folders built from reviews whose windows join whole scenes (layout 'scenes'): each window trains
    #: with the fold of the scene it was cut from, so the out-of-fold grids stay out of fold.
    review_sets: tuple[Path, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("discovery", "impact"):
            raise ValueError(_("kind must be 'discovery' or 'impact'; got {kind!r}").format(kind=self.kind))
        if self.layout not in LAYOUT_NAMES:
            message = _("layout must be one of {layouts}; got {layout!r}")
            raise ValueError(message.format(layouts=", ".join(LAYOUT_NAMES), layout=self.layout))
        if self.kind == "impact" and self.layout != "patches":
            raise ValueError(_("impact models train from a patch folder (one subfolder per class), not from scenes"))
        if self.layout != "scenes" and (self.crop_px is not None or self.balance_classes or self.review_sets):
            raise ValueError(_("crop_px, balance_classes and review_sets apply to whole scenes (layout 'scenes') only"))
        if self.epochs < 1 or self.batch_size < 1 or self.folds < 0:
            message = _("epochs and batch_size must be >= 1, folds >= 0; got {epochs}, {batch_size}, {folds}")
            raise ValueError(message.format(epochs=self.epochs, batch_size=self.batch_size, folds=self.folds))

    @property
    def lr(self) -> float:
        """The learning rate: the configured one, else METHOD.md's (1e-3 discovery, 1e-4 impact; 1e-4 fine-tuning)."""
        if self.learning_rate is not None:
            return self.learning_rate
        return 1e-3 if self.kind == "discovery" and self.parent is None else 1e-4

    @property
    def classes(self) -> tuple[str, ...]:
        """Output classes, in softmax order."""
        return DISCOVERY_CLASSES if self.kind == "discovery" else IMPACT_CLASSES

    @property
    def patch_size(self) -> int:
        """The model's patch: 201 px (one FCN output cell) or 21 px; larger patches are centre-cropped to it."""
        return DISCOVERY_PATCH if self.kind == "discovery" else IMPACT_PATCH


@dataclass(frozen=True)
class Fitted:
    """A fitted network with the band statistics of the items it was fitted on."""

    model: keras.Model
    mean: np.ndarray
    std: np.ndarray
    train_accuracy: float


class DataLayout(Protocol):
    """What the trainer needs from a layout of training data."""

    @property
    def unit(self) -> str:
        """What one scored item is, e.g. "patches" or "201 px windows"."""

    @property
    def scores(self) -> str:
        """How the fold scores are computed."""

    @property
    def group_split_only(self) -> bool:
        """Refuse a split that is not by group."""

    @property
    def groups(self) -> np.ndarray:
        """The group of each item: a group never falls on both sides of a fold."""

    @property
    def strata(self) -> np.ndarray:
        """The class of each item that the folds balance."""

    @property
    def names(self) -> np.ndarray:
        """Each item's name (file or patch) for the report."""

    def fit(self, idx: np.ndarray, seed: int, label: str, progress: Progress) -> Fitted: ...
    def predict(self, fitted: Fitted, idx: np.ndarray) -> np.ndarray: ...
    def score(self, predicted: np.ndarray, idx: np.ndarray) -> dict[str, Any]: ...
    def out_of_fold(self) -> np.ndarray: ...
    def describe(self) -> dict[str, Any]: ...
    def evaluate(self, oof: np.ndarray, cv: CrossValidation) -> tuple[SiteScores, dict[str, Any]] | None: ...
    def save_extras(self, folder: Path, oof: np.ndarray, cv: CrossValidation) -> None: ...


@dataclass(frozen=True)
class TrainResult:
    """The saved model's card and folder and its report files."""

    card: ModelCard
    folder: Path
    report_json: Path
    report_md: Path


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
        loss, accuracy = (localise_number(f"{logs.get(k, float('nan')):.4f}") for k in ("loss", "accuracy"))
        text = _("{label} epoch {epoch}/{epochs}: loss {loss}, accuracy {accuracy} ({seconds} s)").format(
            label=self.label, epoch=epoch + 1, epochs=self.epochs, loss=loss, accuracy=accuracy,
            seconds=localise_number(f"{seconds:.1f}"))  # fmt: skip
        self.progress(EpochDone(text, self.label, epoch + 1, self.epochs))


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


def build_model(config: TrainConfig, n_bands: int) -> keras.Model:
    """A compiled network of the configured kind: fresh, or the parent's weights when fine-tuning (weighted
    accuracy: ignored cells weigh 0)."""
    if config.parent is not None:
        model = keras.models.load_model(Path(config.parent) / WEIGHTS_FILE, compile=False)
    else:
        builder = build_discovery_fcn if config.kind == "discovery" else build_impact_cnn
        model = builder(n_bands, width=config.width)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
        weighted_metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model


def parent_statistics(config: TrainConfig) -> tuple[np.ndarray, np.ndarray] | None:
    """The parent's band statistics when fine-tuning (its weights expect inputs scaled so), else None.

    Raises:
        ModelBundleError: the parent's card is unreadable or its bands or kind differ from the configuration.
    """
    if config.parent is None:
        return None
    card = ModelCard.load(Path(config.parent))
    if card.bands != tuple(config.bands) or card.kind != config.kind:
        message = _("{model} is a {kind} model of bands {bands}; it cannot be fine-tuned as a {wanted_kind} model of "
                    "bands {wanted_bands}").format(model=card.ref, kind=card.kind, bands=", ".join(card.bands),
                                                   wanted_kind=config.kind,
                                                   wanted_bands=", ".join(config.bands))  # fmt: skip
        raise ModelBundleError(message)
    return np.asarray(card.mean, np.float64), np.asarray(card.std, np.float64)


def fit_network(model: keras.Model, batches: keras.utils.PyDataset, config: TrainConfig, progress: Progress,
                label: str) -> float:  # fmt: skip
    """Fit ``model`` on ``batches`` for the configured epochs; return the last epoch's training accuracy."""
    history = model.fit(
        batches, epochs=config.epochs, verbose=0, callbacks=[ProgressCallback(progress, label, config.epochs)]
    )
    return float(history.history["accuracy"][-1])


def train_fold(layout: DataLayout, train_idx: np.ndarray, val_idx: np.ndarray, config: TrainConfig, fold: int,
               n_folds: int, progress: Progress = print) -> tuple[FoldScore, np.ndarray]:  # fmt: skip
    """Fit on ``train_idx`` (statistics from it alone), predict and score ``val_idx``; the score and predictions."""
    started = time.perf_counter()
    label = _("fold {fold}/{folds}").format(fold=fold, folds=n_folds)
    message = _("{label}: training on {train} items, validating on {val}")
    progress(message.format(label=label, train=len(train_idx), val=len(val_idx)))
    fitted = layout.fit(train_idx, config.seed + fold, label, progress)
    predicted = layout.predict(fitted, val_idx)
    scores = layout.score(predicted, val_idx)
    result = FoldScore(
        fold=fold,
        n_train=int(len(train_idx)),
        n_val=int(len(val_idx)),
        val_groups=int(np.unique(layout.groups[val_idx]).size),
        val_items=tuple(sorted(str(n) for n in layout.names[val_idx])),
        accuracy=float(scores["accuracy"]),
        precision=float(scores["precision"]),
        recall=float(scores["recall"]),
        f1=float(scores["f1"]),
        confusion=tuple(tuple(int(v) for v in row) for row in scores["confusion"]),
        seconds=round(time.perf_counter() - started, 1),
        train_accuracy=fitted.train_accuracy,
        mean=tuple(float(v) for v in fitted.mean),
        std=tuple(float(v) for v in fitted.std),
    )
    accuracy, f1 = (localise_number(f"{v:.4f}") for v in (result.accuracy, result.f1))
    progress(_("{label}: validation accuracy {accuracy}, F1 {f1}").format(label=label, accuracy=accuracy, f1=f1))
    keras.backend.clear_session()  # frees the fold's graph; its weights are not needed any more
    return result, predicted


def cross_validate(layout: DataLayout, config: TrainConfig, progress: Progress) -> tuple[np.ndarray, CrossValidation]:
    """Every item's out-of-fold prediction and the fold scores.

    Raises:
        TrainingDataError: the layout needs a split by group and the groups do not allow one.
    """
    plan = plan_folds(layout.groups, layout.strata, config.folds, config.seed)
    if plan.note:
        progress(_("split: {note}").format(note=plan.note))
    if layout.group_split_only and plan.method != "group":
        message = _("the data must be split by overlap group; the split fell back to '{method}': {note}")
        raise TrainingDataError(message.format(method=plan.method, note=plan.note))
    oof = layout.out_of_fold()
    folds = []
    for n, (train_idx, val_idx) in enumerate(plan.folds, start=1):
        score, oof[val_idx] = train_fold(layout, train_idx, val_idx, config, n, plan.k_used, progress)
        folds.append(score)
    cv = CrossValidation(
        plan.method, plan.k_requested, plan.k_used, plan.note, _(layout.unit), _(layout.scores), tuple(folds)
    )
    return oof, cv


def load_layout(config: TrainConfig) -> DataLayout:
    """Read the configured data.

    Raises:
        TrainingDataError: the data cannot be used (see the layouts).
    """
    if config.layout == "scenes":
        from models.scene_layout import SceneLayout

        return SceneLayout.load(config)
    from models.patch_layout import PatchLayout

    return PatchLayout.load(config)


def train_model(config: TrainConfig, progress: Progress = print) -> TrainResult:
    """Cross-validate (when ``folds`` >= 2), train the final model on all the data, save the bundle and the report.

    Models trained on whole scenes get the threshold their out-of-fold site scores recommend.

    Raises:
        TrainingDataError: the data cannot be used.
    """
    started = time.perf_counter()
    configure_runtime(config.seed)
    layout = load_layout(config)
    described = layout.describe()
    progress(f"{config.name}: {described['data']}")
    cv, sites, site_report, oof = None, None, None, None
    if config.folds >= 2:
        oof, cv = cross_validate(layout, config, progress)
        evaluated = layout.evaluate(oof, cv)
        if evaluated is not None:
            sites, site_report = evaluated
            message = _("recommended threshold {threshold}: {scores}")
            progress(message.format(threshold=localise_number(f"{sites.threshold:g}"), scores=sites.at_threshold))
    final = layout.fit(np.arange(len(layout.names)), config.seed, _("final model"), progress)
    training = _training_summary(config, described, cv, time.perf_counter() - started, final.train_accuracy)
    card = ModelCard(
        name=config.name,
        version=config.version,
        kind=config.kind,
        bands=tuple(config.bands),
        mean=tuple(float(v) for v in final.mean),
        std=tuple(float(v) for v in final.std),
        classes=config.classes,
        threshold=sites.threshold if sites else config.threshold,
        patch_size=config.patch_size,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        synthetic=config.synthetic,
        description=config.description,
        training=training,
        metrics=CardMetrics(cross_validation=cv, sites=sites),
    )
    folder = save_bundle(final.model, card, Path(config.out_dir))
    if oof is not None and cv is not None:
        layout.save_extras(folder, oof, cv)
    report_json, report_md = write_report(folder, build_report(card, site_report))
    progress(_("saved {folder} ({seconds} s)").format(folder=folder, seconds=f"{time.perf_counter() - started:.0f}"))
    return TrainResult(card=card, folder=folder, report_json=report_json, report_md=report_md)


def _training_summary(config: TrainConfig, described: dict[str, Any], cv: CrossValidation | None, seconds: float,
                      final_accuracy: float) -> dict[str, Any]:  # fmt: skip
    import tensorflow as tf

    parent = ModelCard.load(Path(config.parent)).ref if config.parent is not None else None
    return {
        "parent": parent,
        **dict(config.provenance),
        "data_source": shown_path(config.data_dir),
        "layout": _(LAYOUT_NAMES[config.layout]),
        **described,
        "epochs": config.epochs,
        "batch_size": config.batch_size,
        "learning_rate": config.lr,
        "optimizer": "Adam",
        "augment": config.augment,
        "seed": config.seed,
        "split_method": cv.method if cv else "none",
        "folds": cv.k_used if cv else 0,
        "split_note": cv.note if cv else _("no cross-validation requested"),
        "final_train_accuracy": final_accuracy,
        "seconds": round(seconds, 1),
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "width": config.width,
    }


def shown_path(path: Path) -> str:
    """The path relative to the repository when inside it, so cards do not carry one machine's folders."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)
