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
from core.wording.translate import _, localise_number
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


def _num(value: float, spec: str) -> str:
    """``value`` formatted with ``spec`` (``.4f``, ``g``) in the current language's decimal mark."""
    return localise_number(format(value, spec))


def _stored(text: str) -> str:
    """A text the card stores (layout, unit, scores, split note, why a threshold): written in the language of the
    training, from N_-marked English constants; an English one (a shipped card) is shown in the current language."""
    return _(text) if text else text


def _pct(value: float) -> str:
    return f"{_num(100 * value, '.1f')} %"


def _row(cells: Sequence[str]) -> str:
    """A Markdown table row (an empty cell is one space wide)."""
    return "|" + "|".join(f" {cell} " if cell else " " for cell in cells) + "|"


def _md_confusion(matrix: Sequence[Sequence[float]], classes: Sequence[str]) -> list[str]:
    lines = [_row([_("true \\ predicted"), *classes]), "|---" * (len(classes) + 1) + "|"]
    lines += [_row([name, *(_num(v, "g") for v in row)]) for name, row in zip(classes, matrix, strict=True)]
    return lines


def _header(report: dict[str, Any]) -> list[str]:
    m, tr = report["model"], report["training"]
    lines = [_("# {model} ({kind}): training report").format(model=f"{m['name']}@{m['version']}", kind=m["kind"]), ""]
    if m["synthetic"]:
        lines += [_("> **The training data is synthetic**: these scores say nothing about real imagery."), ""]
    if m["description"]:
        lines += [m["description"], ""]
    split = _("- Split: {method}, {folds} folds").format(method=tr["split_method"], folds=tr["folds"])
    training = _(
        "- Training: {epochs} epochs, batch {batch_size}, {optimizer} lr {learning_rate}, {augmentation}, seed {seed}; "
        "loss {loss}; {seconds} s in all"
    ).format(
        epochs=tr["epochs"],
        batch_size=tr["batch_size"],
        optimizer=tr["optimizer"],
        learning_rate=_num(tr["learning_rate"], "g"),
        augmentation=_("augmentation on") if tr["augment"] else _("augmentation off"),
        seed=tr["seed"],
        loss=tr["loss"],
        seconds=_num(tr["seconds"], ".0f"),
    )
    return [
        *lines,
        _("- Bands: {bands}; classes: {classes}; threshold {threshold}").format(
            bands=", ".join(m["bands"]), classes=", ".join(m["classes"]), threshold=_num(m["threshold"], "g")
        ),
        _("- Data: `{source}`, {layout}: {data}").format(
            source=tr["data_source"], layout=_stored(tr["layout"]), data=tr["data"]
        ),
        split + (f" ({_stored(tr['split_note'])})" if tr["split_note"] else ""),
        training,
        "",
    ]


