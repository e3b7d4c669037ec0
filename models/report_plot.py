"""The precision/recall picture of a model trained on scenes with masks (matplotlib, no Keras)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.wording.translate import _, localise_number

CURVE_PNG = "precision_recall.png"


def plot_curves(sites: dict[str, Any], path: Path) -> Path:
    """Two panels: precision against recall (sites and windows); the auditor's rates against the threshold.

    ``sites`` is the report's ``sites`` part: its ``curve``, ``cell_curve``, ``threshold`` and ``targets``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curve, cells = sites["curve"], sites["cell_curve"]
    chosen = sites["threshold"]
    targets = sites["targets"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6), dpi=110)
    left.plot(
        [r["site_recall"] for r in curve],
        [r["candidate_precision"] for r in curve],
        "o-",
        ms=3,
        label=_("sites: tailings found vs candidates on tailings"),
    )
    left.plot(
        [r["recall"] for r in cells],
        [r["precision"] for r in cells],
        "s--",
        ms=3,
        label=_("windows (201 px cells), as the paper scores"),
    )
    for r in curve:
        if r["threshold"] in (0.2, 0.4, 0.6, 0.8) or r["threshold"] == chosen:
            left.annotate(
                localise_number(f"{r['threshold']:g}"),
                (r["site_recall"], r["candidate_precision"]),
                fontsize=7,
                xytext=(3, 3),
                textcoords="offset points",
            )
    best = next(r for r in curve if r["threshold"] == chosen)
    left.plot(
        [best["site_recall"]],
        [best["candidate_precision"]],
        "r*",
        ms=12,
        label=_("recommended {threshold}").format(threshold=localise_number(f"{chosen:g}")),
    )
    left.axvline(targets["min_site_recall"], color="grey", lw=0.8, ls=":")
    left.set(
        xlabel=_("recall"),
        ylabel=_("precision"),
        xlim=(0, 1.02),
        ylim=(0, 1.02),
        title=_("Precision / recall over thresholds (out of fold)"),
    )
    left.legend(fontsize=7, loc="lower left")
    t = [r["threshold"] for r in curve]
    right.plot(t, [r["site_recall"] for r in curve], "o-", ms=3, label=_("share of tailings sites found"))
    right.plot(t, [r["far_share"] for r in curve], "s-", ms=3, label=_("share of area flagged > 270 m from tailings"))
    right.axhline(targets["min_site_recall"], color="C0", lw=0.8, ls=":")
    right.axhline(targets["max_far_share"], color="C1", lw=0.8, ls=":")
    twin = right.twinx()
    twin.plot(t, [r["false_per_10km2"] for r in curve], "^-", ms=3, color="C3", label=_("false sites per 10 km²"))
    twin.axhline(targets["max_false_per_10km2"], color="C3", lw=0.8, ls=":")
    twin.set_ylabel(_("false sites per 10 km²"), color="C3")
    right.axvline(chosen, color="red", lw=1)
    right.set(
        xlabel=_("P(mine) threshold"), ylabel=_("share"), ylim=(0, 1.02), title=_("Auditor's rates (dotted: targets)")
    )
    lines = right.get_legend_handles_labels()
    more = twin.get_legend_handles_labels()
    right.legend(lines[0] + more[0], lines[1] + more[1], fontsize=7, loc="center left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
