"""Metrics against numbers worked out by hand, and cross-validation splits that never leak a group."""

from __future__ import annotations

import numpy as np
import pytest

from core.training.metrics import (
    accuracy,
    confusion_matrix,
    f1_score,
    group_kfold,
    macro_f1,
    mean_sd,
    plan_folds,
    precision,
    recall,
    stratified_kfold,
)


def test_binary_metrics_by_hand() -> None:
    # 10 samples, positive class 1: TP 4, FN 1, FP 2, TN 3.
    y_true = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
    y_pred = np.array([1, 1, 1, 1, 0, 1, 1, 0, 0, 0])
    cm = confusion_matrix(y_true, y_pred, 2)
    assert cm.tolist() == [[3, 2], [1, 4]]
    assert accuracy(cm) == pytest.approx(0.7)
    assert precision(cm, 1) == pytest.approx(4 / 6)
    assert recall(cm, 1) == pytest.approx(4 / 5)
    assert f1_score(cm, 1) == pytest.approx(2 * 4 / (2 * 4 + 2 + 1))  # 2TP / (2TP + FP + FN) = 8/11


def test_macro_f1_by_hand() -> None:
    cm = np.array([[2, 1, 0], [0, 3, 0], [1, 0, 1]])
    # class 0: P 2/3 R 2/3 F1 2/3; class 1: P 3/4 R 1 F1 6/7; class 2: P 1 R 1/2 F1 2/3
    assert macro_f1(cm) == pytest.approx((2 / 3 + 6 / 7 + 2 / 3) / 3)
    assert accuracy(cm) == pytest.approx(6 / 8)


def test_empty_denominators_give_zero() -> None:
    cm = confusion_matrix(np.zeros(4, int), np.zeros(4, int), 2)
    assert precision(cm, 1) == 0.0 and recall(cm, 1) == 0.0 and f1_score(cm, 1) == 0.0
    assert accuracy(np.zeros((2, 2), int)) == 0.0


def test_confusion_matrix_rejects_bad_labels() -> None:
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix(np.array([0, 2]), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match="differ in length"):
        confusion_matrix(np.array([0, 1]), np.array([0]), 2)


def test_mean_sd() -> None:
    assert mean_sd([0.9, 1.0, 0.95]) == pytest.approx((0.95, 0.05))
    assert mean_sd([0.5]) == (0.5, 0.0)


def _check_partition(folds: list[tuple[np.ndarray, np.ndarray]], n: int) -> None:
    all_val = np.concatenate([va for _, va in folds])
    assert sorted(all_val.tolist()) == list(range(n))  # every sample validated exactly once
    for tr, va in folds:
        assert np.intersect1d(tr, va).size == 0 and tr.size + va.size == n


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_group_kfold_never_leaks_a_group(seed: int) -> None:
    rng = np.random.default_rng(seed)
    groups = np.array([f"scene{g}" for g in rng.integers(0, 23, size=400)])
    labels = rng.integers(0, 2, size=400)
    folds = group_kfold(groups, 10, seed, labels)
    assert len(folds) == 10
    _check_partition(folds, 400)
    for tr, va in folds:
        assert not set(groups[tr]) & set(groups[va])
    sizes = [va.size for _, va in folds]
    assert max(sizes) < 3 * min(sizes)  # roughly balanced


def test_group_kfold_is_reproducible_and_caps_k() -> None:
    groups = np.repeat(["a", "b", "c"], 4)
    first, again = group_kfold(groups, 10, 5), group_kfold(groups, 10, 5)
    assert len(first) == 3
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(first, again, strict=True))


def test_plan_folds_reports_what_it_did() -> None:
    labels = np.tile([0, 1], 10)
    plan = plan_folds(np.repeat([f"s{i}" for i in range(4)], 5), labels, 10, 0)
    assert plan.method == "group" and plan.k_used == 4 and "only 4 groups" in plan.note
    single = plan_folds(np.full(20, "only"), labels, 5, 0)
    assert single.method == "patch" and single.k_used == 5 and "one group" in single.note
    _check_partition(list(single.folds), 20)
    # Groups that each hold one class only would leave a training split without that class.
    pure = plan_folds(np.where(labels == 1, "mine", "bg"), labels, 2, 0)
    assert pure.method == "patch" and "without class" in pure.note
    assert plan_folds(np.full(20, "x"), labels, 1, 0).folds == ()


def test_stratified_kfold_keeps_the_class_mix() -> None:
    labels = np.array([0] * 30 + [1] * 10)
    folds = stratified_kfold(labels, 5, 3)
    _check_partition(folds, 40)
    assert all(np.bincount(labels[va]).tolist() == [6, 2] for _, va in folds)
