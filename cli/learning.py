"""``training-set`` and ``models``: training sets from reviewers' decisions or from the register (Earth Engine), and
model versions and promotion."""

from __future__ import annotations

import argparse
import json
from typing import Any

from cli.common import add_store_option, fmt, open_store, say
from core import settings
from core.access.users import Identity, load_users
from core.errors import MineScanError
from core.imagery.bands import get_profile
from core.model_card import ModelCard, list_cards, resolve_model
from core.wording.translate import N_, _, ngettext

#: The model a set from the register is for by default: a new 12-band discovery model (not the synthetic demo's).
REGISTER_MODEL = "register_discovery"
#: The cross-validated measures ``models show`` prints, with their line ({mean} ± {sd}).
MEASURES = (
    ("accuracy", N_("  cross-validated accuracy: {mean} ± {sd}")),
    ("precision", N_("  cross-validated precision: {mean} ± {sd}")),
    ("recall", N_("  cross-validated recall: {mean} ± {sd}")),
    ("f1", N_("  cross-validated f1: {mean} ± {sd}")),
)


def operator(username: str) -> Identity:
    """The account a command acts for (``--by``), from the users file; its role decides what it may do."""
    users = load_users(settings.users_path())
    user = users.get(username)
    if user is None or user.disabled:
        raise MineScanError(
            _("--by {username}: no such active user in {users_file} (see 'users list')").format(
                username=username, users_file=settings.users_path()
            )
        )
    return Identity(user.username, user.role, user.display_name, "cli")


def _scan_ids(text: str) -> list[int]:
    try:
        ids = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise MineScanError(
            _("--scans {text!r}: give scan ids separated by commas, e.g. 1,2,5").format(text=text)
        ) from None
    if not ids:
        raise MineScanError(_("--scans: give at least one scan id"))
    return ids


def cmd_set_build(args: argparse.Namespace) -> int:
    """Build a training set from the decided sites of the chosen scans."""
    from core.access.users import require
    from core.training.review_sets import SetSettings
    from db.training_workflows import build_training_set

    who = require(operator(args.by), "train_model")
    bands = get_profile(args.profile).bands
    model = args.model or (settings.DEFAULT_DISCOVERY_MODEL if args.profile == "s2_12" else settings.REAL_RGB_MODEL)
    store = open_store(args)
    set_id, built = build_training_set(
        store, _scan_ids(args.scans), bands, args.name, who.username, settings.training_sets_dir(), model,
        SetSettings(seed=args.seed),
    )  # fmt: skip
    for scan_id, why in built.skipped:
        say(_("Left out scan {scan_id}: {why}").format(scan_id=scan_id, why=why))
    if built.held_out:
        n = len(built.held_out)
        say(ngettext("{n} decided site(s) held out as {model}'s frozen evaluation set (never trained on)",
                     "{n} decided site(s) held out as {model}'s frozen evaluation set (never trained on)",
                     n).format(n=n, model=model))  # fmt: skip
    counts: Any = built.manifest["counts"]
    print(_("Training set {set_id} in {folder}: {windows} windows in {places} places; by class {by_class}; by "
            "reason {by_reason}").format(set_id=set_id, folder=built.folder, windows=counts["windows"],
                                         places=counts["places"], by_class=counts["by_class"],
                                         by_reason=counts["by_reason"]))  # fmt: skip
    return 0


def _region_boxes(args: argparse.Namespace) -> tuple[tuple[float, float, float, float], ...]:
    """``--region`` as (west, south, east, north) boxes; none without it."""
    if not args.region:
        return ()
    from core.imagery.earth_engine.plan import read_regions
    from core.imagery.regions import brazil_warnings

    regions = read_regions(args.region, side_m=args.side_m)
    for warning in brazil_warnings(regions):
        say(_("Warning: {warning}").format(warning=warning))
    return tuple((r.west, r.south, r.east, r.north) for r in regions)


