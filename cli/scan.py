"""``scan`` and ``evaluate``: scan a GeoTIFF scene; write its sites, store them, or score them against truth."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.cluster import add_cluster_options, cluster_from_args, driver_models, engine_for, wants_cluster
from cli.common import (
    AUTO_IMPACT,
    add_radius_options,
    add_store_option,
    fmt,
    impact_model_ref,
    load_scan_model,
    match_settings,
    open_store,
    progress_bar,
    promoted_models,
    say,
)
from core import settings
from core.errors import MineScanError
from core.imagery.periods import Period, parse_period
from core.wording.translate import N_, _, ngettext
from db.scans import scan_record, scan_summary

if TYPE_CHECKING:
    from core.scan.pipeline import ScanModel, ScanResult, ScanSettings, TileEngine
    from core.training.evaluation import Evaluation


@dataclass
class ScanHooks:
    """How a job follows and resumes a scan of several scenes (the terminal needs none of it).

    ``progress(scene_no, scenes, tiles_done, tiles)``; ``started(scene, scan_id)`` once a scene's scan is recorded,
    ``stored(scene, scan_id, sites)`` once its sites are in the store;
    ``resume`` maps a scene to the scan an earlier run started; ``skip`` holds the scenes already stored;
    ``cluster(line)`` says where the tiles run (with the Dask dashboard link).
    """

    progress: Callable[[int, int, int, int], None] | None = None
    started: Callable[[str, int], None] | None = None
    stored: Callable[[str, int, int], None] | None = None
    resume: Mapping[str, int] = field(default_factory=dict)
    skip: Collection[str] = ()
    cluster: Callable[[str], None] | None = None


def out_files(out: Path, scenes: list[Path]) -> list[Path]:
    """Where each scene's sites go: ``out`` itself for one scene; for several, ``out/<scene>.geojson``, numbered
    when two scenes share a name (tiles of one region are often all called ``scene.tif`` in their folders)."""
    if len(scenes) == 1:
        return [out]
    stems = [s.stem for s in scenes]
    return [out / (f"{stem}.geojson" if stems.count(stem) == 1 else f"{stem}-{i}.geojson")
            for i, stem in enumerate(stems, start=1)]  # fmt: skip


def _check_out(out: Path, several: bool) -> None:
    from core.scan.site_io import SITE_FORMATS

    if several and out.suffix.lower() in SITE_FORMATS:
        raise MineScanError(
            _("--out {name}: with several scenes --out is a folder (one .geojson per scene)").format(name=out.name)
        )
    if not several and out.suffix.lower() not in SITE_FORMATS:
        raise MineScanError(_("--out {name}: use a .geojson or .csv file name").format(name=out.name))


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan one scene or several and write their candidate sites (and store them with ``--db``)."""
    scan_command(args)
    return 0


def scan_command(args: argparse.Namespace, hooks: ScanHooks | None = None) -> list[ScanResult]:
    """Scan every scene of ``args.scene`` in this process or on Dask workers; print, write and store the results."""
    from core.scan.pipeline import ScanSettings, scan_scene

    hooks = hooks or ScanHooks()
    scenes = [Path(s) for s in args.scene]
    several = len(scenes) > 1
    out = Path(args.out)
    _check_out(out, several)
    if args.resume is not None and (args.db is None or several):
        raise MineScanError(
            _("--resume continues one scan kept in the store: add --db (and the same scene and models)")
        )
    typed_period(args)  # a typo in --period is refused before any model loads
    promoted = promoted_models(args)
    impact_ref = impact_model_ref(args.model, args.impact_model, promoted)
    todo = [s for s in scenes if str(s) not in hooks.skip]
    on_dask = wants_cluster(args, len(todo))
    with ExitStack() as stack:
        engine = None
        if on_dask:
            cluster = stack.enter_context(cluster_from_args(args))
            models = driver_models(args.model, impact_ref, promoted)
            discovery, impact = models.discovery, models.impact
            say(_("Tiles run on {cluster}").format(cluster=cluster.describe()))
            if hooks.cluster:
                hooks.cluster(cluster.describe())
        else:
            discovery = load_scan_model(args.model, promoted)
            impact = load_scan_model(impact_ref, promoted) if impact_ref else None
        threshold = args.threshold if args.threshold is not None else discovery.card.threshold
        scan_settings = ScanSettings(threshold=threshold, cells_per_tile=args.cells_per_tile)
        if on_dask:
            engine = engine_for(cluster, models, scan_settings)
        if several:
            out.mkdir(parents=True, exist_ok=True)
        results = []
        files = out_files(out, scenes)
        for number, scene in enumerate(scenes, start=1):
            if str(scene) in hooks.skip:
                say(_("{scene}: stored by an earlier run of this job, not scanned again").format(scene=scene.name))
                continue

            def tiles(done: int, total: int, number: int = number) -> None:
                if hooks.progress:
                    hooks.progress(number, len(scenes), done, total)

            bar = progress_bar(_("Scanning {scene}").format(scene=scene.name) if several else _("Scanning"))

            def report(done: int, total: int, bar: Any = bar, tiles: Any = tiles) -> None:
                bar(done, total)
                tiles(done, total)

            if args.db is not None:
                scan_id, result = _scan_into_store(args, scene, discovery, impact, scan_settings, report, engine, hooks)
                if hooks.stored:
                    hooks.stored(str(scene), scan_id, len(result.sites))
            else:
                result = scan_scene(scene, discovery, impact, scan_settings, progress=report, engine=engine)
            _write_result(args, result, files[number - 1], threshold)
            results.append(result)
    return results


