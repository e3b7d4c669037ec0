"""Two scene-trained versions compared out of fold, on the same scenes split the same way: a table and a picture.

Both versions' reports hold their out-of-fold site curves (:mod:`models.scene_layout`). The comparison refuses two
versions whose folds differ: then the numbers would not be of the same held-out scenes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.errors import ModelBundleError
from core.model_card import ModelCard
from core.training.mask_evaluation import Targets, meets
from core.wording.translate import _, localise_number
from models.reports import REPORT_JSON

OOF_COMPARE_JSON = "compare_out_of_fold.json"
OOF_COMPARE_MD = "compare_out_of_fold.md"
OOF_COMPARE_PNG = "compare_out_of_fold.png"


def _report(folder: Path) -> tuple[ModelCard, dict[str, Any]]:
    card = ModelCard.load(folder)
    path = Path(folder) / REPORT_JSON
    report = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if card.metrics.cross_validation is None or "sites" not in report:
        message = _("{model} has no out-of-fold site scores: it was not trained on scenes with cross-validation")
        raise ModelBundleError(message.format(model=card.ref))
    return card, report


def _row(card: ModelCard, report: dict[str, Any], targets: Targets) -> dict[str, Any]:
    sites = report["sites"]
    at = sites["at_threshold"]
    windows = sites["windows_at_threshold"]
    f1 = card.metrics.measure("f1")
    return {
        "model": card.ref,
        "threshold": sites["threshold"],
        "site_recall": at["site_recall"],
        "found": at["found"],
        "tailings_sites": at["tailings_sites"],
        "false_per_10km2": at["false_per_10km2"],
        "false_candidates": at["false_candidates"],
        "far_share": at["far_share"],
        "targets_met": sum(
            (
                at["site_recall"] >= targets.min_site_recall,
                at["false_per_10km2"] <= targets.max_false_per_10km2,
                at["far_share"] <= targets.max_far_share,
            )
        ),  # fmt: skip
        "all_targets_at": [r["threshold"] for r in sites["curve"] if meets(r, targets)],
        "window_accuracy": windows["accuracy"],
        "window_f1": windows["f1"],
        "cv_f1_mean": f1.mean if f1 else None,
        "cv_f1_sd": f1.sd if f1 else None,
        "curve": sites["curve"],
    }


def beats(after: dict[str, Any], before: dict[str, Any], targets: Targets) -> tuple[bool, str]:
    """Whether ``after`` is better than ``before`` for an auditor, and why (recall is never traded away).

    Better: meets more of the three targets, unless it finds fewer tailings sites and misses the recall target; or
    meets as many, finds at least as many, and flags less area far from tailings with no more false sites.
    """
    a, b = after["model"], before["model"]
    if after["found"] < before["found"] and after["site_recall"] < targets.min_site_recall:
        why = _("{after} finds fewer tailings sites ({found} vs {before_found})")
        return False, why.format(after=a, found=after["found"], before_found=before["found"])
    if after["targets_met"] > before["targets_met"]:
        why = _("{after} meets {met} of the 3 targets, {before} {before_met}")
        return True, why.format(after=a, met=after["targets_met"], before=b, before_met=before["targets_met"])
    same_targets = after["targets_met"] == before["targets_met"] and after["found"] >= before["found"]
    less_far = after["far_share"] < before["far_share"]
    if same_targets and less_far and after["false_per_10km2"] <= before["false_per_10km2"]:
        why = _("{after} flags less area far from tailings, finds as many sites and has no more false sites")
        return True, why.format(after=a)
    return False, _("{after} is not better than {before} on the three targets").format(after=a, before=b)


def compare_out_of_fold(before: Path, after: Path, targets: Targets | None = None) -> dict[str, Any]:
    """Both versions' out-of-fold scores side by side, and whether the newer one beats the older.

    Raises:
        ModelBundleError: a version without out-of-fold site scores, or folds that hold different scenes.
    """
    targets = targets or Targets()
    (card_b, rep_b), (card_a, rep_a) = _report(before), _report(after)
    folds_b = [f.val_items for f in card_b.metrics.cross_validation.folds]  # type: ignore[union-attr]
    folds_a = [f.val_items for f in card_a.metrics.cross_validation.folds]  # type: ignore[union-attr]
    if folds_b != folds_a:
        message = _("{before} and {after} were cross-validated on different folds: their out-of-fold numbers are "
                    "not of the same held-out scenes")  # fmt: skip
        raise ModelBundleError(message.format(before=card_b.ref, after=card_a.ref))
    rows = [_row(card_b, rep_b, targets), _row(card_a, rep_a, targets)]
    better, why = beats(rows[1], rows[0], targets)
    return {"versions": rows, "folds": len(folds_a), "scenes": sum(len(f) for f in folds_a),
            "targets": vars(targets), "after_beats_before": better, "why": why}  # fmt: skip


def comparison_markdown(report: dict[str, Any]) -> str:
    """The table, as the README and the Models page show it."""
    b, a = report["versions"]
    t = report["targets"]

    def num(v: float, spec: str) -> str:
        return localise_number(format(v, spec))

    def pct(v: float) -> str:
        return f"{num(100 * v, '.1f')} %"

    def sd(r: dict[str, Any]) -> str:
        return "-" if r["cv_f1_mean"] is None else f"{num(r['cv_f1_mean'], '.3f')} ± {num(r['cv_f1_sd'], '.3f')}"

    def row(measure: str, cell: Callable[[dict[str, Any]], str]) -> str:
        return f"| {measure} | {cell(b)} | {cell(a)} |"

    def at_list(r: dict[str, Any]) -> str:
        return ", ".join(num(x, "g") for x in r["all_targets_at"]) or _("none")

    def targets_met(r: dict[str, Any]) -> str:
        return _("{n} of 3").format(n=r["targets_met"])

    lines = [
        _("Out of fold: {scenes} scenes in {folds} folds by overlap group (the same folds for both).").format(
            scenes=report["scenes"], folds=report["folds"]
        ),
        "",
        row(_("measure (target)"), lambda r: r["model"]),
        "|---|---|---|",
        row(_("threshold (recommended out of fold)"), lambda r: num(r["threshold"], "g")),
        row(
            _("tailings sites found (≥ {share})").format(share=num(t["min_site_recall"], ".0%")),
            lambda r: f"{r['found']}/{r['tailings_sites']} = {pct(r['site_recall'])}",
        ),
        row(
            _("false sites per 10 km² (≤ {n})").format(n=num(t["max_false_per_10km2"], "g")),
            lambda r: f"{num(r['false_per_10km2'], '.2f')} ({r['false_candidates']})",
        ),
        row(
            _("area flagged > 270 m from tailings (≤ {share})").format(share=num(t["max_far_share"], ".0%")),
            lambda r: pct(r["far_share"]),
        ),
        row(_("targets met"), targets_met),
        row(_("thresholds meeting all three"), at_list),
        row(_("window accuracy at the threshold"), lambda r: num(r["window_accuracy"], ".3f")),
        row(_("window F1 at the threshold"), lambda r: num(r["window_f1"], ".3f")),
        row(_("window F1 at 0.5, per fold (mean ± sd)"), sd),
        "",
        _("Verdict: {why}.").format(why=report["why"]),
    ]
    return "\n".join(lines) + "\n"


def plot_comparison(report: dict[str, Any], path: Path) -> Path:
    """Precision/recall of sites for both versions on one plot, each version's threshold starred."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6), dpi=110)
    for row, style in zip(report["versions"], ("o--", "s-"), strict=True):
        curve = row["curve"]
        line = left.plot([r["site_recall"] for r in curve], [r["candidate_precision"] for r in curve], style, ms=3,
                         label=row["model"])[0]  # fmt: skip
        chosen = next(r for r in curve if r["threshold"] == row["threshold"])
        left.plot([chosen["site_recall"]], [chosen["candidate_precision"]], "*", color=line.get_color(), ms=13)
        t = [r["threshold"] for r in curve]
        right.plot(t, [r["far_share"] for r in curve], style, ms=3, color=line.get_color(),
                   label=_("{model}: area > 270 m from tailings").format(model=row["model"]))  # fmt: skip
        right.plot(t, [r["false_per_10km2"] / 10 for r in curve], ":", color=line.get_color(),
                   label=_("{model}: false sites per 100 km²").format(model=row["model"]))  # fmt: skip
    targets = report["targets"]
    left.axvline(targets["min_site_recall"], color="grey", lw=0.8, ls=":")
    left.set(xlabel=_("share of tailings sites found (recall)"), ylabel=_("candidates on tailings (precision)"),
             xlim=(0, 1.02), ylim=(0, 1.02), title=_("Sites out of fold (star: each version's threshold)"))  # fmt: skip
    left.legend(fontsize=8, loc="lower left")
    right.axhline(targets["max_far_share"], color="grey", lw=0.8, ls=":")
    right.set(xlabel=_("threshold"), ylabel=_("share"), title=_("False alarms against the threshold"), ylim=(0, 0.5))
    right.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def write_oof_comparison(folder: Path, report: dict[str, Any]) -> tuple[Path, Path, Path]:
    """Write the comparison's json, markdown and picture into ``folder``."""
    folder = Path(folder)
    js = folder / OOF_COMPARE_JSON
    js.write_text(json.dumps(report, indent=2), encoding="utf-8")
    md = folder / OOF_COMPARE_MD
    md.write_text(comparison_markdown(report), encoding="utf-8")
    return js, md, plot_comparison(report, folder / OOF_COMPARE_PNG)
