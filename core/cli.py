"""MineScan's command line: ``python -m core.cli {demo,train,scan,evaluate,demo-models} ...``.

The composition root: the only ``core`` module that may reach into ``models`` (lazily, so ``--help`` is fast).
Errors meant for users print as one clear message with exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core import settings
from core.bands import get_profile
from core.cli_imagery import add_imagery_parser
from core.errors import MineScanError


def _progress_bar(label: str) -> Any:
    def report(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        end = "\n" if done >= total else ""
        print(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} tiles", end=end, flush=True)

    return report


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate the synthetic demo data."""
    from core.synthetic import DemoPaths, demo_is_complete, make_demo, make_demo_scene

    out = Path(args.out) if args.out else settings.demo_dir()
    present = DemoPaths.under(out).truth.is_file() if args.scene_only else demo_is_complete(out)
    if args.if_missing and present:
        print(f"Demo data already present in {out}")
        return 0
    started = time.perf_counter()
    if args.scene_only:
        print(f"Generating the synthetic demo scene ({args.size} x {args.size} px) ...", flush=True)
        paths = make_demo_scene(out, seed=args.seed, size=args.size)
    else:
        paths = make_demo(out, seed=args.seed, size=args.size, progress=lambda msg: print(msg, flush=True))
    print(f"Synthetic demo data written to {paths.root} in {time.perf_counter() - started:.0f} s")
    print(f"  scene:    {paths.scene}\n  truth:    {paths.truth}\n  register: {paths.register}")
    return 0


def _load_scan_model(name_or_path: str) -> Any:
    from core.scan import ScanModel
    from models.bundle import load_bundle, resolve_model

    loaded = load_bundle(resolve_model(name_or_path, settings.models_dir()))
    return ScanModel(card=loaded.card, predict=loaded.predict)


def cmd_scan(args: argparse.Namespace) -> int:
    """Scan one scene and write its candidate sites."""
    from core.scan import ScanSettings, scan_scene
    from core.site_io import SITE_FORMATS, write_sites

    out = Path(args.out)
    if out.suffix.lower() not in SITE_FORMATS:
        raise MineScanError(f"--out {out.name}: use a .geojson or .csv file name")
    discovery = _load_scan_model(args.model)
    impact = None if args.impact_model.lower() == "none" else _load_scan_model(args.impact_model)
    threshold = args.threshold if args.threshold is not None else discovery.card.threshold
    scan_settings = ScanSettings(threshold=threshold, cells_per_tile=args.cells_per_tile)
    if args.resume is not None and not args.db:
        raise MineScanError("--resume continues a scan kept in the store: add --db (and the same scene and models)")
    if args.db:
        result = _scan_into_store(args, discovery, impact, scan_settings)
    else:
        result = scan_scene(Path(args.scene), discovery, impact, scan_settings, progress=_progress_bar("Scanning"))
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
        _print_evaluation(result, Path(args.truth))
    return 0


def _match_settings(args: argparse.Namespace) -> Any:
    from core.matching import MatchSettings

    return MatchSettings(radius_m=args.radius, off_target_radius_m=args.off_target_radius)


def _open_store(args: argparse.Namespace) -> Any:
    """The store as short-lived connections (the app may be using the same file: see db/store.py)."""
    from db.store import Store

    path = Path(args.db) if args.db and args.db is not True else settings.db_path()
    print(f"Store: {path}")
    return Store(path)


def _scan_into_store(args: argparse.Namespace, discovery: Any, impact: Any, scan_settings: Any) -> Any:
    from db.repository import scan_summary
    from db.workflows import scan_into_store

    store = _open_store(args)
    if args.resume is not None:
        print(f"Resuming scan {args.resume}: finished tiles are not computed again.")
    stored = scan_into_store(
        store,
        Path(args.scene),
        discovery,
        impact,
        scan_settings,
        _match_settings(args),
        _progress_bar("Scanning"),
        resume=args.resume,
    )
    summary = store.read(lambda con: scan_summary(con, stored.scan_id))
    counts = summary.groupby("status")["sites"].sum().to_dict() if not summary.empty else {}
    print(f"Stored as scan {stored.scan_id}: {stored.new_sites} new site(s); by register status: {counts}")
    return stored.result


