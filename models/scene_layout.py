"""Training data as whole scenes with tailings masks: one label per discovery FCN output cell (201 px window).

Cross-validation is by overlap group of scenes (:func:`core.scan.cells.overlap_groups`). The out-of-fold P(mine)
grids of every scene are scored the way an auditor would (:mod:`core.training.mask_evaluation`) at a range of
thresholds; the card gets the recommended threshold, and the grids are saved so that they can be scored again.
"""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import keras
import numpy as np

from core.errors import ModelBundleError, TrainingDataError
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
from core.training.card_metrics import CrossValidation, SiteScores
from core.training.mask_evaluation import (
    Targets,
    cell_classification,
    pool_scores,
    recommend_threshold,
    scene_truth,
    score_grid,
    threshold_curve,
)
from core.training.patch_stats import band_statistics, normalise_patches
from core.wording.translate import N_, _
from models.datasets import EpochBatches, PatchBatches, augment_arrays
from models.reports import build_report, write_report
from models.trainer import Fitted, Progress, build_model, fit_network, parent_statistics

if TYPE_CHECKING:
    from models.trainer import TrainConfig

#: The out-of-fold P(mine) grids, saved beside the report so thresholds and rules can be re-scored without training.
OOF_GRIDS = "out_of_fold_grids.npz"
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.96, 0.05))
PAPER_THRESHOLD = 0.6

if DISCOVERY_CLASSES.index("mine") != MINE or DISCOVERY_CLASSES.index("not_mine") != BACKGROUND:
    raise ImportError("cell labels must equal the discovery model's class indices")


class SceneBatches(EpochBatches):
    """Batches ``(x, labels, weights)`` of whole scenes: normalised pixels, per-cell labels, per-cell loss weights.

    Ignored cells get weight 0; mine cells get ``mine_weight`` so that both classes weigh the same in the loss.
    Augmentation applies the same symmetry to a scene and its label grid. With ``crop`` each scene is cut at a
    random offset (seeded) and its cells are labelled from the cropped mask with ``label_settings``.
    """

    def __init__(self, data: LabelledScenes, indices: np.ndarray, mean: np.ndarray, std: np.ndarray, *,
                 batch_size: int, mine_weight: float = 1.0, crop: int | None = None,
                 label_settings: CellLabelSettings | None = None, shuffle: bool = False, augment: bool = False,
                 seed: int = 0, **kwargs: Any) -> None:  # fmt: skip
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


@dataclass(frozen=True)
class ReviewWindows:
    """Windows of training sets built from reviews, each tied to the scene it was cut from.

    ``x`` (m, 201, 201, bands) reflectance, ``valid`` (m, 201, 201), ``y`` (m,) 0 not mine / 1 mine, ``scene`` (m,)
    the index of the window's scene in the layout, ``reason`` (m,) the decision's reason or "background".
    """

    x: np.ndarray
    valid: np.ndarray
    y: np.ndarray
    scene: np.ndarray
    reason: np.ndarray

    def counts(self) -> dict[str, int]:
        """Windows per reason."""
        names, n = np.unique(self.reason, return_counts=True)
        return {str(k): int(v) for k, v in zip(names, n, strict=True)}


def load_review_windows(folders: tuple[Path, ...], names: np.ndarray, bands: tuple[str, ...]) -> ReviewWindows:
    """Read the windows of review training-set folders and find each one's scene among ``names`` (file names).

    Raises:
        TrainingDataError: a folder without windows, or a window cut from a scene that is not among the scenes
            (its fold would be unknown, so it could leak into validation).
    """
    from core.training.patches import load_patch_folder
    from core.training.review_set_files import read_manifest

    index = {str(n): i for i, n in enumerate(names)}
    parts = []
    for folder in folders:
        patches = load_patch_folder(Path(folder), bands, DISCOVERY_CLASSES)
        items = cast(list[dict[str, object]], read_manifest(folder)["items"])
        scene_of = {str(item["file"]): Path(str(item["scene"])).name for item in items}
        reason_of = {str(item["file"]): str(item["reason"]) for item in items}
        missing = sorted({scene_of.get(str(f), "?") for f in patches.sources} - set(index))
        if missing:
            message = _("{folder}: windows cut from {scenes}, which are not among the scenes trained on; every "
                        "window must belong to one of them")  # fmt: skip
            raise TrainingDataError(message.format(folder=folder, scenes=", ".join(missing[:5])))
        mine = DISCOVERY_CLASSES.index("mine")
        parts.append(ReviewWindows(
            patches.x, patches.valid, (patches.y == mine).astype(np.int64),
            np.array([index[scene_of[str(f)]] for f in patches.sources], dtype=np.int64),
            np.array([reason_of[str(f)] for f in patches.sources]),
        ))  # fmt: skip
    fields = dataclasses.fields(ReviewWindows)
    return ReviewWindows(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields))


