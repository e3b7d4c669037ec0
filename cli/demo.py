"""``demo``, ``demo-store`` and ``demo-models``: the synthetic demo's data, its store and its shipped models."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from cli.common import add_store_option, fmt, load_scan_model, open_store, progress_bar, say
from core import settings
from core.wording.translate import _, ngettext
from db.sites import has_sites
from db.store_kind import store_kind


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate the synthetic demo data."""
    from core.demo import DemoPaths, demo_is_complete, make_demo, make_demo_scene

    out = Path(args.out) if args.out else settings.demo_dir()
    present = DemoPaths.under(out).scene_files_exist() if args.scene_only else demo_is_complete(out)
    if args.if_missing and present:
        print(_("Demo data already present in {folder}").format(folder=out))
        return 0
    started = time.perf_counter()
    if args.scene_only:
        periods = _(" and ").join(settings.DEMO_PERIODS)
        print(
            _("Generating the synthetic demo scene ({size} x {size} px, {periods}) ...").format(
                size=args.size, periods=periods
            ),
            flush=True,
        )
        paths = make_demo_scene(out, seed=args.seed, size=args.size)
    else:
        paths = make_demo(out, seed=args.seed, size=args.size, progress=say)
    print(
        _("Synthetic demo data written to {folder} in {seconds} s").format(
            folder=paths.root, seconds=fmt(time.perf_counter() - started, ".0f")
        )
    )
    for (period, scene), (_period, truth) in zip(paths.period_scenes, paths.period_truths, strict=True):
        print(_("  scene {period}: {scene}\n  truth {period}: {truth}").format(period=period, scene=scene, truth=truth))
    print(_("  register:   {register}").format(register=paths.register))
    return 0


def cmd_demo_store(args: argparse.Namespace) -> int:
    """Fill an empty store with the demo: scene (made if missing), its register, a scan with the demo models."""
    from db.demo_setup import set_up_demo

    store = open_store(args)
    if store.read(store_kind) == "work":
        print(
            _("{store} is a working store (real data): the demo goes into a store of its own; nothing done.").format(
                store=store.path
            )
        )
        return 0
    if store.read(has_sites):
        print(_("The demo store already holds the demo; nothing to do."))
        return 0
    stored = set_up_demo(
        store,
        settings.demo_dir(),
        load_scan_model(settings.DEFAULT_DISCOVERY_MODEL),
        load_scan_model(settings.DEFAULT_IMPACT_MODEL),
        progress=progress_bar(_("Scanning a synthetic demo scene")),
    )
    for scan, period in zip(stored, settings.DEMO_PERIODS, strict=False):
        found = ngettext(
            "Demo {period}: scan {scan_id}, {n} candidate sites (synthetic scene).",
            "Demo {period}: scan {scan_id}, {n} candidate sites (synthetic scene).",
            len(scan.result.sites),
        )
        print(found.format(period=period, scan_id=scan.scan_id, n=len(scan.result.sites)))
    print(_("Demo ready: the sites of both periods are joined into places seen over time."))
    return 0


def cmd_demo_models(args: argparse.Namespace) -> int:
    """Rebuild the shipped demo models: demo data, training of both models, evaluation on the demo scene."""
    from models.demo_build import evaluate_demo_models, rebuild_demo_models

    demo = Path(args.demo) if args.demo else settings.demo_dir()
    if args.evaluate_only:
        evaluate_demo_models(demo, settings.models_dir(), progress=say)
        return 0
    rebuild_demo_models(
        demo_root=demo,
        models_root=settings.models_dir(),
        epochs=args.epochs,
        folds=args.folds,
        impact_epochs=args.impact_epochs,
        progress=say,
    )
    return 0


def add_parsers(sub: Any) -> None:
    """``demo``, ``demo-store`` and ``demo-models``."""
    p = sub.add_parser("demo", help=_("generate the synthetic demo data (scene, truth, register, training patches)"))
    p.add_argument("--out", help=_("folder (default: $MINESCAN_DATA/demo)"))
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--size", type=int, default=3072, help=_("scene side in pixels (default 3072)"))
    p.add_argument("--if-missing", action="store_true", help=_("do nothing when the demo data is complete"))
    p.add_argument("--scene-only", action="store_true", help=_("only the scene, truth and register (no training data)"))
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "demo-store", help=_("fill an empty store with the demo scan and register (what ./run app does)")
    )
    add_store_option(p, _("the demo's store"))
    p.set_defaults(func=cmd_demo_store)

    p = sub.add_parser("demo-models", help=_("rebuild the shipped demo models from freshly generated demo data"))
    p.add_argument("--demo", help=_("demo data folder, regenerated (default: $MINESCAN_DATA/demo)"))
    p.add_argument("--epochs", type=int, default=15, help=_("discovery model epochs"))
    p.add_argument("--impact-epochs", type=int, default=30, help=_("impact model epochs (the paper's 30)"))
    p.add_argument("--folds", type=int, default=5)
    p.add_argument(
        "--evaluate-only",
        action="store_true",
        help=_("scan the demo scene with the newest demo models and compare with their cards (no training, no change)"),
    )
    p.set_defaults(func=cmd_demo_models)