def cmd_registry(args: argparse.Namespace) -> int:
    """Import a register or layer file into the store and redo the matching."""
    from db.workflows import import_register

    store = _open_store(args)
    snapshot_id, imported = import_register(store, Path(args.file), args.kind, _match_settings(args))
    print(imported.report_text())
    print(f"Stored as register snapshot {snapshot_id} ({args.kind}); every site was matched again.")
    from db.repository import previous_snapshot_id

    old_id = int(args.diff_with) if args.diff_with else store.read(lambda c: previous_snapshot_id(c, snapshot_id))
    if old_id is not None and args.kind == "dam":
        print(f"Changes since snapshot {old_id}:")
        store.read(lambda con: _print_register_diff(con, old_id, snapshot_id))
    return 0


def _print_register_diff(con: Any, old_id: int, new_id: int) -> None:
    from core.register import diff_snapshots
    from db.repository import snapshot_register_entries

    diff = diff_snapshots(snapshot_register_entries(con, old_id), snapshot_register_entries(con, new_id))
    print(diff.summary())


def cmd_export(args: argparse.Namespace) -> int:
    """Export sites with their register match and latest decision."""
    from core.exports import write_export
    from db.repository import export_rows

    rows = _open_store(args).read(
        lambda con: export_rows(con, scan_id=args.scan, status=args.status, decision=args.decision)
    )
    path = write_export(rows, Path(args.out), args.format)
    print(f"{len(rows)} site(s) written to {path} ({args.format})")
    return 0


def _print_evaluation(result: Any, truth_path: Path) -> Any:
    from core.evaluation import evaluate_sites, load_truth

    evaluation = evaluate_sites(result.sites, load_truth(truth_path), result.valid_area_km2)
    print(f"Against {truth_path.name}: {evaluation.summary()}")
    if evaluation.missed:
        print(f"  missed: {', '.join(evaluation.missed)}")
    if evaluation.false_site_kinds:
        print(f"  false sites on: {evaluation.false_site_kinds}")
    return evaluation


def cmd_train(args: argparse.Namespace) -> int:
    """Train a model from patch folders or scenes with masks."""
    from models.training import TrainConfig, train_model

    if bool(args.patches) == bool(args.scenes):
        raise MineScanError("give exactly one of --patches DIR (one subfolder per class) or --scenes DIR (img/, mask/)")
    out = Path(args.out) if args.out else settings.models_dir() / args.name
    config = TrainConfig(
        kind=args.kind,
        name=args.name,
        out_dir=out,
        bands=get_profile(args.profile).bands,
        patches_dir=Path(args.patches) if args.patches else None,
        scenes_dir=Path(args.scenes) if args.scenes else None,
        epochs=args.epochs,
        batch_size=args.batch_size,
        folds=args.folds,
        seed=args.seed,
        augment=args.augment,
        threshold=args.threshold,
        synthetic=args.synthetic,
        version=args.version,
        description=args.description,
    )
    result = train_model(config, progress=lambda msg: print(msg, flush=True))
    print(f"Model saved in {result.folder}")
    return 0


def cmd_rescore_scenes(args: argparse.Namespace) -> int:
    """Score a scene-trained model's saved out-of-fold grids again; update its threshold and report."""
    from models.bundle import resolve_model
    from models.scene_training import rescore_model

    folder = resolve_model(args.model, settings.models_dir())
    card = rescore_model(folder, Path(args.scenes))
    print(f"{card.label}: threshold {card.threshold:g} ({card.metrics.get('why', '')}); report in {folder}")
    return 0