class MixedBatches(keras.utils.PyDataset):
    """Scene batches and review-window batches in one epoch, alternating (both first), with per-cell weights.

    Keras infers the input shapes from the first two batches; alternating them leaves height and width open.
    """

    def __init__(self, scenes: SceneBatches, windows: PatchBatches, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenes, self.windows = scenes, windows
        n_s, n_w = len(scenes), len(windows)
        both = min(n_s, n_w)
        self.plan = [(k, i) for i in range(both) for k in ("s", "w")]
        self.plan += [("s", i) for i in range(both, n_s)] + [("w", i) for i in range(both, n_w)]

    def __len__(self) -> int:
        return len(self.plan)

    def __getitem__(self, batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        kind, i = self.plan[batch]
        if kind == "s":
            return self.scenes[i]
        xb, yb = self.windows[i]
        return xb, yb.astype(np.int64), np.ones(yb.shape, np.float32)

    def on_epoch_end(self) -> None:
        """Both datasets move to the next epoch (new shuffles and augmentations)."""
        self.scenes.on_epoch_end()
        self.windows.on_epoch_end()


def predict_grids(model: keras.Model, data: LabelledScenes, idx: np.ndarray, mean: np.ndarray,
                  std: np.ndarray) -> np.ndarray:  # fmt: skip
    """(n, k, k) P(mine) of the scenes ``idx``, NaN where the scan would leave a cell out (nodata)."""
    mine = DISCOVERY_CLASSES.index("mine")
    grids = []
    for i in idx:
        x = normalise_patches(data.x[i : i + 1], data.valid[i : i + 1], mean, std)
        p = np.asarray(model.predict(x, verbose=0))[0, ..., mine].astype(np.float32)
        p[unscannable_cells(data.valid[i], CellLabelSettings().max_window_nodata)] = np.nan
        grids.append(p)
    return np.stack(grids)


def evaluate_out_of_fold(data: LabelledScenes, oof: np.ndarray, cv: CrossValidation,
                         targets: Targets) -> tuple[SiteScores, dict[str, Any]]:  # fmt: skip
    """The site scores at the recommended threshold, and the report's curves, per-fold and per-scene rows."""
    truths = [scene_truth(m, (float(p[0]), float(p[1])), oof.shape[1:]) for m, p in zip(data.mask, data.pixel_m)]
    curve = threshold_curve(list(oof), truths, THRESHOLDS)
    threshold, why = recommend_threshold(curve, targets)
    index = {str(n): i for i, n in enumerate(data.names)}
    per_fold = []
    for fold in cv.folds:
        idx = [index[n] for n in fold.val_items]
        sites = pool_scores([score_grid(oof[i], truths[i], threshold) for i in idx])
        per_fold.append({"fold": fold.fold, "sites": sites, "windows": cell_classification(oof[idx], data.labels[idx],
                                                                                            threshold)})  # fmt: skip
    pairs = list(zip(oof, truths, strict=True))
    scores = SiteScores(
        threshold=float(threshold),
        why=why,
        targets=dataclasses.asdict(targets),
        at_threshold=pool_scores([score_grid(g, t, threshold) for g, t in pairs]),
        at_paper_threshold=pool_scores([score_grid(g, t, PAPER_THRESHOLD) for g, t in pairs]),
        windows_at_threshold=cell_classification(oof, data.labels, threshold),
    )
    details = {
        "per_fold": per_fold,
        "curve": curve,
        "cell_curve": [
            {"threshold": t, **{k: v for k, v in cell_classification(oof, data.labels, t).items() if k != "confusion"}}
            for t in THRESHOLDS
        ],
        "per_scene": [
            {"scene": str(data.names[i]), **vars(score_grid(oof[i], truths[i], threshold))} for i in range(len(oof))
        ],  # fmt: skip
    }
    return scores, details


def save_out_of_fold(path: Path, names: np.ndarray, oof: np.ndarray, cv: CrossValidation) -> Path:
    """Write the out-of-fold grids with each scene's name and fold (compressed npz, a few kB)."""
    fold_of = {name: f.fold for f in cv.folds for name in f.val_items}
    np.savez_compressed(
        path,
        p_mine=oof.astype(np.float32),
        scenes=np.asarray([str(n) for n in names]),
        folds=np.asarray([fold_of.get(str(n), 0) for n in names], dtype=np.int16),
    )
    return path


def load_out_of_fold(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(p_mine, scene names, folds)`` as :func:`save_out_of_fold` wrote them."""
    with np.load(path) as f:
        return f["p_mine"], f["scenes"], f["folds"]


@dataclass
class SceneLayout:
    """Whole scenes, their cell labels and overlap groups (overlapping scenes always validate together)."""

    data: LabelledScenes
    config: TrainConfig
    windows: ReviewWindows | None = None
    #: What one scored item is and how it is scored (English, marked for translation: the trainer translates them).
    unit: str = N_("201 px windows")
    scores: str = N_("each labelled output cell is one 201 px window, mine if P(mine) > 0.5")
    group_split_only: bool = True

    @classmethod
    def load(cls, config: TrainConfig) -> SceneLayout:
        """Read ``img/`` and ``mask/`` of ``config.data_dir`` and label the cells.

        Raises:
            TrainingDataError: unusable scenes or masks (see :func:`core.scan.cells.load_labelled_scenes`).
            ValueError: ``crop_px`` is not a cell-symmetric size.
        """
        if config.crop_px is not None and symmetric_size(config.crop_px) != config.crop_px:
            message = _("crop_px must be 174 + 27 k (k >= 1), e.g. 201, 228, ..., 336; got {value}")
            raise ValueError(message.format(value=config.crop_px))
        root = Path(config.data_dir)
        data = load_labelled_scenes(root / "img", root / "mask", config.bands, CellLabelSettings(config.clearance_px))
        windows = load_review_windows(config.review_sets, data.names, config.bands) if config.review_sets else None
        return cls(data, config, windows)

    @property
    def groups(self) -> np.ndarray:  # noqa: D102
        return self.data.groups

    @property
    def strata(self) -> np.ndarray:  # noqa: D102
        return (self.data.labels == MINE).any(axis=(1, 2)).astype(np.int64)

    @property
    def names(self) -> np.ndarray:  # noqa: D102
        return self.data.names

    def fit(self, idx: np.ndarray, seed: int, label: str, progress: Progress) -> Fitted:
        """A fresh FCN fitted on the scenes ``idx`` with their own band statistics."""
        c, data = self.config, self.data
        mean, std = parent_statistics(c) or band_statistics(data.x, data.valid, idx)
        labels = data.labels[idx]
        n_mine, n_bg = int((labels == MINE).sum()), int((labels == BACKGROUND).sum())
        keras.utils.set_random_seed(seed)
        model = build_model(c, len(c.bands))
        batches = SceneBatches(
            data, idx, mean, std, batch_size=c.batch_size,
            mine_weight=n_bg / n_mine if n_mine and c.balance_classes else 1.0, crop=c.crop_px,
            label_settings=CellLabelSettings(c.clearance_px), shuffle=True, augment=c.augment, seed=seed,
        )  # fmt: skip
        chosen = self._windows_of(idx)
        if chosen.size:
            w = self.windows
            assert w is not None
            extra = PatchBatches(w.x, w.valid, w.y, chosen, mean, std, batch_size=4 * c.batch_size,
                                 label_shape=(1, 1), shuffle=True, augment=c.augment, seed=seed)  # fmt: skip
            return Fitted(model, mean, std, fit_network(model, MixedBatches(batches, extra), c, progress, label))
        return Fitted(model, mean, std, fit_network(model, batches, c, progress, label))

    def _windows_of(self, idx: np.ndarray) -> np.ndarray:
        """The review windows cut from the scenes ``idx`` (never from a validation scene)."""
        if self.windows is None:
            return np.empty(0, np.int64)
        return np.flatnonzero(np.isin(self.windows.scene, idx))

    def predict(self, fitted: Fitted, idx: np.ndarray) -> np.ndarray:
        """(n, k, k) P(mine) grids of the scenes ``idx``."""
        return predict_grids(fitted.model, self.data, idx, fitted.mean, fitted.std)

    def score(self, predicted: np.ndarray, idx: np.ndarray) -> dict[str, Any]:
        """The labelled windows of the scenes ``idx`` classified at 0.5."""
        return cell_classification(predicted, self.data.labels[idx], 0.5)

    def out_of_fold(self) -> np.ndarray:
        """An empty (n, k, k) array for the out-of-fold grids."""
        return np.full(self.data.labels.shape, np.nan, dtype=np.float32)

    def describe(self) -> dict[str, Any]:
        """The training data's facts for the card."""
        c, data = self.config, self.data
        n_groups = int(np.unique(data.groups).size)
        described = _("{n} scenes of {size} px in {groups} overlap groups, cells {cells}").format(
            n=len(data.names), size=data.size, groups=n_groups, cells=data.label_counts()
        )
        loss = [_("sparse categorical cross-entropy per cell, ignored cells weight 0")]
        loss += [_("classes balanced") if c.balance_classes else _("each labelled cell weight 1")]
        loss += [_("each review window weight 1")] if self.windows is not None else []
        return {
            "data": described,
            "n_scenes": len(data.names),
            "scene_size_px": data.size,
            "n_groups": n_groups,
            "cell_labels": data.label_counts(),
            "clearance_px": c.clearance_px,
            "crop_px": c.crop_px,
            "balance_classes": c.balance_classes,
            "loss": ", ".join(loss),
            **({"review_windows": self.windows.counts()} if self.windows is not None else {}),
        }

    def evaluate(self, oof: np.ndarray, cv: CrossValidation) -> tuple[SiteScores, dict[str, Any]]:
        """Site scores of the out-of-fold grids at the threshold the targets recommend."""
        return evaluate_out_of_fold(self.data, oof, cv, self.config.targets)

    def save_extras(self, folder: Path, oof: np.ndarray, cv: CrossValidation) -> None:
        """The out-of-fold grids, for :func:`rescore_model`."""
        save_out_of_fold(Path(folder) / OOF_GRIDS, self.data.names, oof, cv)


def rescore_model(folder: Path, scenes_dir: Path, into: Path, version: str,
                  targets: Targets | None = None) -> ModelCard:  # fmt: skip
    """Score a scene-trained model's saved out-of-fold grids again (current rules and ``targets``), without training.

    The result is a new version: ``folder`` is copied to ``into`` (a new folder) and the copy's card gets
    ``version``, the new threshold and site scores, and a new report. ``folder`` itself is not touched.

    Raises:
        ModelBundleError: the folder lacks its grids or cross-validation, or the grids do not match the scenes.
    """
    card = ModelCard.load(folder)
    cv = card.metrics.cross_validation
    if not (folder / OOF_GRIDS).is_file() or cv is None:
        message = _("{folder} has no {grids} or no cross-validation: train it on scenes with cross-validation first")
        raise ModelBundleError(message.format(folder=folder, grids=OOF_GRIDS))
    oof, names, _folds = load_out_of_fold(folder / OOF_GRIDS)
    clearance = int(card.training.get("clearance_px", CellLabelSettings().clearance_px))
    data = load_labelled_scenes(scenes_dir / "img", scenes_dir / "mask", card.bands, CellLabelSettings(clearance))
    if [str(n) for n in data.names] != [str(n) for n in names] or oof.shape != data.labels.shape:
        message = _("the out-of-fold grids in {folder} are not of the scenes in {scenes}")
        raise ModelBundleError(message.format(folder=folder, scenes=scenes_dir))
    sites, details = evaluate_out_of_fold(data, oof, cv, targets or Targets())
    shutil.copytree(folder, into)
    card = dataclasses.replace(card, version=version, threshold=sites.threshold,
                               metrics=dataclasses.replace(card.metrics, sites=sites))  # fmt: skip
    card.save(into)
    write_report(into, build_report(card, details))
    return card