def cmd_set_from_register(args: argparse.Namespace) -> int:
    """Build a 12-band training set from the register's dams and background, fetched from Earth Engine."""
    from cli.imagery import connect_earth_engine, recipe_from_args
    from core.access.users import require
    from core.training.register_points import RegisterSetSettings
    from db.register_sets import build_register_set, plan_register_set

    who = require(operator(args.by), "train_model")
    recipe = recipe_from_args(args)
    rules = RegisterSetSettings(
        background=args.background, min_distance_m=args.min_distance_km * 1000,
        background_radius_m=args.background_radius_km * 1000, seed=args.seed,
    )  # fmt: skip
    store = open_store(args)
    plan = plan_register_set(store, rules, args.model, _region_boxes(args))
    words = (
        _(
            "{dams} dam window(s) and {background} background window(s) to fetch ({skipped} dam(s) left out, {outside} "
            "outside the region); composite {start} to {end}, end exclusive"
        )
        if plan.dams_outside
        else _(
            "{dams} dam window(s) and {background} background window(s) to fetch ({skipped} dam(s) left out); "
            "composite {start} to {end}, end exclusive"
        )
    )
    say(words.format(dams=len(plan.positives), background=len(plan.negatives), skipped=len(plan.skipped),
                     outside=plan.dams_outside, start=recipe.start, end=recipe.end))  # fmt: skip
    ee = connect_earth_engine()

    def report(done: int, total: int) -> None:
        line = _("Windows {done}/{total}").format(done=done, total=total)
        print(f"\r{line}", end="\n" if done >= total else "", flush=True)

    set_id, built = build_register_set(store, ee, recipe, plan, args.name, who.username, settings.training_sets_dir(),
                                       args.model, rules, progress=report)  # fmt: skip
    counts: Any = built.manifest["counts"]
    print(_("Training set {set_id} in {folder}: {windows} windows in {places} places ({dams} dams); by class "
            "{by_class}; left out {skipped}").format(set_id=set_id, folder=built.folder, windows=counts["windows"],
                                                     places=counts["places"], dams=counts["dams"],
                                                     by_class=counts["by_class"],
                                                     skipped=counts["skipped"] or _("none")))  # fmt: skip
    print(_("Train on it: {command}").format(
        command=f"train --kind discovery --from-training-set {set_id} --name {args.model}"))  # fmt: skip
    return 0


def cmd_set_list(args: argparse.Namespace) -> int:
    """List the training sets."""
    from db.training_sets import training_sets

    rows = open_store(args).read(training_sets)
    if rows.empty:
        print(_("No training sets yet: build one with 'training-set build --scans IDS --by USER'."))
    for r in rows.itertuples():
        counts = json.loads(r.counts_json) if r.counts_json else {}
        print(f"  {r.id:>4}  {r.name:<24} {r.status:<9} {r.bands:<20} {counts.get('by_class', '')} "
              f"{r.message or ''}")  # fmt: skip
    return 0


def cmd_models_list(args: argparse.Namespace) -> int:
    """Every model version, marking the promoted one."""
    from db.promotions import promoted_versions

    promoted = open_store(args).read(promoted_versions)
    for card, folder in list_cards(settings.model_roots()):
        mark = _("promoted") if promoted.get(card.name) == card.version else ""
        parent = card.training.get("parent") or ""
        lineage = _("from {parent}").format(parent=parent) if parent else ""
        print(f"  {card.label:<36} {card.kind:<9} {mark:<8} {lineage:<24} {folder}")
    return 0


def cmd_models_show(args: argparse.Namespace) -> int:
    """One version's card: lineage, data and measures."""
    card = ModelCard.load(resolve_model(args.model, settings.model_roots()))
    t = card.training
    print(
        _("{model} ({kind}), bands {bands}, threshold {threshold}").format(
            model=card.label, kind=card.kind, bands=", ".join(card.bands), threshold=fmt(card.threshold, "g")
        )
    )
    print(
        _("  parent: {parent}; training set: {training_set}; data fingerprint: {fingerprint}; data: {data}").format(
            parent=t.get("parent") or "-",
            training_set=t.get("training_set") or "-",
            fingerprint=t.get("data_fingerprint") or "-",
            data=t.get("data", ""),
        )
    )
    for measure, words in MEASURES:
        value = card.metrics.measure(measure)
        if value is not None:
            print(_(words).format(mean=fmt(value.mean, ".3f"), sd=fmt(value.sd, ".3f")))
    if card.metrics.sites:
        print(_("  out-of-fold sites at {threshold}: {sites}").format(
            threshold=fmt(card.metrics.sites.threshold, "g"), sites=card.metrics.sites.at_threshold))  # fmt: skip
    return 0


def cmd_models_compare(args: argparse.Namespace) -> int:
    """Score two versions on the model's frozen evaluation set; write the table and picture beside the newer."""
    from db.evaluation_sets import frozen_cases
    from models.compare import compare_versions, write_comparison
    from models.oof_compare import compare_out_of_fold, write_oof_comparison

    before, after = (resolve_model(ref, settings.model_roots()) for ref in (args.before, args.after))
    name = ModelCard.load(before).name
    cases = open_store(args).read(lambda con: frozen_cases(con, name))
    # Models trained on whole scenes with masks (tailings_rgb) also carry their out-of-fold cases: compared when
    # both versions were cross-validated on the same folds.
    try:
        oof = compare_out_of_fold(before, after)
    except MineScanError as err:
        oof, why_not = None, str(err)
    if oof is not None:
        _table, oof_md, _picture = write_oof_comparison(after, oof)
        print(oof_md.read_text(encoding="utf-8"))
    if not any(cases.values()) and oof is not None:
        print(
            _("{model} has no frozen reviewed cases yet: the out-of-fold comparison above is the only one.").format(
                model=name
            )
        )
        return 0
    report = compare_versions(before, after, cases)
    _table, md, _picture = write_comparison(after, report)
    print(md.read_text(encoding="utf-8"))
    if oof is None:
        print(_("(No out-of-fold comparison: {why})").format(why=why_not))
    print(_("Written to {folder}").format(folder=md.parent))
    return 0