def cmd_train_scenes(args: argparse.Namespace) -> int:
    """Train a discovery FCN on whole scenes with masks (one label per output cell), evaluate it per site, save it."""
    from models.scene_training import SceneTrainConfig, train_on_scenes

    out = Path(args.out) if args.out else settings.models_dir() / args.name
    config = SceneTrainConfig(
        name=args.name,
        out_dir=out,
        bands=get_profile(args.profile).bands,
        scenes_dir=Path(args.scenes),
        epochs=args.epochs,
        batch_size=args.batch_size,
        folds=args.folds,
        seed=args.seed,
        augment=not args.no_augment,
        width=args.width,
        crop_px=args.crop,
        balance_classes=args.balance,
        version=args.version,
        description=args.description,
    )
    card, folder = train_on_scenes(config, progress=lambda msg: print(msg, flush=True))
    print(f"Model saved in {folder} (threshold {card.threshold:g}); report: {folder / 'evaluation_report.md'}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Scan a scene and score the sites against a ground-truth GeoJSON."""
    from core.scan import ScanSettings, scan_scene

    discovery = _load_scan_model(args.model)
    impact = None if args.impact_model.lower() == "none" else _load_scan_model(args.impact_model)
    threshold = args.threshold if args.threshold is not None else discovery.card.threshold
    result = scan_scene(
        Path(args.scene), discovery, impact, ScanSettings(threshold=threshold), progress=_progress_bar("Scanning")
    )
    _print_evaluation(result, Path(args.truth))
    return 0


def cmd_demo_store(args: argparse.Namespace) -> int:
    """Fill an empty store with the demo: scene (made if missing), its register, a scan with the demo models."""
    from db.repository import has_sites, store_kind
    from db.workflows import set_up_demo

    store = _open_store(args)
    if store.read(store_kind) == "work":
        print(f"{store.path} is a working store (real data): the demo goes into a store of its own; nothing done.")
        return 0
    if store.read(has_sites):
        print("The demo store already holds the demo; nothing to do.")
        return 0
    stored = set_up_demo(
        store,
        settings.demo_dir(),
        _load_scan_model(settings.DEFAULT_DISCOVERY_MODEL),
        _load_scan_model(settings.DEFAULT_IMPACT_MODEL),
        progress=_progress_bar("Scanning the synthetic demo scene"),
    )
    print(f"Demo ready: scan {stored.scan_id}, {len(stored.result.sites)} candidate sites (synthetic scene).")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Export the whole store into a new folder (DuckDB EXPORT DATABASE, Parquet) with a manifest of row counts."""
    from db.backup import backup_store

    info = backup_store(_open_store(args), Path(args.folder))
    total = sum(info.rows.values())
    print(f"Backed up {total} rows in {len(info.rows)} tables (schema version {info.schema_version}) to {info.folder}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Build a new store file from a backup folder, checking every table's row count."""
    from db.backup import restore_store

    info = restore_store(Path(args.folder), Path(args.to))
    print(
        f"Restored {sum(info.rows.values())} rows (backup of {info.created_at}) into {args.to}. "
        f"Point MINESCAN_DB at it to use it."
    )
    return 0


def _read_password(args: argparse.Namespace) -> str:
    """A new password from standard input (--password-stdin, for scripts) or typed twice at a prompt."""
    import getpass

    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Repeat it: "):
        raise MineScanError("the two passwords differ; nothing was changed")
    return first


def cmd_users(args: argparse.Namespace) -> int:
    """Manage the accounts and roles of the app (the users file; passwords are stored as salted hashes only)."""
    from core import users as u

    path = settings.users_path()
    if args.action == "list":
        accounts = u.load_users(path)
        print(f"Users file: {path} ({len(accounts)} user(s))")
        for user in accounts.values():
            how = ", ".join(x for x in ("password" if user.password_hash else "", user.email and "OIDC") if x)
            state = " DISABLED" if user.disabled else ""
            print(f"  {user.username:<20} {user.role:<10} {user.email or '-':<30} sign-in: {how}{state}")
        return 0
    if args.action == "demo":
        if u.load_users(path):
            print(f"{path} already has users; the demo account is only created in an empty users file.")
            return 0
        password = secrets.token_urlsafe(9)
        u.add_user(path, "demo", "supervisor", password=password, display_name="Demo supervisor")
        note = settings.data_dir() / "demo-credentials.txt"
        note.write_text(f"username: demo\npassword: {password}\n", encoding="utf-8")
        note.chmod(0o600)
        print(f"Created the demo account: sign in as 'demo' with password {password} (also in {note}).")
        return 0
    if not args.username:
        raise MineScanError(f"'users {args.action}' needs a username")
    if args.action == "add":
        if not args.role:
            raise MineScanError(f"give the role with --role: {', '.join(u.ROLES)}")
        password = _read_password(args) if (args.password_stdin or not args.email) else ""
        user = u.add_user(
            path, args.username, args.role, password=password, email=args.email or "", display_name=args.name or ""
        )
        print(f"Added {user.username} as {user.role} ({u.ROLE_HELP[user.role]}).")
    elif args.action == "set-role":
        if not args.role:
            raise MineScanError("give the new role with --role")
        print(f"{u.update_user(path, args.username, role=args.role).username} is now a {args.role}.")
    elif args.action == "passwd":
        u.update_user(path, args.username, password=_read_password(args))
        print(f"Password of {args.username} changed.")
    elif args.action in ("disable", "enable"):
        u.update_user(path, args.username, disabled=args.action == "disable")
        ended = ""
        if args.action == "disable" and settings.db_path().exists():
            from db.sessions import revoke_user_sessions
            from db.store import Store

            count = Store(settings.db_path(), wait_s=20).write(
                lambda con: revoke_user_sessions(con, args.username, "account disabled")
            )
            ended = f" {count} open sign-in(s) ended."
        print(f"{args.username} {args.action}d: decisions already made stay, with their name.{ended}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Time the streamed scan against a naive notebook-style pipeline on a synthetic scene; print the numbers."""
    from models.benchmark import PHASES, run_benchmark

    phases = tuple(p.strip() for p in args.phases.split(",") if p.strip())
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        raise MineScanError(f"unknown phase(s) {', '.join(unknown)}; use {', '.join(PHASES)}")
    run_benchmark(args.size, phases, print_fn=lambda msg: print(msg, flush=True))
    return 0


def cmd_demo_models(args: argparse.Namespace) -> int:
    """Rebuild the shipped demo models: demo data, training of both models, evaluation on the demo scene."""
    from models.demo_build import evaluate_demo_models, rebuild_demo_models

    if args.evaluate_only:
        demo = Path(args.demo) if args.demo else settings.demo_dir()
        evaluate_demo_models(demo, settings.models_dir(), progress=lambda msg: print(msg, flush=True))
        return 0
    rebuild_demo_models(
        demo_root=Path(args.demo) if args.demo else settings.demo_dir(),
        models_root=settings.models_dir(),
        epochs=args.epochs,
        folds=args.folds,
        impact_epochs=args.impact_epochs,
        progress=lambda msg: print(msg, flush=True),
    )
    return 0


def _add_radius_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--radius", type=float, default=1000.0, help="registered within this many metres (default 1000)")
    p.add_argument(
        "--off-target-radius", type=float, default=3000.0, help="possibly off target up to this distance (3000)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(prog="python -m core.cli", description="MineScan command line")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="generate the synthetic demo data (scene, truth, register, training patches)")
    p.add_argument("--out", help="folder (default: $MINESCAN_DATA/demo)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--size", type=int, default=3072, help="scene side in pixels (default 3072)")
    p.add_argument("--if-missing", action="store_true", help="do nothing when the demo data is complete")
    p.add_argument("--scene-only", action="store_true", help="only the scene, truth and register (no training data)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("train", help="train a discovery or impact model")
    p.add_argument("--kind", choices=["discovery", "impact"], required=True)
    p.add_argument("--name", required=True, help="model name; saved to models/<name>/ unless --out")
    p.add_argument("--patches", help="folder with one subfolder of GeoTIFF patches per class")
    p.add_argument("--scenes", help="folder with img/img_N.tif and mask/mask_N.tif (0/1 masks on the same grid)")
    p.add_argument("--profile", default="s2_12", help="band profile: s2_12 (default) or rgb")
    p.add_argument("--out", help="model folder to write")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--folds", type=int, default=10, help="cross-validation folds (0 = none)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--augment", action="store_true", help="random flips and 90-degree rotations")
    p.add_argument("--threshold", type=float, default=0.6, help="P(mine) threshold stored in the card")
    p.add_argument("--synthetic", action="store_true", help="mark the model as trained on synthetic data")
    p.add_argument("--version", default="1")
    p.add_argument("--description", default="")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "train-scenes", help="train a discovery model on whole scenes with tailings masks; per-site evaluation report"
    )
    p.add_argument("--scenes", required=True, help="folder with img/img_N.tif and mask/mask_N.tif")
    p.add_argument("--name", required=True, help="model name; saved to models/<name>/ unless --out")
    p.add_argument("--profile", default="rgb", help="band profile: rgb (default) or s2_12")
    p.add_argument("--out", help="model folder to write")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=4, help="scenes per batch")
    p.add_argument("--crop", type=int, default=None, help="train on random crops of this size (174 + 27 k px)")
    p.add_argument("--balance", action="store_true", help="weigh mine cells so both classes count equally")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds by overlap group (0 = none)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--width", type=float, default=1.0, help="filter multiplier (1.0 = the paper's network)")
    p.add_argument("--no-augment", action="store_true", help="no flips and 90-degree rotations")
    p.add_argument("--version", default="1")
    p.add_argument("--description", default="")
    p.set_defaults(func=cmd_train_scenes)

    p = sub.add_parser("users", help="accounts and roles of the app: list, add, set-role, passwd, disable, enable")
    p.add_argument("action", choices=["list", "add", "set-role", "passwd", "disable", "enable", "demo"])
    p.add_argument("username", nargs="?")
    p.add_argument("--role", choices=["reviewer", "supervisor", "manager"], default=None)
    p.add_argument("--email", help="the e-mail an OpenID Connect provider vouches for (OIDC sign-in)")
    p.add_argument("--name", help="display name")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("backup", help="export the whole store into a new folder (restore it with 'restore')")
    p.add_argument("folder", help="a new or empty folder")
    p.add_argument("--db", nargs="?", const=True, help="the store (default: $MINESCAN_DB)")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="build a new store file from a backup folder")
    p.add_argument("folder", help="a folder written by 'backup'")
    p.add_argument("--to", required=True, help="the new store file (must not exist)")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "rescore-scenes", help="score a scene-trained model's saved out-of-fold grids again (no training)"
    )
    p.add_argument("model", help="model name or folder")
    p.add_argument("--scenes", required=True, help="the scenes it was trained on (img/ and mask/)")
    p.set_defaults(func=cmd_rescore_scenes)

    for name, func, helptext in (
        ("scan", cmd_scan, "scan a GeoTIFF scene and write candidate sites (.geojson or .csv)"),
        ("evaluate", cmd_evaluate, "scan a scene and score it against a ground-truth GeoJSON"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("scene", help="GeoTIFF scene")
        p.add_argument("--model", default=settings.DEFAULT_DISCOVERY_MODEL, help="discovery model name or folder")
        p.add_argument(
            "--impact-model", default=settings.DEFAULT_IMPACT_MODEL, help="impact model name or folder, or 'none'"
        )
        p.add_argument("--threshold", type=float, help="P(mine) threshold (default: the model card's, 0.6)")
        if name == "scan":
            p.add_argument("--out", required=True, help="output file: .geojson or .csv")
            p.add_argument(
                "--db", nargs="?", const=True, help="also store the scan and its sites (default store: $MINESCAN_DB)"
            )
            _add_radius_options(p)
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

    p = sub.add_parser("registry", help="register files: import an ANM/SIGBM export or another layer")
    rsub = p.add_subparsers(dest="registry_command", required=True)
    p = rsub.add_parser("import", help="import a register or layer file into the store and redo the matching")
    p.add_argument("file", help="SIGBM .xlsx/.csv/.tsv, or a GeoJSON, GeoPackage, shapefile or lat/lon CSV layer")
    p.add_argument("--kind", choices=["dam", "mine", "reference"], default="dam")
    p.add_argument("--db", help="store file (default: $MINESCAN_DB or data/minescan.duckdb)")
    p.add_argument(
        "--diff-with",
        help="snapshot id to compare with (default: the previous dam snapshot): added, removed, moved, risk",
    )
    _add_radius_options(p)
    p.set_defaults(func=cmd_registry)

    add_imagery_parser(sub)

    p = sub.add_parser("export", help="export sites with their register match and latest decision")
    p.add_argument("--db", help="store file (default: $MINESCAN_DB or data/minescan.duckdb)")
    p.add_argument("--format", choices=["csv", "geojson", "kml", "gpkg"], default="csv")
    p.add_argument("--scan", type=int, help="only this scan id")
    p.add_argument("--status", choices=["registered", "possibly_off_target", "unregistered"])
    p.add_argument("--decision", choices=["confirmed", "rejected", "unsure", "undecided"])
    p.add_argument("--out", required=True, help="output file")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("bench", help="benchmark the scan (km²/s, memory, FCN GFLOP/s) against a naive pipeline")
    p.add_argument("--size", type=int, default=4096, help="scene side in pixels (9216 = the paper's 92 km tile)")
    p.add_argument("--phases", default="streamed,naive,fcn", help="comma-separated: streamed, naive, fcn")
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("demo-store", help="fill an empty store with the demo scan and register (what ./run app does)")
    p.add_argument("--db", help="store file (default: $MINESCAN_DB or data/minescan.duckdb)")
    p.set_defaults(func=cmd_demo_store)

    p = sub.add_parser("demo-models", help="rebuild the shipped demo models from freshly generated demo data")
    p.add_argument("--demo", help="demo data folder, regenerated (default: $MINESCAN_DATA/demo)")
    p.add_argument("--epochs", type=int, default=15, help="discovery model epochs")
    p.add_argument("--impact-epochs", type=int, default=30, help="impact model epochs (the paper's 30)")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--evaluate-only", action="store_true", help="re-score the shipped models, no training")
    p.set_defaults(func=cmd_demo_models)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; user errors print a message and return 2."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except MineScanError as err:
        print(f"Error: {err.title}. {err}", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"Error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
