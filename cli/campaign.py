"""``campaign-tailings``: the learning loop run on the real tailings patches, decisions taken from their masks.

Scan every patch with the shipped RGB model, decide each site as a reviewer holding the mask would
(:mod:`core.training.mask_decisions`), build a training set from those decisions, train the next version on the
patches plus the reviewed windows with the parent's own folds and settings, and compare both versions out of fold.
The new version is shipped (copied under ``models/``) and promoted only when it beats its parent.
"""

from __future__ import annotations

import argparse
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from cli.common import fmt, say
from core import settings
from core.access.users import Identity
from core.errors import MineScanError
from core.wording.translate import _

#: Who the mask decisions are recorded as: a reviewer (not a person; the campaign's note says so).
MASK_REVIEWER = Identity("mask_reviewer", "reviewer", "Decisions from the tailings masks", "script")
CAMPAIGN_SUPERVISOR = Identity("campaign", "supervisor", "Tailings campaign", "script")


def _decide_scene(store: Any, scan_id: int, scene: Path, mask_path: Path) -> Counter[str]:
    """Record a decision for each site of the scan from the scene's mask; the decisions counted."""
    import rasterio
    import shapely

    from core.imagery.geo import WGS84, pixel_size_m, reproject_geometry
    from core.training.mask_decisions import decide_from_mask, distance_to_tailings
    from db.sites import scan_sites
    from db.workflows import decide

    with rasterio.open(mask_path) as src:
        mask = src.read(1) > 0
        transform, crs = src.transform, src.crs.to_wkt()
    dx, dy = pixel_size_m(crs, transform, mask.shape[1], mask.shape[0])
    distance = distance_to_tailings(mask, (dy, dx))
    tally: Counter[str] = Counter()
    for site_id, wkt in store.read(lambda con: scan_sites(con, scan_id)):
        outline = reproject_geometry(shapely.from_wkt(wkt), WGS84, crs)
        d = decide_from_mask(outline.wkt, transform, distance)
        note = _("campaign from the mask: {note}").format(note=d.note)
        decide(store, MASK_REVIEWER, site_id, d.decision, d.reason, note)
        tally[d.decision] += 1
    return tally


def _mask_of(scene: Path, data: Path) -> Path:
    mask = data / "mask" / scene.name.replace("img_", "mask_")
    if not mask.is_file():
        raise MineScanError(
            _("{scene} has no mask {mask} in {folder}").format(scene=scene.name, mask=mask.name, folder=data / "mask")
        )
    return mask


