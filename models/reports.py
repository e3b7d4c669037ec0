"""Cross-validation reports: fold metrics summarised as mean +- sd, written as JSON and readable Markdown.

Pure Python and numpy; no Keras.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.model_card import ModelCard
from core.training.metrics import FoldPlan, accuracy, confusion_matrix, f1_score, macro_f1, mean_sd, precision, recall

REPORT_JSON = "cv_report.json"
REPORT_MD = "cv_report.md"
_SUMMARISED = ("accuracy", "precision", "recall", "f1", "train_accuracy")


@dataclass(frozen=True)
class FoldResult:
    """Metrics of one cross-validation fold on its validation split (``confusion``: rows true, columns predicted).

    For a two-class model precision, recall and F1 are those of the positive class; for more classes they are
    macro averages. ``train_accuracy`` is Keras' running accuracy over the last epoch (with dropout active).
    """

    fold: int
    n_train: int
    n_val: int
    groups_val: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    confusion: tuple[tuple[int, ...], ...]
    accuracy: float
    precision: float
    recall: float
    f1: float
    train_accuracy: float
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        data = asdict(self)
        data["confusion"] = [list(row) for row in self.confusion]
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
    confusion = tuple(tuple(int(v) for v in row) for row in cm)
    return {"confusion": confusion, "accuracy": accuracy(cm), "precision": p, "recall": r, "f1": f1}


def summarise_folds(folds: Sequence[FoldResult]) -> dict[str, Any]:
    """Mean and sample sd of each metric over the folds, and the mean confusion matrix."""
    summary: dict[str, Any] = {}
    for key in _SUMMARISED:
        mean, sd = mean_sd([getattr(f, key) for f in folds])
        summary[f"{key}_mean"], summary[f"{key}_sd"] = mean, sd
    if folds:
        mean_cm = np.mean([np.asarray(f.confusion, dtype=np.float64) for f in folds], axis=0)
        summary["confusion_mean"] = [[round(float(v), 2) for v in row] for row in mean_cm]
    return summary


def build_report(
    card: ModelCard, training: dict[str, Any], plan: FoldPlan, folds: Sequence[FoldResult], scores: str
) -> dict[str, Any]:
    """The JSON-ready report: the model, how it was trained, and the held-out score of every fold."""
    return {
        "model": {k: getattr(card, k) for k in ("name", "version", "kind", "classes", "bands", "synthetic")},
        "training": training,
        "cross_validation": {
            "method": plan.method,
            "k_requested": plan.k_requested,
            "k_used": plan.k_used,
            "note": plan.note,
            "scores": scores,
            "folds": [f.as_dict() for f in folds],
            "summary": summarise_folds(folds),
        },
    }


def _md_confusion(matrix: Sequence[Sequence[float]], classes: Sequence[str]) -> list[str]:
    lines = ["| true \\ predicted | " + " | ".join(classes) + " |", "|---" * (len(classes) + 1) + "|"]
    lines += [
        f"| {name} | " + " | ".join(f"{v:g}" for v in row) + " |" for name, row in zip(classes, matrix, strict=True)
    ]
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    """A readable Markdown version of the report built by :func:`build_report`."""
    card, train, cv = report["model"], report["training"], report["cross_validation"]
    lines = [f"# Cross-validation report: {card['name']}@{card['version']} ({card['kind']})", ""]
    if card["synthetic"]:
        lines += ["> **The training data is synthetic**: these scores say nothing about real imagery.", ""]
    counts = ", ".join(f"{k} {v}" for k, v in train["class_counts"].items())
    lines += [
        f"- Data: {train['data_source']} — {train['n_patches']} patches ({counts}) from {train['n_groups']} groups",
        f"- Split: {cv['method']}, {cv['k_used']} folds (asked for {cv['k_requested']})"
        + (f" — {cv['note']}" if cv["note"] else ""),
        f"- Training: {train['epochs']} epochs, batch {train['batch_size']}, Adam lr {train['learning_rate']:g}, "
        f"augment {train['augment']}, seed {train['seed']}; {train['seconds']:.0f} s in total",
        f"- Scores: {cv['scores']}",
        "",
    ]
    if not cv["folds"]:
        return "\n".join([*lines, "No cross-validation was run, so there are no held-out scores.", ""])
    lines += [
        "| fold | train | val | val groups | accuracy | precision | recall | F1 | train accuracy | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in cv["folds"]:
        lines.append(
            f"| {f['fold']} | {f['n_train']} | {f['n_val']} | {f['groups_val']} | {f['accuracy']:.4f} | "
            f"{f['precision']:.4f} | {f['recall']:.4f} | {f['f1']:.4f} | {f['train_accuracy']:.4f} | "
            f"{f['seconds']:.0f} |"
        )
    s = cv["summary"]
    lines.append(
        "| **mean ± sd** | | | | "
        + " | ".join(f"{s[f'{k}_mean']:.4f} ± {s[f'{k}_sd']:.4f}" for k in _SUMMARISED[:4])
        + f" | {s['train_accuracy_mean']:.4f} ± {s['train_accuracy_sd']:.4f} | |"
    )
    lines += [
        "",
        "Mean confusion matrix per fold (validation patches):",
        "",
        *_md_confusion(s["confusion_mean"], card["classes"]),
        "",
    ]
    return "\n".join(lines)


def write_reports(folder: Path, report: dict[str, Any]) -> tuple[Path, Path]:
    """Write ``cv_report.json`` and ``cv_report.md`` into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    json_path, md_path = folder / REPORT_JSON, folder / REPORT_MD
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(render_markdown(report), encoding="utf-8")
    return json_path, md_path