def _write_result(args: argparse.Namespace, result: ScanResult, out: Path, threshold: float) -> None:
    from core.scan.site_io import write_sites

    metadata = {
        "scene": result.scene.path.name,
        "synthetic_scene": result.scene.synthetic,
        "discovery_model": result.discovery.label,
        "impact_model": result.impact.label if result.impact else None,
        "threshold": threshold,
    }
    write_sites(out, result.sites, metadata)
    found = ngettext(
        "{n} candidate site(s) in {scene} ({area} km² scanned in {seconds} s, {tiles} tiles, {cells} positive cells, "
        "{dropped} dropped as 'no ore')",
        "{n} candidate site(s) in {scene} ({area} km² scanned in {seconds} s, {tiles} tiles, {cells} positive cells, "
        "{dropped} dropped as 'no ore')",
        len(result.sites),
    )
    print(
        found.format(
            n=len(result.sites), scene=result.scene.path.name, area=fmt(result.valid_area_km2, ".0f"),
            seconds=fmt(result.seconds, ".1f"), tiles=result.tiles, cells=result.positive_cells,
            dropped=result.dropped_no_ore_cells,
        )
    )  # fmt: skip
    for note in result.notes:
        print(_("Note: {note}").format(note=note))
    if result.scene.synthetic:
        print(_("Note: this is the synthetic demo scene, not real imagery."))
    print(_("Written to {file}").format(file=out))
    if args.truth:
        print_evaluation(result, Path(args.truth))


_UNDATED_NOTE = N_(
    "Acquisition period: not recorded in the file and not given: the scan is undated and its sites cannot be "
    "followed over time (give --period, e.g. --period 2024)"
)


def typed_period(args: argparse.Namespace) -> Period | None:
    """The period typed with ``--period`` (None when not given).

    Raises:
        PeriodError: text that is not a period, with what is accepted.
    """
    text = getattr(args, "period", None)
    return parse_period(text) if text else None


def _scan_into_store(
    args: argparse.Namespace,
    scene: Path,
    discovery: ScanModel,
    impact: ScanModel | None,
    scan_settings: ScanSettings,
    progress: Callable[[int, int], None],
    engine: TileEngine | None,
    hooks: ScanHooks,
) -> tuple[int, ScanResult]:
    from core.review.rescan import compare_with_decisions
    from db.reviews import rescan_inputs
    from db.workflows import scan_into_store

    store = open_store(args)
    resume = args.resume if args.resume is not None else hooks.resume.get(str(scene))
    if resume is not None:
        print(_("Resuming scan {scan_id}: finished tiles are not computed again.").format(scan_id=resume))

    def started(scan_id: int) -> None:
        if hooks.started:
            hooks.started(str(scene), scan_id)

    stored = scan_into_store(
        store, scene, discovery, impact, scan_settings, match_settings(args), progress, resume=resume,
        engine=engine, on_scan=started, period=typed_period(args),
    )  # fmt: skip
    period = store.read(lambda con: scan_record(con, stored.scan_id)).get("period_label")
    print(_("Acquisition period: {period}").format(period=period) if isinstance(period, str) else _(_UNDATED_NOTE))
    summary = store.read(lambda con: scan_summary(con, stored.scan_id))
    counts = summary.groupby("status")["sites"].sum().to_dict() if not summary.empty else {}
    new = ngettext(
        "Stored as scan {scan_id}: {n} new site(s); by register status: {counts}",
        "Stored as scan {scan_id}: {n} new site(s); by register status: {counts}",
        stored.new_sites,
    )
    print(new.format(scan_id=stored.scan_id, n=stored.new_sites, counts=counts))
    past, outlines = store.read(lambda con: rescan_inputs(con, stored.scan_id))
    if past:
        agreement = compare_with_decisions(past, outlines)
        print(
            _("Against the reviewers' earlier decisions on this scene, scan {scan_id} {agreement}").format(
                scan_id=stored.scan_id, agreement=agreement.summary()
            )
        )
    return stored.scan_id, stored.result