def cmd_campaign(args: argparse.Namespace) -> int:
    """Run the campaign; print the comparison; ship and promote the new version only when it is better."""
    from cli.common import load_scan_model
    from core.register.matching import MatchSettings
    from core.scan.pipeline import ScanSettings
    from db.promotions import record_promotion
    from db.store import Store
    from db.training_workflows import build_training_set
    from db.workflows import scan_into_store
    from models.oof_compare import compare_out_of_fold, comparison_markdown, write_oof_comparison
    from models.trainer import TrainConfig, train_model

    data, work = Path(args.data), Path(args.work)
    scenes = sorted((data / "img").glob("img_*.tif"), key=lambda p: int(p.stem.split("_")[1]))
    if not scenes:
        raise MineScanError(
            _("{folder} holds no img_N.tif patches (see ../shared/data/README.md)").format(folder=data / "img")
        )
    parent = load_scan_model(args.parent)
    card = parent.card
    if (work / "store.duckdb").exists():
        raise MineScanError(_("{folder} already holds a campaign: give a new --work folder").format(folder=work))
    store = Store(work / "store.duckdb")
    say(
        _("Scanning {patches} patches with {model} at threshold {threshold}").format(
            patches=len(scenes), model=card.ref, threshold=fmt(card.threshold, "g")
        )
    )
    tally: Counter[str] = Counter()
    scan_ids = []
    for scene in scenes:
        stored = scan_into_store(store, scene, parent, None, ScanSettings(threshold=card.threshold), MatchSettings())
        scan_ids.append(stored.scan_id)
        tally += _decide_scene(store, stored.scan_id, scene, _mask_of(scene, data))
    say(_("Decisions from the masks: {tally}").format(tally=dict(tally)))
    set_id, built = build_training_set(store, scan_ids, card.bands, "tailings campaign (masks)",
                                       CAMPAIGN_SUPERVISOR.username, work / "training_sets", card.name)  # fmt: skip
    counts: Any = built.manifest["counts"]
    say(_("Training set {set_id}: {windows} windows in {places} places, {by_reason}; {held_out} sites held out as "
          "the frozen evaluation set").format(set_id=set_id, windows=counts["windows"], places=counts["places"],
                                              by_reason=counts["by_reason"], held_out=len(built.held_out)))  # fmt: skip
    t = card.training
    version = args.version or str(int(card.version) + 1)
    config = TrainConfig(
        kind="discovery", name=card.name, out_dir=work / card.name / version, bands=card.bands, data_dir=data,
        layout="scenes", epochs=args.epochs or int(t["epochs"]), batch_size=int(t["batch_size"]),
        folds=int(t["folds"]), learning_rate=float(t["learning_rate"]), seed=int(t["seed"]),
        augment=bool(t["augment"]), width=float(t.get("width", 1.0)), clearance_px=int(t["clearance_px"]),
        crop_px=t.get("crop_px"), balance_classes=bool(t.get("balance_classes", False)), version=version,
        review_sets=(built.folder,),
        provenance=(("training_set", set_id), ("data_fingerprint", built.manifest["fingerprint"]),
                    ("campaign", f"{len(scenes)} patches scanned with {card.ref}, decided from their masks: "
                                 f"{dict(tally)}"),
                    ("same_folds_as", card.ref)),
        description=(f"{card.description} Version {version} adds the windows of a review campaign over the same "
                     f"patches (confirmed on tailings, rejected away from them; decisions from the masks), trained "
                     f"with {card.ref}'s folds and settings."),
    )  # fmt: skip
    result = train_model(config, progress=say)
    report = compare_out_of_fold(_folder(card.ref), result.folder)
    write_oof_comparison(result.folder, report)
    print(comparison_markdown(report))
    if not report["after_beats_before"]:
        print(
            _("Not shipped: {why}. The trained version stays in {folder}.").format(
                why=report["why"], folder=result.folder
            )
        )
        return 0
    if args.ship:
        shipped = settings.models_dir() / card.name / version
        if shipped.exists():
            raise MineScanError(_("{folder} exists already; nothing is overwritten").format(folder=shipped))
        shutil.copytree(result.folder, shipped)
        print(_("Shipped {model} to {folder}").format(model=result.card.ref, folder=shipped))
    store.write(lambda con: record_promotion(con, CAMPAIGN_SUPERVISOR, result.card.name, result.card.version,
                                             "promote", f"campaign: {report['why']}"))  # fmt: skip
    print(_("Promoted {model} in the campaign store {store}").format(model=result.card.ref, store=store.path))
    return 0


def _folder(ref: str) -> Path:
    from core.model_card import resolve_model

    return resolve_model(ref, settings.model_roots())


def add_parsers(sub: Any) -> None:
    """``campaign-tailings``."""
    p = sub.add_parser(
        "campaign-tailings",
        help=_(
            "the learning loop on the real tailings patches (decisions from their masks): "
            "scan, decide, training set, next version, compare"
        ),
    )
    p.add_argument("--data", default=str(settings.shared_data_dir() / "tailings_seg"),
                   help=_("folder with img/ and mask/ (default ../shared/data/tailings_seg)"))  # fmt: skip
    p.add_argument("--work", required=True, help=_("a new folder for the campaign's store, training set and model"))
    p.add_argument("--parent", default=f"{settings.REAL_RGB_MODEL}@2", help=_("the version reviewed and improved on"))
    p.add_argument("--version", help=_("the new version (default: the parent's + 1)"))
    p.add_argument("--epochs", type=int, help=_("default: the parent's"))
    p.add_argument("--ship", action="store_true", help=_("copy the new version under models/ when it is better"))
    p.set_defaults(func=cmd_campaign)
