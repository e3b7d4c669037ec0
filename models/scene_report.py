"""The evaluation report of a model trained on scenes with masks: JSON, Markdown and the precision/recall picture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from core.model_card import ModelCard

REPORT_JSON = "evaluation_report.json"
REPORT_MD = "evaluation_report.md"
CURVE_PNG = "precision_recall.png"


def plot_curves(report: dict[str, Any], path: Path) -> Path:
    """Two panels: precision against recall (sites and windows); the auditor's rates against the threshold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curve, cells = report["curve"], report["cell_curve"]
    chosen = report["recommended_threshold"]
    targets = report["targets"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6), dpi=110)
    left.plot(
        [r["site_recall"] for r in curve],
        [r["candidate_precision"] for r in curve],
        "o-",
        ms=3,
        label="sites: tailings found vs candidates on tailings",
    )
    left.plot(
        [r["recall"] for r in cells],
        [r["precision"] for r in cells],
        "s--",
        ms=3,
        label="windows (201 px cells), as the paper scores",
    )
    for r in curve:
        if r["threshold"] in (0.2, 0.4, 0.6, 0.8) or r["threshold"] == chosen:
            left.annotate(
                f"{r['threshold']:g}",
                (r["site_recall"], r["candidate_precision"]),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
    best = next(r for r in curve if r["threshold"] == chosen)
    left.plot([best["site_recall"]], [best["candidate_precision"]], "r*", ms=12, label=f"recommended {chosen:g}")
    left.axvline(targets["min_site_recall"], color="grey", lw=0.8, ls=":")
    left.set(
        xlabel="recall",
        ylabel="precision",
        xlim=(0, 1.02),
        ylim=(0, 1.02),
        title="Precision / recall over thresholds (out of fold)",
    )
    left.legend(fontsize=7, loc="lower left")
    t = [r["threshold"] for r in curve]
    right.plot(t, [r["site_recall"] for r in curve], "o-", ms=3, label="share of tailings sites found")
    right.plot(t, [r["far_share"] for r in curve], "s-", ms=3, label="share of area flagged > 270 m from tailings")
    right.axhline(targets["min_site_recall"], color="C0", lw=0.8, ls=":")
    right.axhline(targets["max_far_share"], color="C1", lw=0.8, ls=":")
    twin = right.twinx()
    twin.plot(t, [r["false_per_10km2"] for r in curve], "^-", ms=3, color="C3", label="false sites per 10 km²")
    twin.axhline(targets["max_false_per_10km2"], color="C3", lw=0.8, ls=":")
    twin.set_ylabel("false sites per 10 km²", color="C3")
    right.axvline(chosen, color="red", lw=1)
    right.set(xlabel="P(mine) threshold", ylabel="share", ylim=(0, 1.02), title="Auditor's rates (dotted: targets)")
    lines = right.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    right.legend(lines[0] + more[0], lines[1] + more[1], fontsize=7, loc="center left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def render_markdown(card: ModelCard, report: dict[str, Any]) -> str:
    """A readable report: data, split, site-level and window-level results, the threshold and why."""
    tr = report["training"]
    lines = [
        f"# {card.name}@{card.version}: evaluation report",
        "",
        card.description,
        "",
        f"- Bands: {', '.join(card.bands)}; data: `{tr['data_source']}`, {tr['n_scenes']} scenes of "
        f"{tr['scene_size_px']} px in {tr['n_groups']} overlap groups.",
        f"- Cells: {tr['cell_labels']} (mine = footprint touches the mask; background = no mask within "
        f"{tr['clearance_px']} px; the rest ignored).",
        f"- Training: {tr['epochs']} epochs, batch {tr['batch_size']}, Adam lr {tr['learning_rate']}, "
        f"augmentation {'on' if tr['augment'] else 'off'}; {tr['split']}; {tr['seconds']:.0f} s in all.",
    ]
    if "curve" not in report:
        return "\n".join([*lines, "", "No cross-validation was run, so there are no out-of-fold results.", ""])
    at = report["at_recommended"]
    paper = report["at_paper_threshold_0.6"]
    cells05 = report["cells_at_0.5_mean_sd"]
    targets = report["targets"]
    lines += [
        "",
        "## Out-of-fold results (every scene scored by a model that never saw its overlap group)",
        "",
        f"**Recommended threshold: {report['recommended_threshold']:g}** ({report['why']}). "
        "It is the threshold in the model card.",
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
        "Patch (window) classification as the paper reports it, each labelled cell = one 201 px window, argmax "
        "(P > 0.5), mean ± sd over folds:",
        "",
        "| accuracy | precision | recall | F1 |",
        "|---|---|---|---|",
        "| "
        + " | ".join(
            f"{cells05[k]['mean']:.4f} ± {cells05[k]['sd']:.4f}" for k in ("accuracy", "precision", "recall", "f1")
        )
        + " |",
        "",
        f"![precision / recall]({CURVE_PNG})",
        "",
        "## Per fold at the recommended threshold",
        "",
        "| fold | scenes | sites found | false sites / 10 km² | far share | window accuracy | window F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for fold, extra in zip(report["folds"], report["per_fold"], strict=True):
        s, c = extra["sites"], extra["cells"]
        lines.append(
            f"| {fold['fold']} | {fold['n_val_scenes']} | {s['found']}/{s['tailings_sites']} | "
            f"{s['false_per_10km2']:.2f} | {_pct(s['far_share'])} | {c['accuracy']:.4f} | {c['f1']:.4f} |"
        )
    lines += [
        "",
        "## Threshold curve (pooled out of fold)",
        "",
        "| threshold | sites found | false sites / 10 km² | far share | candidate precision |",
        "|---|---|---|---|---|",
    ]
    for r in report["curve"]:
        lines.append(
            f"| {r['threshold']:g} | {_pct(r['site_recall'])} | {r['false_per_10km2']:.2f} | {_pct(r['far_share'])} | "
            f"{_pct(r['candidate_precision'])} |"
        )
    missed = [s for s in report["per_scene"] if s["found"] < s["tailings_sites"]]
    noisy = sorted(report["per_scene"], key=lambda s: -s["false_candidates"])[:5]
    lines += ["", "## Where it fails (at the recommended threshold)", ""]
    lines += [
        f"- missed: {s['scene']} ({s['tailings_sites'] - s['found']} of {s['tailings_sites']} sites)" for s in missed
    ] or ["- no tailings site missed"]
    lines += [f"- most false sites: {s['scene']} ({s['false_candidates']})" for s in noisy if s["false_candidates"]]
    lines.append("")
    return "\n".join(lines)


def write_scene_report(folder: Path, card: ModelCard, report: dict[str, Any]) -> tuple[Path, Path]:
    """Write the JSON and Markdown reports (and the picture, when cross-validated) into the model folder."""
    folder = Path(folder)
    json_path, md_path = folder / REPORT_JSON, folder / REPORT_MD
    json_path.write_text(json.dumps(report, indent=2, default=float) + "\n", encoding="utf-8")
    if "curve" in report:
        plot_curves(report, folder / CURVE_PNG)
    md_path.write_text(render_markdown(card, report), encoding="utf-8")
    return json_path, md_path
