"""Training the discovery FCN on whole scenes with tailings masks, one label per output cell.

Cross-validation is by overlap group of scenes (:func:`core.scan.cells.overlap_groups`); each fold standardises
with its own training scenes. The out-of-fold P(mine) grids of every scene are then scored the way an auditor
would (:mod:`core.training.mask_evaluation`) at a range of thresholds, a threshold is recommended, and a final
model trained on all scenes is saved with that threshold, its card, a report and the precision/recall picture.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keras
import numpy as np

from core.model_card import DISCOVERY_CLASSES, ModelCard
from core.scan.cells import (
    BACKGROUND,
    MINE,
    CellLabelSettings,
    LabelledScenes,
    cell_labels,
    load_labelled_scenes,
    symmetric_size,
    unscannable_cells,
)
from core.training.mask_evaluation import (
    Targets,
    cell_classification,
    pool_scores,
    recommend_threshold,
    scene_truth,
    score_grid,
    threshold_curve,
)
from core.training.metrics import mean_sd, plan_folds
from core.training.patch_stats import band_statistics, normalise_patches
from models.architectures import DISCOVERY_PATCH, build_discovery_fcn
from models.bundle import save_bundle
from models.datasets import EpochBatches, augment_arrays
from models.scene_report import write_scene_report
from models.training import ProgressCallback, configure_runtime

Progress = Callable[[str], None]
#: The out-of-fold P(mine) grids, saved beside the report so thresholds and rules can be re-scored without training.
OOF_GRIDS = "out_of_fold_grids.npz"
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.96, 0.05))

if DISCOVERY_CLASSES.index("mine") != MINE or DISCOVERY_CLASSES.index("not_mine") != BACKGROUND:
    raise ImportError("cell labels must equal the discovery model's class indices")


@dataclass(frozen=True)
class SceneTrainConfig:
    """A discovery model trained on ``scenes_dir/img`` + ``scenes_dir/mask``; ``folds`` < 2 = no cross-validation."""

    name: str
    out_dir: Path
    bands: tuple[str, ...]
    scenes_dir: Path
    epochs: int = 40
    batch_size: int = 4
    folds: int = 5
    learning_rate: float = 1e-3
    seed: int = 0
    augment: bool = True
    width: float = 1.0
    clearance_px: int = 27
    #: Training sees random crops of this many pixels (a cell-symmetric size), labelled anew from the mask: the
    #: cell grid then falls on other pixels every time. None = always the whole scene.
    crop_px: int | None = None
    #: Weigh mine cells so that both classes count equally in the loss (else each cell counts once).
    balance_classes: bool = False
    version: str = "1"
    description: str = ""
    targets: Targets = Targets()

    def __post_init__(self) -> None:
        if self.crop_px is not None and symmetric_size(self.crop_px) != self.crop_px:
            raise ValueError(f"crop_px must be 174 + 27 k (k >= 1), e.g. 201, 228, ..., 336; got {self.crop_px}")
        if self.epochs < 1 or self.batch_size < 1 or self.folds < 0:
            raise ValueError(
                f"epochs and batch_size must be >= 1, folds >= 0; got {self.epochs}, {self.batch_size}, {self.folds}"
            )


class SceneBatches(EpochBatches):
    """Batches ``(x, labels, weights)`` of whole scenes: normalised pixels, per-cell labels, per-cell loss weights.

    Ignored cells get weight 0; mine cells get ``mine_weight`` so that both classes weigh the same in the loss.
    Augmentation applies the same symmetry to a scene and its label grid. With ``crop`` each scene is cut at a
    random offset (seeded) and its cells are labelled from the cropped mask with ``label_settings``.
    """

    def __init__(
        self,
        data: LabelledScenes,
        indices: np.ndarray,
        mean: np.ndarray,
        std: np.ndarray,
        *,
        batch_size: int,
        mine_weight: float = 1.0,
        crop: int | None = None,
        label_settings: CellLabelSettings | None = None,
        shuffle: bool = False,
        augment: bool = False,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(indices, batch_size, shuffle, seed, **kwargs)
        self.data = data
        self.mean, self.std = np.asarray(mean, np.float32), np.asarray(std, np.float32)
        self.mine_weight, self.augment = mine_weight, augment
        self.crop, self.label_settings = crop, label_settings or CellLabelSettings()

    def __getitem__(self, batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        idx = self.batch_indices(batch)
        if self.crop is None or self.crop >= self.data.size:
            x, valid, labels = self.data.x[idx], self.data.valid[idx], self.data.labels[idx]
        else:
            x, valid, labels = self._random_crops(idx, np.random.default_rng([self.seed, self.epoch, batch, 1]))
        xb = normalise_patches(x, valid, self.mean, self.std)
        if self.augment:
            xb, labels = augment_arrays([xb, labels], np.random.default_rng([self.seed, self.epoch, batch]))
        weights = np.where(labels == MINE, self.mine_weight, np.where(labels == BACKGROUND, 1.0, 0.0))
        return xb, np.clip(labels, 0, 1).astype(np.int64), weights.astype(np.float32)

    def _random_crops(self, idx: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        size = int(self.crop)  # type: ignore[arg-type]
        offsets = rng.integers(0, self.data.size - size + 1, size=(len(idx), 2))
        cuts = [(slice(r, r + size), slice(c, c + size)) for r, c in offsets]
        x = np.stack([self.data.x[i][rs, cs] for i, (rs, cs) in zip(idx, cuts, strict=True)])
        valid = np.stack([self.data.valid[i][rs, cs] for i, (rs, cs) in zip(idx, cuts, strict=True)])
        masks = [self.data.mask[i][rs, cs] for i, (rs, cs) in zip(idx, cuts, strict=True)]
        labels = np.stack([cell_labels(m, v, self.label_settings) for m, v in zip(masks, valid, strict=True)])
        return x, valid, labels


def _build(config: SceneTrainConfig, n_bands: int) -> keras.Model:
    model = build_discovery_fcn(n_bands, width=config.width)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
        weighted_metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
    )
    return model


def fit_scenes(
    data: LabelledScenes, idx: np.ndarray, config: SceneTrainConfig, progress: Progress, label: str, seed: int
) -> tuple[keras.Model, np.ndarray, np.ndarray]:
    """Train a fresh FCN on the scenes ``idx`` with their own band statistics; return it, mean and std."""
    mean, std = band_statistics(data.x, data.valid, idx)
    labels = data.labels[idx]
    n_mine, n_bg = int((labels == MINE).sum()), int((labels == BACKGROUND).sum())
    keras.utils.set_random_seed(seed)
    model = _build(config, len(data.bands))
    batches = SceneBatches(
        data,
        idx,
        mean,
        std,
        batch_size=config.batch_size,
        mine_weight=n_bg / n_mine if n_mine and config.balance_classes else 1.0,
        crop=config.crop_px,
        label_settings=CellLabelSettings(config.clearance_px),
        shuffle=True,
        augment=config.augment,
        seed=seed,
    )
    model.fit(batches, epochs=config.epochs, verbose=0, callbacks=[ProgressCallback(progress, label, config.epochs)])
    return model, mean, std


def predict_grids(
    model: keras.Model, data: LabelledScenes, idx: np.ndarray, mean: np.ndarray, std: np.ndarray
) -> np.ndarray:
    """(n, k, k) P(mine) of the scenes ``idx``, NaN where the scan would leave a cell out (nodata)."""
    mine = DISCOVERY_CLASSES.index("mine")
    grids = []
    for i in idx:
        x = normalise_patches(data.x[i : i + 1], data.valid[i : i + 1], mean, std)
        p = np.asarray(model.predict(x, verbose=0))[0, ..., mine].astype(np.float32)
        p[unscannable_cells(data.valid[i], CellLabelSettings().max_window_nodata)] = np.nan
        grids.append(p)
    return np.stack(grids)


def cross_validate(
    data: LabelledScenes, config: SceneTrainConfig, progress: Progress
) -> tuple[np.ndarray, list[dict[str, Any]], str]:
    """Out-of-fold P(mine) grids of every scene, per-fold records, and the split's description."""
    has_mine = (data.labels == MINE).any(axis=(1, 2)).astype(np.int64)
    plan = plan_folds(data.groups, has_mine, config.folds, config.seed)
    if plan.method != "group":
        raise ValueError(f"scenes must be split by overlap group; the split fell back to '{plan.method}': {plan.note}")
    oof = np.full(data.labels.shape, np.nan, dtype=np.float32)
    folds = []
    for n, (train_idx, val_idx) in enumerate(plan.folds, start=1):
        started = time.perf_counter()
        label = f"fold {n}/{plan.k_used}"
        progress(f"{label}: training on {len(train_idx)} scenes, validating on {len(val_idx)}")
        model, mean, std = fit_scenes(data, train_idx, config, progress, label, config.seed + n)
        oof[val_idx] = predict_grids(model, data, val_idx, mean, std)
        cells = cell_classification(oof[val_idx], data.labels[val_idx], 0.5)
        folds.append(
            {
                "fold": n,
                "n_train_scenes": int(len(train_idx)),
                "n_val_scenes": int(len(val_idx)),
                "val_scenes": sorted(str(s) for s in data.names[val_idx]),
                "cells_at_0.5": cells,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
        progress(f"{label}: window accuracy {cells['accuracy']:.4f}, F1 {cells['f1']:.4f}")
        keras.backend.clear_session()
    note = f"{plan.k_used} folds by overlap group ({np.unique(data.groups).size} groups of {len(data.names)} scenes)"
    return oof, folds, note


def evaluate_out_of_fold(
    data: LabelledScenes, oof: np.ndarray, folds: list[dict[str, Any]], targets: Targets
) -> dict[str, Any]:
    """Site-level curve, recommended threshold, and per-fold scores at it."""
    truths = [scene_truth(m, (float(p[0]), float(p[1])), oof.shape[1:]) for m, p in zip(data.mask, data.pixel_m)]
    curve = threshold_curve(list(oof), truths, THRESHOLDS)
    threshold, why = recommend_threshold(curve, targets)
    name_to_index = {str(n): i for i, n in enumerate(data.names)}
    per_fold = []
    for fold in folds:
        idx = [name_to_index[n] for n in fold["val_scenes"]]
        sites = pool_scores([score_grid(oof[i], truths[i], threshold) for i in idx])
        cells = cell_classification(oof[idx], data.labels[idx], threshold)
        per_fold.append({"fold": fold["fold"], "sites": sites, "cells": cells})
    cells_05 = [f["cells_at_0.5"] for f in folds]
    summary_05 = {k: mean_sd([c[k] for c in cells_05]) for k in ("accuracy", "precision", "recall", "f1")}
    per_scene = [
        {"scene": str(data.names[i]), **vars(score_grid(oof[i], truths[i], threshold))} for i in range(len(oof))
    ]
    cell_curve = [
        {"threshold": t, **{k: v for k, v in cell_classification(oof, data.labels, t).items() if k != "confusion"}}
        for t in THRESHOLDS
    ]
    return {
        "recommended_threshold": threshold,
        "why": why,
        "targets": vars(targets),
        "at_recommended": pool_scores([score_grid(g, t, threshold) for g, t in zip(oof, truths, strict=True)]),
        "at_paper_threshold_0.6": pool_scores([score_grid(g, t, 0.6) for g, t in zip(oof, truths, strict=True)]),
        "cells_at_recommended": cell_classification(oof, data.labels, threshold),
        "cells_at_0.5_mean_sd": {k: {"mean": m, "sd": s} for k, (m, s) in summary_05.items()},
        "per_fold": per_fold,
        "curve": curve,
        "cell_curve": cell_curve,
        "per_scene": per_scene,
    }


def save_out_of_fold(path: Path, data: LabelledScenes, oof: np.ndarray, folds: list[dict[str, Any]]) -> Path:
    """Write the out-of-fold grids with each scene's name and fold (compressed npz, a few kB)."""
    fold_of = {name: f["fold"] for f in folds for name in f["val_scenes"]}
    np.savez_compressed(
        path,
        p_mine=oof.astype(np.float32),
        scenes=np.asarray([str(n) for n in data.names]),
        folds=np.asarray([fold_of.get(str(n), 0) for n in data.names], dtype=np.int16),
    )
    return path


def load_out_of_fold(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(p_mine, scene names, folds)`` as :func:`save_out_of_fold` wrote them."""
    with np.load(path) as f:
        return f["p_mine"], f["scenes"], f["folds"]


def rescore_model(
    folder: Path, scenes_dir: Path, into: Path, version: str, targets: Targets | None = None
) -> ModelCard:
    """Score a trained model's saved out-of-fold grids again (current rules and ``targets``), without training.

    The result is a new version: ``folder`` is copied to ``into`` (a new folder) and the copy's card gets
    ``version``, the new threshold and metrics, and a new report. ``folder`` itself is not touched.

    Raises:
        ModelBundleError: the folder lacks its card, report or grids, or the grids do not match the scenes.
    """
    import dataclasses
    import json
    import shutil

    from core.errors import ModelBundleError
    from models.scene_report import REPORT_JSON

    card = ModelCard.load(folder)
    if not (folder / OOF_GRIDS).is_file() or not (folder / REPORT_JSON).is_file():
        raise ModelBundleError(f"{folder} has no {OOF_GRIDS} or {REPORT_JSON}: train it with cross-validation first")
    report = json.loads((folder / REPORT_JSON).read_text(encoding="utf-8"))
    oof, names, _ = load_out_of_fold(folder / OOF_GRIDS)
    clearance = int(card.training.get("clearance_px", CellLabelSettings().clearance_px))
    data = load_labelled_scenes(scenes_dir / "img", scenes_dir / "mask", card.bands, CellLabelSettings(clearance))
    if [str(n) for n in data.names] != [str(n) for n in names] or oof.shape != data.labels.shape:
        raise ModelBundleError(f"the out-of-fold grids in {folder} are not of the scenes in {scenes_dir}")
    evaluation = evaluate_out_of_fold(data, oof, report["folds"], targets or Targets())
    shutil.copytree(folder, into)
    folder = into
    card = dataclasses.replace(
        card,
        version=version,
        threshold=float(evaluation["recommended_threshold"]),
        metrics={k: v for k, v in evaluation.items() if k not in ("curve", "cell_curve", "per_scene", "per_fold")},
    )
    card.save(folder)
    write_scene_report(folder, card, {"training": report["training"], "folds": report["folds"], **evaluation})
    return card


def train_on_scenes(config: SceneTrainConfig, progress: Progress = print) -> tuple[ModelCard, Path]:
    """Cross-validate, evaluate, train the final model on all scenes, save it with its report; return card, folder.

    Raises:
        TrainingDataError: unusable scenes or masks (see :func:`core.scan.cells.load_labelled_scenes`).
    """
    started = time.perf_counter()
    configure_runtime(config.seed)
    data = load_labelled_scenes(
        config.scenes_dir / "img", config.scenes_dir / "mask", config.bands, CellLabelSettings(config.clearance_px)
    )
    progress(
        f"{config.name}: {len(data.names)} scenes of {data.size} px, {np.unique(data.groups).size} overlap groups, "
        f"cells {data.label_counts()}"
    )
    evaluation: dict[str, Any] = {}
    folds: list[dict[str, Any]] = []
    split = "no cross-validation"
    if config.folds >= 2:
        oof, folds, split = cross_validate(data, config, progress)
        evaluation = evaluate_out_of_fold(data, oof, folds, config.targets)
        progress(f"recommended threshold {evaluation['recommended_threshold']}: {evaluation['at_recommended']}")
    model, mean, std = fit_scenes(data, np.arange(len(data.names)), config, progress, "final model", config.seed)
    threshold = float(evaluation.get("recommended_threshold", 0.6))
    training = {
        "data_source": str(config.scenes_dir),
        "layout": "whole scenes + masks, one label per FCN output cell",
        "n_scenes": len(data.names),
        "scene_size_px": data.size,
        "n_groups": int(np.unique(data.groups).size),
        "cell_labels": data.label_counts(),
        "clearance_px": config.clearance_px,
        "crop_px": config.crop_px,
        "balance_classes": config.balance_classes,
        "epochs": config.epochs,
        "batch_size": config.batch_size,
        "learning_rate": config.learning_rate,
        "optimizer": "Adam",
        "loss": "sparse categorical cross-entropy per cell, ignored cells weight 0"
        + (", classes balanced" if config.balance_classes else ", each labelled cell weight 1"),
        "augment": config.augment,
        "seed": config.seed,
        "split": split,
        "seconds": round(time.perf_counter() - started, 1),
        "keras": keras.__version__,
        "width": config.width,
    }
    card = ModelCard(
        name=config.name,
        version=config.version,
        kind="discovery",
        bands=tuple(config.bands),
        mean=tuple(float(v) for v in mean),
        std=tuple(float(v) for v in std),
        classes=DISCOVERY_CLASSES,
        threshold=threshold,
        patch_size=DISCOVERY_PATCH,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        synthetic=False,
        description=config.description,
        training=training,
        metrics={k: v for k, v in evaluation.items() if k not in ("curve", "cell_curve", "per_scene", "per_fold")},
    )
    folder = save_bundle(model, card, Path(config.out_dir))
    if config.folds >= 2:
        save_out_of_fold(folder / OOF_GRIDS, data, oof, folds)
    write_scene_report(folder, card, {"training": training, "folds": folds, **evaluation})
    progress(f"saved {folder} ({time.perf_counter() - started:.0f} s)")
    return card, folder
