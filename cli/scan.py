"""``scan`` and ``evaluate``: scan a GeoTIFF scene; write its sites, store them, or score them against truth."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.common import (
    add_radius_options,
    add_store_option,
    load_scan_model,
    match_settings,
    open_store,
    progress_bar,
    promoted_models,
)
from core import settings
from core.errors import MineScanError
from db.scans import scan_summary

if TYPE_CHECKING:
    from core.scan.pipeline import ScanModel, ScanResult, ScanSettings
    from core.training.evaluation import Evaluation


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan one scene and write its candidate sites (and store them with ``--db``)."""
    from core.scan.pipeline import ScanSettings, scan_scene
    from core.scan.site_io import SITE_FORMATS, write_sites

    out = Path(args.out)
    if out.suffix.lower() not in SITE_FORMATS:
        raise MineScanError(f"--out {out.name}: use a .geojson or .csv file name")
    promoted = promoted_models(args)
    discovery = load_scan_model(args.model, promoted)
    impact = None if args.impact_model.lower() == "none" else load_scan_model(args.impact_model, promoted)
    threshold = args.threshold if args.threshold is not None else discovery.card.threshold
    scan_settings = ScanSettings(threshold=threshold, cells_per_tile=args.cells_per_tile)
    if args.resume is not None and args.db is None:
        raise MineScanError("--resume continues a scan kept in the store: add --db (and the same scene and models)")
    if args.db is not None:
        result = _scan_into_store(args, discovery, impact, scan_settings)
    else:
        result = scan_scene(Path(args.scene), discovery, impact, scan_settings, progress=progress_bar("Scanning"))
    metadata = {
        "scene": result.scene.path.name,
        "synthetic_scene": result.scene.synthetic,
        "discovery_model": result.discovery.label,
        "impact_model": result.impact.label if result.impact else None,
        "threshold": threshold,
    }
    write_sites(out, result.sites, metadata)
    print(
        f"{len(result.sites)} candidate site(s) in {result.scene.path.name} "
        f"({result.valid_area_km2:.0f} km² scanned in {result.seconds:.1f} s, {result.tiles} tiles, "
        f"{result.positive_cells} positive cells, {result.dropped_no_ore_cells} dropped as 'no ore')"
    )
    for note in result.notes:
        print(f"Note: {note}")
    if result.scene.synthetic:
        print("Note: this is the synthetic demo scene, not real imagery.")
    print(f"Written to {out}")
    if args.truth:
        print_evaluation(result, Path(args.truth))
    return 0


def _scan_into_store(
    args: argparse.Namespace, discovery: ScanModel, impact: ScanModel | None, scan_settings: ScanSettings
) -> ScanResult:
    from core.review.rescan import compare_with_decisions
    from db.reviews import rescan_inputs
    from db.workflows import scan_into_store

    store = open_store(args)
    if args.resume is not None:
        print(f"Resuming scan {args.resume}: finished tiles are not computed again.")
    stored = scan_into_store(
        store,
        Path(args.scene),
        discovery,
        impact,
        scan_settings,
        match_settings(args),
        progress_bar("Scanning"),
        resume=args.resume,
    )
    summary = store.read(lambda con: scan_summary(con, stored.scan_id))
    counts = summary.groupby("status")["sites"].sum().to_dict() if not summary.empty else {}
    print(f"Stored as scan {stored.scan_id}: {stored.new_sites} new site(s); by register status: {counts}")
    past, outlines = store.read(lambda con: rescan_inputs(con, stored.scan_id))
    if past:
        agreement = compare_with_decisions(past, outlines)
        print(f"Against the reviewers' earlier decisions on this scene, scan {stored.scan_id} {agreement.summary()}")
    return stored.result


def print_evaluation(result: ScanResult, truth_path: Path) -> Evaluation:
    """Score a scan's sites against a ground-truth GeoJSON and print the auditor's summary."""
    from core.training.evaluation import evaluate_sites, load_truth

    evaluation = evaluate_sites(result.sites, load_truth(truth_path), result.valid_area_km2)
    print(f"Against {truth_path.name}: {evaluation.summary()}")
    if evaluation.missed:
        print(f"  missed: {', '.join(evaluation.missed)}")
    if evaluation.false_site_kinds:
        print(f"  false sites on: {evaluation.false_site_kinds}")
    return evaluation


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Scan a scene and score the sites against a ground-truth GeoJSON."""
    from core.scan.pipeline import ScanSettings, scan_scene

    promoted = promoted_models(args)
    discovery = load_scan_model(args.model, promoted)
    impact = None if args.impact_model.lower() == "none" else load_scan_model(args.impact_model, promoted)
    threshold = args.threshold if args.threshold is not None else discovery.card.threshold
    result = scan_scene(
        Path(args.scene), discovery, impact, ScanSettings(threshold=threshold), progress=progress_bar("Scanning")
    )
    print_evaluation(result, Path(args.truth))
    return 0


def add_parsers(sub: Any) -> None:
    """``scan`` and ``evaluate``."""
    for name, func, helptext in (
        ("scan", cmd_scan, "scan a GeoTIFF scene and write candidate sites (.geojson or .csv)"),
        ("evaluate", cmd_evaluate, "scan a scene and score it against a ground-truth GeoJSON"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("scene", help="GeoTIFF scene")
        p.add_argument(
            "--model", default=settings.DEFAULT_DISCOVERY_MODEL, help="discovery model: name, name@version or folder"
        )
        p.add_argument(
            "--impact-model", default=settings.DEFAULT_IMPACT_MODEL,
            help="impact model: name, name@version or folder, or 'none'",
        )  # fmt: skip
        p.add_argument("--threshold", type=float, help="P(mine) threshold (default: the model card's, 0.6)")
        if name == "scan":
            p.add_argument("--out", required=True, help="output file: .geojson or .csv")
            add_store_option(p, "also store the scan and its sites in the store")
            add_radius_options(p)
            p.add_argument("--truth", help="optional ground-truth GeoJSON to score the result against")
            p.add_argument("--cells-per-tile", type=int, default=40, help="tile size in output cells (memory)")
            p.add_argument(
                "--resume",
                type=int,
                metavar="SCAN_ID",
                help="continue an interrupted scan (with --db): same scene, models and settings; done tiles are kept",
            )
        else:
            p.add_argument("--truth", required=True, help="ground-truth GeoJSON (e.g. the demo's truth.geojson)")
        p.set_defaults(func=func)