def print_evaluation(result: ScanResult, truth_path: Path) -> Evaluation:
    """Score a scan's sites against a ground-truth GeoJSON and print the auditor's summary."""
    from core.training.evaluation import evaluate_sites, load_truth

    evaluation = evaluate_sites(result.sites, load_truth(truth_path), result.valid_area_km2)
    print(_("Against {truth}: {summary}").format(truth=truth_path.name, summary=evaluation.summary()))
    if evaluation.missed:
        print(_("  missed: {sites}").format(sites=", ".join(evaluation.missed)))
    if evaluation.false_site_kinds:
        print(_("  false sites on: {kinds}").format(kinds=evaluation.false_site_kinds))
    return evaluation


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Scan a scene and score the sites against a ground-truth GeoJSON."""
    from core.scan.pipeline import ScanSettings, scan_scene

    promoted = promoted_models(args)
    discovery = load_scan_model(args.model, promoted)
    impact_ref = impact_model_ref(args.model, args.impact_model, promoted)
    impact = load_scan_model(impact_ref, promoted) if impact_ref else None
    threshold = args.threshold if args.threshold is not None else discovery.card.threshold
    result = scan_scene(
        Path(args.scene), discovery, impact, ScanSettings(threshold=threshold), progress=progress_bar(_("Scanning"))
    )
    print_evaluation(result, Path(args.truth))
    return 0


def add_parsers(sub: Any) -> None:
    """``scan`` and ``evaluate``."""
    for name, func, helptext in (
        ("scan", cmd_scan, _("scan GeoTIFF scenes (here or on Dask workers) and write candidate sites")),
        ("evaluate", cmd_evaluate, _("scan a scene and score it against a ground-truth GeoJSON")),
    ):
        p = sub.add_parser(name, help=helptext)
        if name == "scan":
            p.add_argument("scene", nargs="+", help=_("GeoTIFF scene(s): several scan on Dask workers"))
        else:
            p.add_argument("scene", help=_("GeoTIFF scene"))
        p.add_argument(
            "--model", default=settings.DEFAULT_DISCOVERY_MODEL, help=_("discovery model: name, name@version or folder")
        )
        p.add_argument(
            "--impact-model", default=AUTO_IMPACT,
            help=_("impact model: name, name@version or folder, or 'none'; default 'auto': {model} when the discovery "
                   "model reads its bands, else one that fits, else none (said in one line)").format(
                model=settings.DEFAULT_IMPACT_MODEL),
        )  # fmt: skip
        p.add_argument("--threshold", type=float, help=_("P(mine) threshold (default: the model card's, 0.6)"))
        if name == "scan":
            p.add_argument(
                "--out", required=True, help=_("output file (.geojson or .csv); with several scenes a folder")
            )
            add_cluster_options(p)
            add_store_option(p, _("also store the scan and its sites in the store"))
            add_radius_options(p)
            p.add_argument("--truth", help=_("optional ground-truth GeoJSON to score the result against"))
            p.add_argument("--cells-per-tile", type=int, default=40, help=_("tile size in output cells (memory)"))
            p.add_argument(
                "--period",
                help=_(
                    "with --db: when the imagery was acquired, for a file that does not record it (2024, 2024-Q2, "
                    "2024-05, 2024-03-01/2024-06-01); refused if the file records another period"
                ),
            )
            p.add_argument(
                "--resume",
                type=int,
                metavar="SCAN_ID",
                help=_(
                    "continue an interrupted scan (with --db): same scene, models and settings; done tiles are kept"
                ),
            )
        else:
            p.add_argument("--truth", required=True, help=_("ground-truth GeoJSON (e.g. the demo's truth.geojson)"))
        p.set_defaults(func=func)
