"""The one training report of every model: ``report.json``, a readable ``report.md`` and, for models scored site
by site, the precision/recall picture. No Keras.

The report holds the card's facts, how it was trained, every fold's held-out scores (mean ± sd) and, when the
model was trained on scenes with masks, the site-level curves behind the card's threshold.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from core.model_card import ModelCard
from core.training.card_metrics import MEASURES
from models.report_plot import CURVE_PNG, plot_curves

REPORT_JSON = "report.json"
REPORT_MD = "report.md"


def build_report(card: ModelCard, site_details: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON-ready report of ``card``; ``site_details`` (curves, per fold, per scene) join its site scores."""
    cv, sites = card.metrics.cross_validation, card.metrics.sites
    model = ("name", "version", "kind", "classes", "bands", "synthetic", "threshold", "description")
    return {
        "model": {k: getattr(card, k) for k in model},
        "training": card.training,
        "cross_validation": None if cv is None else {**asdict(cv), "confusion_mean": cv.mean_confusion()},
        "sites": None if sites is None else {**asdict(sites), **(site_details or {})},
    }


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def _md_confusion(matrix: Sequence[Sequence[float]], classes: Sequence[str]) -> list[str]:
    lines = ["| true \\ predicted | " + " | ".join(classes) + " |", "|---" * (len(classes) + 1) + "|"]
    lines += [
        f"| {name} | " + " | ".join(f"{v:g}" for v in row) + " |" for name, row in zip(classes, matrix, strict=True)
    ]
    return lines


def _header(report: dict[str, Any]) -> list[str]:
    m, tr = report["model"], report["training"]
    lines = [f"# {m['name']}@{m['version']} ({m['kind']}): training report", ""]
    if m["synthetic"]:
        lines += ["> **The training data is synthetic**: these scores say nothing about real imagery.", ""]
    if m["description"]:
        lines += [m["description"], ""]
    return [
        *lines,
        f"- Bands: {', '.join(m['bands'])}; classes: {', '.join(m['classes'])}; threshold {m['threshold']:g}",
        f"- Data: `{tr['data_source']}`, {tr['layout']}: {tr['data']}",
        f"- Split: {tr['split_method']}, {tr['folds']} folds" + (f" ({tr['split_note']})" if tr["split_note"] else ""),
        f"- Training: {tr['epochs']} epochs, batch {tr['batch_size']}, {tr['optimizer']} lr {tr['learning_rate']:g}, "
        f"augmentation {'on' if tr['augment'] else 'off'}, seed {tr['seed']}; loss {tr['loss']}; "
        f"{tr['seconds']:.0f} s in all",
        "",
    ]