def _promote(args: argparse.Namespace, action: str) -> int:
    from db.promotions import change_promotion

    who = operator(args.by)
    card = change_promotion(open_store(args), who, args.model, action, args.note, settings.model_roots())
    done = (
        _("{model} is now the promoted version of {name} (promote by {username}).")
        if action == "promote"
        else _("{model} is now the promoted version of {name} (rollback by {username}).")
    )
    print(done.format(model=card.ref, name=card.name, username=who.username))
    return 0


def _add_from_register(tsub: Any) -> None:
    """``training-set from-register``: the options of a cold start from the register."""
    from cli.imagery import BOUNDS_LIKE, add_recipe_options

    r = tsub.add_parser("from-register", help=_("a 12-band set from Earth Engine: register dams and background"))
    r._negative_number_matcher = BOUNDS_LIKE  # "--region -44.2,-20.2,-43.9,-20.0" is a value, not an option
    r.add_argument("--by", required=True, help=_("the supervisor building it (a user of the app)"))
    r.add_argument("--region", help=_("'west,south,east,north' or a CSV/GeoJSON of regions (default: around the dams)"))
    r.add_argument("--side-m", type=float, help=_("square side in metres for CSV rows given as centre + label"))
    add_recipe_options(r)
    r.add_argument("--background", type=int, help=_("background windows (default: as many as dam windows)"))
    r.add_argument(
        "--min-distance-km",
        type=float,
        default=2.0,
        help=_("background at least this far from any registered dam, mine or mining area (default 2)"),
    )
    r.add_argument(
        "--background-radius-km",
        type=float,
        default=10.0,
        help=_("without --region: background within this distance of a dam (default 10)"),
    )
    r.add_argument("--seed", type=int, default=0, help=_("seed of the background points"))
    r.add_argument("--name", default="register", help=_("a name for the set"))
    r.add_argument(
        "--model", default=REGISTER_MODEL, help=_("the model it is for (default {model})").format(model=REGISTER_MODEL)
    )
    add_store_option(r)
    r.set_defaults(func=cmd_set_from_register)


def add_parsers(sub: Any) -> None:
    """``training-set build|from-register|list`` and ``models list|show|compare|promote|rollback``."""
    p = sub.add_parser("training-set", help=_("training sets built from reviewers' decisions or from the register"))
    tsub = p.add_subparsers(dest="set_command", required=True)
    b = tsub.add_parser("build", help=_("cut the decided sites of scans (and background) into a new training set"))
    b.add_argument("--scans", required=True, help=_("scan ids, comma-separated"))
    b.add_argument("--by", required=True, help=_("the supervisor building it (a user of the app)"))
    b.add_argument("--name", default="reviews", help=_("a name for the set"))
    b.add_argument("--model", help=_("the model it is for (its frozen evaluation set stays out); default by profile"))
    b.add_argument("--profile", default="s2_12", help=_("band profile of the windows: s2_12 (default) or rgb"))
    b.add_argument("--seed", type=int, default=0, help=_("seed of the background windows"))
    add_store_option(b)
    b.set_defaults(func=cmd_set_build)
    _add_from_register(tsub)
    ls = tsub.add_parser("list", help=_("every training set with its counts"))
    add_store_option(ls)
    ls.set_defaults(func=cmd_set_list)

    p = sub.add_parser("models", help=_("model versions: list, show, compare, promote, rollback"))
    msub = p.add_subparsers(dest="models_command", required=True)
    ml = msub.add_parser("list", help=_("every model version; the promoted one marked"))
    add_store_option(ml)
    ml.set_defaults(func=cmd_models_list)
    sh = msub.add_parser("show", help=_("one version's card: parent, training set, data, measures"))
    sh.add_argument("model", help=_("name, name@version or folder"))
    sh.set_defaults(func=cmd_models_show)
    cp = msub.add_parser("compare", help=_("two versions on the model's frozen evaluation set (table and picture)"))
    cp.add_argument("before", help=_("name@version, e.g. the parent"))
    cp.add_argument("after", help=_("name@version, e.g. the new version"))
    add_store_option(cp)
    cp.set_defaults(func=cmd_models_compare)
    for action, what in (
        ("promote", _("make a version the one scans use")),
        ("rollback", _("go back to an earlier one")),
    ):
        m = msub.add_parser(action, help=what)
        m.add_argument("model", help=_("name@version"))
        m.add_argument("--by", required=True, help=_("the supervisor doing it (a user of the app)"))
        m.add_argument("--note", default=None, help=_("why"))
        add_store_option(m)
        m.set_defaults(func=lambda args, action=action: _promote(args, action))
