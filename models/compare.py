"""Before and after: two versions of a model scored on exactly the same frozen cases, as a table and a picture.

Each version scans every scene that holds frozen cases (the whole scene, its P(mine) grid kept); the grids are
scored by :mod:`core.training.frozen_cases` at each version's own card threshold and over a range of thresholds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import shapely

from core.errors import ModelBundleError, TrainingDataError
from core.imagery.geo import WGS84, reproject_geometry
from core.model_card import ModelCard
from core.scan.pipeline import ScanModel, ScanSettings, scan_scene
from core.training.frozen_cases import Case, SceneCases, curve, score
from core.wording.translate import _, localise_number
from models.bundle import load_bundle

COMPARE_JSON = "compare.json"
COMPARE_MD = "compare.md"
COMPARE_PNG = "compare_precision_recall.png"
Cases = Mapping[Path, Sequence[tuple[int, str, str, str]]]


def _scene_cases(model: ScanModel, cases: Cases) -> list[SceneCases]:
    out = []
    for path, rows in cases.items():
        if not Path(path).is_file():
            raise TrainingDataError(
                _("the frozen cases' scene {path} is not there any more (moved?)").format(path=path)
            )
        result = scan_scene(Path(path), model, None, ScanSettings(threshold=model.card.threshold))
        crs = result.grid.crs_wkt
        scene = [Case(site, d, reason, reproject_geometry(shapely.from_wkt(wkt), WGS84, crs))
                 for site, d, reason, wkt in rows]  # fmt: skip
        out.append(SceneCases(result.grid.p_mine, result.grid.cell_transform, scene))
    return out


def compare_versions(before: Path, after: Path, cases: Cases) -> dict[str, Any]:
    """Score both model folders on ``cases`` (scene file -> frozen cases); the JSON-ready comparison.

    Raises:
        ModelBundleError: the two are not versions of one model, or their bands differ.
        TrainingDataError: there are no frozen cases, or a scene of them cannot be found.
    """
    cards = [ModelCard.load(before), ModelCard.load(after)]
    if cards[0].name != cards[1].name or cards[0].bands != cards[1].bands:
        message = _("{before} and {after} are not two versions of one model")
        raise ModelBundleError(message.format(before=cards[0].ref, after=cards[1].ref))
    if not any(cases.values()):
        message = _("{model} has no frozen evaluation set yet: build a training set for it first")
        raise TrainingDataError(message.format(model=cards[0].name))
    versions = []
    for folder, card in zip((before, after), cards, strict=True):
        loaded = load_bundle(folder)
        scenes = _scene_cases(ScanModel(loaded.card, loaded.predict), cases)
        versions.append({"model": card.ref, "threshold": card.threshold, "at_threshold": score(scenes, card.threshold),
                         "curve": curve(scenes)})  # fmt: skip
    n = sum(len(v) for v in cases.values())
    return {"model": cards[0].name, "cases": n, "scenes": [str(p) for p in cases], "versions": versions}


def _pct(v: object) -> str:
    return f"{localise_number(f'{100 * float(v):.1f}')} %" if isinstance(v, int | float) else str(v)


def _num(value: float, spec: str) -> str:
    return localise_number(format(value, spec))


def render_markdown(report: Mapping[str, Any]) -> str:
    """The before/after table: each version at its own threshold, and per rejection reason what it still flags."""
    a, b = report["versions"]
    sa, sb = a["at_threshold"], b["at_threshold"]
    at = _("{model} (threshold {threshold})")

    def row(measure: str, cell: Callable[[Mapping[str, Any]], str]) -> str:
        return f"| {measure} | {cell(sa)} | {cell(sb)} |"

    lines = [
        _("# {before} vs {after} on the same {n} frozen cases").format(
            before=a["model"], after=b["model"], n=report["cases"]
        ),
        "",
        _("Frozen cases are reviewed places kept out of every training set. Measured within 2 km of a case."),
        "",
        "| {measure} | {a} | {b} |".format(
            measure=_("measure"),
            a=at.format(model=a["model"], threshold=_num(a["threshold"], "g")),
            b=at.format(model=b["model"], threshold=_num(b["threshold"], "g")),
        ),
        "|---|---|---|",
        row(_("confirmed sites found"), lambda s: f"{s['found']}/{s['confirmed']} = {_pct(s['site_recall'])}"),
        row(_("false sites per 10 km²"), lambda s: _num(s["false_per_10km2"], ".2f")),
        row(_("area flagged > 270 m from any confirmed site"), lambda s: _pct(s["far_share"])),
        row(_("precision (flagged cells near a confirmed site)"), lambda s: _pct(s["precision"])),
        row(_("scored area"), lambda s: f"{_num(s['scored_km2'], '.1f')} km²"),
    ]
    for reason in sorted(set(sa["rejected_still_flagged"]) | set(sb["rejected_still_flagged"])):
        ra = sa["rejected_still_flagged"].get(reason, {"cases": 0, "still_flagged": 0})
        rb = sb["rejected_still_flagged"].get(reason, {"cases": 0, "still_flagged": 0})
        measure = _("rejected as {reason}: still flagged").format(reason=reason)
        lines.append(f"| {measure} | {ra['still_flagged']}/{ra['cases']} | {rb['still_flagged']}/{rb['cases']} |")
    picture = "![" + _("precision / recall of both versions") + f"]({COMPARE_PNG})"
    return "\n".join([*lines, "", picture, ""])


def plot(report: Mapping[str, Any], path: Path) -> Path:
    """Precision against site recall over thresholds, both versions on one plot (star: at the card's threshold)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.6), dpi=110)
    for v, style in zip(report["versions"], ("o--", "s-"), strict=True):
        rows = v["curve"]
        ax.plot([r["site_recall"] for r in rows], [r["precision"] for r in rows], style, ms=3, label=v["model"])
        at = v["at_threshold"]
        ax.plot([at["site_recall"]], [at["precision"]], "r*", ms=10)
    ax.set(xlabel=_("site recall (confirmed cases found)"), ylabel=_("precision (flagged cells near a confirmed case)"),
           xlim=(0, 1.02), ylim=(0, 1.02), title=_("Frozen cases, both versions (star: card threshold)"))  # fmt: skip
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def write_comparison(folder: Path, report: Mapping[str, Any]) -> tuple[Path, Path, Path]:
    """Write ``compare.json``, ``compare.md`` and the picture into ``folder`` (the newer version's)."""
    folder = Path(folder)
    js, md, png = folder / COMPARE_JSON, folder / COMPARE_MD, folder / COMPARE_PNG
    js.write_text(json.dumps(report, indent=2, default=float) + "\n", encoding="utf-8")
    plot(report, png)
    md.write_text(render_markdown(report), encoding="utf-8")
    return js, md, png