def _cross_validation(report: dict[str, Any]) -> list[str]:
    cv = report["cross_validation"]
    if cv is None:
        return ["No cross-validation was run, so there are no held-out scores.", ""]
    s = cv["summary"]
    lines = [
        f"## Cross-validation: held-out {cv['unit']}",
        "",
        f"Scores: {cv['scores']}.",
        "",
        "| fold | train | val | val groups | accuracy | precision | recall | F1 | train accuracy | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in cv["folds"]:
        train = "" if f["train_accuracy"] is None else f"{f['train_accuracy']:.4f}"
        lines.append(
            f"| {f['fold']} | {f['n_train']} | {f['n_val']} | {f['val_groups']} | "
            + " | ".join(f"{f[k]:.4f}" for k in MEASURES)
            + f" | {train} | {f['seconds']:.0f} |"
        )
    lines.append("| **mean ± sd** | | | | " + " | ".join(f"{s[k]['mean']:.4f} ± {s[k]['sd']:.4f}" for k in MEASURES)
                 + " | | |")  # fmt: skip
    classes = report["model"]["classes"]
    if cv["confusion_mean"] and len(cv["confusion_mean"]) == len(classes):
        lines += ["", f"Mean confusion matrix per fold (held-out {cv['unit']}):", ""]
        lines += _md_confusion(cv["confusion_mean"], classes)
    return [*lines, ""]


def _sites(report: dict[str, Any]) -> list[str]:
    sites = report["sites"]
    if sites is None:
        return []
    at, paper, targets = sites["at_threshold"], sites["at_paper_threshold"], sites["targets"]
    lines = [
        "## Out-of-fold sites (every scene scored by a model that never saw its overlap group)",
        "",
        f"**Recommended threshold: {sites['threshold']:g}** ({sites['why']}). It is the threshold in the model card.",
        "",
        "| measure | at the recommended threshold | at the paper's 0.6 | target |",
        "|---|---|---|---|",
        f"| tailings sites found | {at['found']}/{at['tailings_sites']} = {_pct(at['site_recall'])} | "
        f"{paper['found']}/{paper['tailings_sites']} = {_pct(paper['site_recall'])} | "
        f">= {_pct(targets['min_site_recall'])} |",
        f"| false candidate sites per 10 km² | {at['false_per_10km2']:.2f} ({at['false_candidates']} of "
        f"{at['candidates']}) | {paper['false_per_10km2']:.2f} | <= {targets['max_false_per_10km2']:g} |",
        f"| scanned area flagged > 270 m from tailings | {_pct(at['far_share'])} | {_pct(paper['far_share'])} | "
        f"<= {_pct(targets['max_far_share'])} |",
        f"| candidate sites on tailings (precision) | {_pct(at['candidate_precision'])} | "
        f"{_pct(paper['candidate_precision'])} | |",
        f"| scanned area | {at['scanned_km2']:.1f} km² | | |",
        "",
        f"![precision / recall]({CURVE_PNG})",
        "",
    ]
    if "per_fold" in sites:
        lines += [
            "### Per fold at the recommended threshold",
            "",
            "| fold | sites found | false sites / 10 km² | far share | window accuracy | window F1 |",
            "|---|---|---|---|---|---|",
        ]
        for f in sites["per_fold"]:
            s, c = f["sites"], f["windows"]
            lines.append(
                f"| {f['fold']} | {s['found']}/{s['tailings_sites']} | {s['false_per_10km2']:.2f} | "
                f"{_pct(s['far_share'])} | {c['accuracy']:.4f} | {c['f1']:.4f} |"
            )
        lines += ["", "### Threshold curve (pooled out of fold)", ""]
        lines += ["| threshold | sites found | false sites / 10 km² | far share | candidate precision |"]
        lines += ["|---|---|---|---|---|"]
        lines += [
            f"| {r['threshold']:g} | {_pct(r['site_recall'])} | {r['false_per_10km2']:.2f} | {_pct(r['far_share'])} "
            f"| {_pct(r['candidate_precision'])} |"
            for r in sites["curve"]
        ]
    if "per_scene" in sites:
        missed = [s for s in sites["per_scene"] if s["found"] < s["tailings_sites"]]
        noisy = sorted(sites["per_scene"], key=lambda s: -s["false_candidates"])[:5]
        lines += ["", "### Where it fails (at the recommended threshold)", ""]
        lines += [
            f"- missed: {s['scene']} ({s['tailings_sites'] - s['found']} of {s['tailings_sites']} sites)"
            for s in missed
        ] or ["- no tailings site missed"]
        lines += [f"- most false sites: {s['scene']} ({s['false_candidates']})" for s in noisy if s["false_candidates"]]
    return [*lines, ""]


def render_markdown(report: dict[str, Any]) -> str:
    """The readable report: the model, its data and training, the folds and, where scored, the sites."""
    return "\n".join([*_header(report), *_cross_validation(report), *_sites(report)])


def write_report(folder: Path, report: dict[str, Any]) -> tuple[Path, Path]:
    """Write ``report.json``, ``report.md`` and (with site curves) the picture into ``folder``; return the two."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    json_path, md_path = folder / REPORT_JSON, folder / REPORT_MD
    json_path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=float) + "\n", encoding="utf-8")
    if report["sites"] is not None and "curve" in report["sites"]:
        plot_curves(report["sites"], folder / CURVE_PNG)
    md_path.write_text(render_markdown(report), encoding="utf-8")
    return json_path, md_path
