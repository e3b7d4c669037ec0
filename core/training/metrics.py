"""Classification metrics and cross-validation splits (pure numpy).

Conventions: a confusion matrix has true classes in rows and predicted classes in columns; class indices are the
model's output order. A ratio with an empty denominator is 0.0 (there is nothing to be right about).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.wording.translate import _

Fold = tuple[np.ndarray, np.ndarray]


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Return the (n_classes, n_classes) int64 matrix of counts: row = true class, column = predicted class.

    Raises:
        ValueError: the arrays differ in length or hold a label outside ``[0, n_classes)``.
    """
    t = np.asarray(y_true).ravel().astype(np.int64)
    p = np.asarray(y_pred).ravel().astype(np.int64)
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred differ in length: {t.size} vs {p.size}")
    for name, arr in (("y_true", t), ("y_pred", p)):
        if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
            raise ValueError(f"{name} holds labels outside [0, {n_classes}): {np.unique(arr).tolist()}")
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den else 0.0


def accuracy(cm: np.ndarray) -> float:
    """Fraction of samples on the diagonal."""
    return _ratio(np.trace(cm), cm.sum())


def precision(cm: np.ndarray, positive: int) -> float:
    """Of the samples predicted as ``positive``, the fraction that are."""
    return _ratio(cm[positive, positive], cm[:, positive].sum())


def recall(cm: np.ndarray, positive: int) -> float:
    """Of the samples that are ``positive``, the fraction predicted so."""
    return _ratio(cm[positive, positive], cm[positive, :].sum())


def f1_score(cm: np.ndarray, positive: int) -> float:
    """Harmonic mean of precision and recall for one class (binary F1 when ``positive`` is the positive class)."""
    p, r = precision(cm, positive), recall(cm, positive)
    return _ratio(2 * p * r, p + r)


def macro_f1(cm: np.ndarray) -> float:
    """Unweighted mean of the per-class F1 scores (for multi-class models)."""
    return float(np.mean([f1_score(cm, k) for k in range(cm.shape[0])]))


def mean_sd(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof=1; 0.0 for fewer than two values)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        return 0.0, 0.0
    sd = float(arr.std(ddof=1)) if arr.size > 1 else 0.0
    return float(arr.mean()), sd


@dataclass(frozen=True)
class FoldPlan:
    """Cross-validation folds plus how they were made, for the report.

    ``method`` is ``"group"`` (no group in both splits of a fold), ``"patch"`` (stratified by class, patches of one
    group may fall on both sides) or ``"none"`` (no cross-validation).
    """

    folds: tuple[Fold, ...]
    method: str
    k_requested: int
    k_used: int
    note: str = ""


def _assign_balanced(sizes: np.ndarray, k: int, order: np.ndarray) -> np.ndarray:
    """Give each item (a group, with a per-class count row in ``sizes``) to the fold it unbalances least."""
    target = np.maximum(sizes.sum(axis=0) / k, 1e-9)
    load = np.zeros((k, sizes.shape[1]))
    fold_of = np.empty(len(sizes), dtype=np.int64)
    for item in order:
        cost = ((load + sizes[item]) / target).max(axis=1) + 1e-6 * load.sum(axis=1)
        best = int(np.argmin(cost))
        fold_of[item] = best
        load[best] += sizes[item]
    return fold_of


def _folds_from_assignment(fold_of_sample: np.ndarray, k: int) -> list[Fold]:
    every = np.arange(fold_of_sample.size)
    return [(every[fold_of_sample != f], every[fold_of_sample == f]) for f in range(k)]


def group_kfold(groups: Sequence[str] | np.ndarray, k: int, seed: int, labels: np.ndarray | None = None) -> list[Fold]:
    """Split sample indices into ``k`` folds so that no group appears in both the training and validation side.

    Groups are dealt, largest first (ties in a seeded random order), to the fold whose size (per class, when
    ``labels`` is given) they unbalance least. With fewer groups than ``k``, one fold per group is made.

    Raises:
        ValueError: ``k < 2`` or fewer than two groups (use :func:`stratified_kfold` then).
    """
    groups_arr = np.asarray(groups)
    names, group_idx = np.unique(groups_arr, return_inverse=True)
    if k < 2:
        raise ValueError(_("k must be at least 2; got {k}").format(k=k))
    if names.size < 2:
        raise ValueError(_("group k-fold needs at least two groups; got {n}").format(n=names.size))
    k = min(k, names.size)
    y = np.zeros(groups_arr.size, dtype=np.int64) if labels is None else np.asarray(labels, dtype=np.int64)
    n_classes = int(y.max()) + 1 if y.size else 1
    sizes = np.zeros((names.size, n_classes))
    np.add.at(sizes, (group_idx, y), 1)
    rng = np.random.default_rng(seed)
    shuffled = rng.permutation(names.size)
    order = shuffled[np.argsort(-sizes.sum(axis=1)[shuffled], kind="stable")]
    fold_of_group = _assign_balanced(sizes, k, order)
    return _folds_from_assignment(fold_of_group[group_idx], k)


def stratified_kfold(labels: np.ndarray, k: int, seed: int) -> list[Fold]:
    """Split sample indices into ``k`` folds with about the same class mix each (patches are independent).

    Raises:
        ValueError: ``k < 2`` or more folds than samples.
    """
    y = np.asarray(labels, dtype=np.int64)
    if k < 2 or k > y.size:
        raise ValueError(_("k must be in [2, {n}] for {n} samples; got {k}").format(n=y.size, k=k))
    rng = np.random.default_rng(seed)
    fold_of = np.empty(y.size, dtype=np.int64)
    start = 0
    for cls in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == cls))
        fold_of[members] = (start + np.arange(members.size)) % k
        start += members.size
    return _folds_from_assignment(fold_of, k)


def _missing_class(folds: Sequence[Fold], labels: np.ndarray) -> int | None:
    present = np.unique(labels)
    for train_idx, _val_idx in folds:
        lacking = np.setdiff1d(present, labels[train_idx])
        if lacking.size:
            return int(lacking[0])
    return None


def plan_folds(groups: Sequence[str] | np.ndarray, labels: np.ndarray, k: int, seed: int) -> FoldPlan:
    """Choose the cross-validation split: by group where possible, else stratified by patch, and say why.

    ``k`` of 0 or 1 means no cross-validation (an empty plan).
    """
    labels = np.asarray(labels, dtype=np.int64)
    n_groups = np.unique(np.asarray(groups)).size
    if k <= 1:
        return FoldPlan((), "none", k, 0, _("no cross-validation requested"))
    if n_groups >= 2:
        folds = group_kfold(groups, k, seed, labels)
        note = ""
        if n_groups < k:
            note = _("only {n} groups (source scenes), so {n} folds instead of {k}").format(n=n_groups, k=k)
        lacking = _missing_class(folds, labels)
        if lacking is None:
            return FoldPlan(tuple(folds), "group", k, len(folds), note)
        reason = _("splitting by group left a training split without class {label}; split by patch instead")
        reason = reason.format(label=lacking)
    else:
        reason = _("all patches come from one group (source scene), so the split is by patch")
    folds = stratified_kfold(labels, min(k, labels.size), seed)
    return FoldPlan(tuple(folds), "patch", k, len(folds), reason)