def _cross_validation(report: dict[str, Any]) -> list[str]:
    cv = report["cross_validation"]
    if cv is None:
        return [_("No cross-validation was run, so there are no held-out scores."), ""]
    s = cv["summary"]
    titles = [_("fold"), _("train"), _("val"), _("val groups"), _("accuracy"), _("precision"), _("recall"), "F1"]
    lines = [
        _("## Cross-validation: held-out {unit}").format(unit=_stored(cv["unit"])),
        "",
        _("Scores: {scores}.").format(scores=_stored(cv["scores"])),
        "",
        _row([*titles, _("train accuracy"), _("seconds")]),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in cv["folds"]:
        train = "" if f["train_accuracy"] is None else _num(f["train_accuracy"], ".4f")
        scores = [_num(f[k], ".4f") for k in MEASURES]
        cells = [str(f[k]) for k in ("fold", "n_train", "n_val", "val_groups")] + scores
        lines.append("| " + " | ".join([*cells, train, _num(f["seconds"], ".0f")]) + " |")
    means = [f"{_num(s[k]['mean'], '.4f')} ± {_num(s[k]['sd'], '.4f')}" for k in MEASURES]
    lines.append(_row([_("**mean ± sd**"), "", "", "", *means, "", ""]))
    classes = report["model"]["classes"]
    if cv["confusion_mean"] and len(cv["confusion_mean"]) == len(classes):
        lines += ["", _("Mean confusion matrix per fold (held-out {unit}):").format(unit=_stored(cv["unit"])), ""]
        lines += _md_confusion(cv["confusion_mean"], classes)
    return [*lines, ""]


def _found(s: dict[str, Any]) -> str:
    return f"{s['found']}/{s['tailings_sites']} = {_pct(s['site_recall'])}"


def _sites(report: dict[str, Any]) -> list[str]:
    sites = report["sites"]
    if sites is None:
        return []
    at, paper, targets = sites["at_threshold"], sites["at_paper_threshold"], sites["targets"]
    of = _("{n} of {total}").format(n=at["false_candidates"], total=at["candidates"])
    lines = [
        _("## Out-of-fold sites (every scene scored by a model that never saw its overlap group)"),
        "",
        _("**Recommended threshold: {threshold}** ({why}). It is the threshold in the model card.").format(
            threshold=_num(sites["threshold"], "g"), why=_stored(sites["why"])
        ),
        "",
        _row([_("measure"), _("at the recommended threshold"), _("at the paper's 0.6"), _("target")]),
        "|---|---|---|---|",
        _row([_("tailings sites found"), _found(at), _found(paper), f">= {_pct(targets['min_site_recall'])}"]),
        _row(
            [
                _("false candidate sites per 10 km²"),
                f"{_num(at['false_per_10km2'], '.2f')} ({of})",
                _num(paper["false_per_10km2"], ".2f"),
                f"<= {_num(targets['max_false_per_10km2'], 'g')}",
            ]
        ),
        _row(
            [
                _("scanned area flagged > 270 m from tailings"),
                _pct(at["far_share"]),
                _pct(paper["far_share"]),
                f"<= {_pct(targets['max_far_share'])}",
            ]
        ),
        _row(
            [
                _("candidate sites on tailings (precision)"),
                _pct(at["candidate_precision"]),
                _pct(paper["candidate_precision"]),
                "",
            ]
        ),
        _row([_("scanned area"), f"{_num(at['scanned_km2'], '.1f')} km²", "", ""]),
        "",
        "![" + _("precision / recall") + f"]({CURVE_PNG})",
        "",
    ]
    far, false_sites = _("far share"), _("false sites / 10 km²")
    if "per_fold" in sites:
        lines += [
            _("### Per fold at the recommended threshold"),
            "",
            _row([_("fold"), _("sites found"), false_sites, far, _("window accuracy"), _("window F1")]),
            "|---|---|---|---|---|---|",
        ]
        for f in sites["per_fold"]:
            s, c = f["sites"], f["windows"]
            lines.append(
                _row(
                    [
                        str(f["fold"]),
                        f"{s['found']}/{s['tailings_sites']}",
                        _num(s["false_per_10km2"], ".2f"),
                        _pct(s["far_share"]),
                        _num(c["accuracy"], ".4f"),
                        _num(c["f1"], ".4f"),
                    ]
                )
            )
        lines += ["", _("### Threshold curve (pooled out of fold)"), ""]
        lines += [_row([_("threshold"), _("sites found"), false_sites, far, _("candidate precision")])]
        lines += ["|---|---|---|---|---|"]
        lines += [
            _row(
                [
                    _num(r["threshold"], "g"),
                    _pct(r["site_recall"]),
                    _num(r["false_per_10km2"], ".2f"),
                    _pct(r["far_share"]),
                    _pct(r["candidate_precision"]),
                ]
            )
            for r in sites["curve"]
        ]
    if "per_scene" in sites:
        missed = [s for s in sites["per_scene"] if s["found"] < s["tailings_sites"]]
        noisy = sorted(sites["per_scene"], key=lambda s: -s["false_candidates"])[:5]
        lines += ["", _("### Where it fails (at the recommended threshold)"), ""]
        lines += [
            _("- missed: {scene} ({missed} of {sites} sites)").format(
                scene=s["scene"], missed=s["tailings_sites"] - s["found"], sites=s["tailings_sites"]
            )
            for s in missed
        ] or [_("- no tailings site missed")]
        lines += [
            _("- most false sites: {scene} ({n})").format(scene=s["scene"], n=s["false_candidates"])
            for s in noisy
            if s["false_candidates"]
        ]
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
