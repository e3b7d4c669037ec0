"""``train``, ``train-scenes`` and ``rescore-scenes``: fit a model on patches or scenes, or score one again."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.common import add_store_option, fmt, say
from core import settings
from core.errors import MineScanError
from core.imagery.bands import get_profile
from core.model_card import ModelCard, new_model_folder, resolve_model
from core.wording.translate import _

if TYPE_CHECKING:
    from models.trainer import Progress, TrainResult


def cmd_train(args: argparse.Namespace) -> int:
    """Train a model from patch folders, patches cut from scenes with masks, or a training set of the store."""
    result = train_command(args, say)
    _saved(result)
    return 0


def _saved(result: TrainResult) -> None:
    card = result.card
    print(
        _("Model saved in {folder}: {model}, threshold {threshold}; report {report}").format(
            folder=result.folder, model=card.ref, threshold=fmt(card.threshold, "g"), report=result.report_md
        )
    )


def train_command(args: argparse.Namespace, progress: Progress) -> TrainResult:
    """What ``train`` does, reporting through ``progress`` (a job runner passes its own); returns the saved model."""
    given = [bool(args.patches), bool(args.scenes), args.from_training_set is not None]
    if sum(given) != 1:
        raise MineScanError(_("give exactly one of --patches DIR (one subfolder per class), --scenes DIR (img/, "
                              "mask/) or --from-training-set ID"))  # fmt: skip
    if args.fine_tune and args.from_training_set is None:
        raise MineScanError(_("--fine-tune goes with --from-training-set: it continues a model on reviewed windows"))
    if args.from_training_set is not None:
        return _train_from_set(args, progress)
    return _train(
        args,
        progress,
        kind=args.kind,
        data_dir=Path(args.patches or args.scenes),
        layout="patches" if args.patches else "scene_patches",
        augment=args.augment,
        threshold=args.threshold,
        synthetic=args.synthetic,
    )


def cmd_train_scenes(args: argparse.Namespace) -> int:
    """Train a discovery FCN on whole scenes with masks (one label per output cell), evaluate it per site, save it.

    With ``--add-training-set`` the windows of training sets built from reviews of those scenes join the scenes.
    """
    bands = get_profile(args.profile).bands
    sets = [_checked_set(args, set_id, bands) for set_id in args.add_training_set or ()]
    provenance = (
        (("training_set", ",".join(str(f["id"]) for f in sets)),
         ("data_fingerprint", ",".join(str(f["fingerprint"]) for f in sets)))
        if sets else ()
    )  # fmt: skip
    result = _train(
        args,
        say,
        kind="discovery",
        data_dir=Path(args.scenes),
        layout="scenes",
        augment=not args.no_augment,
        width=args.width,
        crop_px=args.crop,
        balance_classes=args.balance,
        review_sets=tuple(Path(f["folder"]) for f in sets),
        provenance=provenance,
    )
    _saved(result)
    return 0


def _checked_set(args: argparse.Namespace, set_id: int, bands: tuple[str, ...]) -> dict[str, Any]:
    """The store's record of training set ``set_id``, once its folder is shown to hold what the store recorded.

    Raises:
        MineScanError: an unknown set, a folder whose windows changed, or other bands than ``bands``.
    """
    from cli.common import open_store
    from core.training.review_set_files import read_manifest
    from db.training_sets import training_set

    found = open_store(args).read(lambda con: training_set(con, set_id))
    manifest = read_manifest(found["folder"])
    if manifest.get("fingerprint") != found["fingerprint"]:
        raise MineScanError(_("training set {set_id}: {folder} does not hold the windows the store recorded (its "
                              "manifest's fingerprint differs); build a new set").format(
            set_id=found["id"], folder=found["folder"]))  # fmt: skip
    if tuple(bands) != found["bands"]:
        raise MineScanError(_("training set {set_id} has bands {set_bands}, the model {model_bands}: build the set "
                              "with the model's band profile").format(
            set_id=found["id"], set_bands=", ".join(found["bands"]), model_bands=", ".join(bands)))  # fmt: skip
    if found["model_name"] and args.name and args.name != found["model_name"]:
        raise MineScanError(_built_for(found, args.name))
    return found


def _built_for(found: dict[str, Any], name: str) -> str:
    return _("training set {set_id} was built for {model} (its frozen evaluation set stays out of it), not for "
             "{name}").format(set_id=found["id"], model=found["model_name"], name=name)  # fmt: skip


def _train_from_set(args: argparse.Namespace, progress: Progress) -> TrainResult:
    """A discovery model from a training set built from reviews: from scratch, or fine-tuning ``--fine-tune``."""
    if args.kind != "discovery":
        raise MineScanError(_("a training set from reviews trains a discovery model: use --kind discovery"))
    parent = resolve_model(args.fine_tune, settings.model_roots()) if args.fine_tune else None
    bands = ModelCard.load(parent).bands if parent else get_profile(args.profile).bands
    if parent and not args.name:
        args.name = ModelCard.load(parent).name
    found = _checked_set(args, args.from_training_set, tuple(bands))
    if found["model_name"] and args.name != found["model_name"]:
        raise MineScanError(_built_for(found, args.name))
    return _train(
        args,
        progress,
        kind="discovery",
        data_dir=found["folder"],
        layout="patches",
        augment=True,
        threshold=ModelCard.load(parent).threshold if parent else args.threshold,
        parent=parent,
        provenance=(("training_set", found["id"]), ("data_fingerprint", found["fingerprint"])),
        bands=tuple(bands),
    )


def _train(args: argparse.Namespace, progress: Progress, **layout: Any) -> TrainResult:
    """Both commands: one trainer, two data layouts."""
    from models.trainer import TrainConfig, train_model

    out, version = _out_folder(args)
    layout.setdefault("bands", get_profile(args.profile).bands)
    config = TrainConfig(
        name=args.name,
        out_dir=out,
        epochs=args.epochs,
        batch_size=args.batch_size,
        folds=args.folds,
        seed=args.seed,
        version=version,
        description=args.description,
        **layout,
    )
    return train_model(config, progress=progress)


def cmd_rescore_scenes(args: argparse.Namespace) -> int:
    """Score a scene-trained model's saved out-of-fold grids again, as a new version (threshold and report)."""
    from models.scene_layout import rescore_model

    folder = resolve_model(args.model, settings.model_roots())
    name = ModelCard.load(folder).name
    into, version = new_model_folder(name, None, settings.user_models_dir(), settings.model_roots())
    card = rescore_model(folder, Path(args.scenes), into, version)
    why = card.metrics.sites.why if card.metrics.sites else ""
    print(
        _("{model}: threshold {threshold} ({why}); saved in {folder}").format(
            model=card.label, threshold=fmt(card.threshold, "g"), why=why, folder=into
        )
    )
    return 0


def _out_folder(args: argparse.Namespace) -> tuple[Path, str]:
    """``--out``, or the next free ``<data>/models/<name>/<version>/`` (never the code's models/, never over one)."""
    if not args.name:
        raise MineScanError(_("give the model's --name (with --fine-tune it defaults to the parent's)"))
    if args.out:
        return Path(args.out), args.version or "1"
    return new_model_folder(args.name, args.version, settings.user_models_dir(), settings.model_roots())


def _model_options(p: argparse.ArgumentParser, *, profile: str, epochs: int, batch_size: int, folds: int,
                   required_name: bool = True) -> None:  # fmt: skip
    """The options both trainers share: the model's name, version and folder, bands, epochs, folds, seed."""
    p.add_argument(
        "--name", required=required_name, help=_("model name; saved to <data>/models/<name>/<version>/ unless --out")
    )
    p.add_argument("--version", help=_("default: the next number after the model's versions"))
    p.add_argument("--out", help=_("model folder to write (instead of the data folder)"))
    other = "rgb" if profile == "s2_12" else "s2_12"
    p.add_argument(
        "--profile",
        default=profile,
        help=_("band profile: {profile} (default) or {other}").format(profile=profile, other=other),
    )
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--batch-size", type=int, default=batch_size, help=_("default {n}").format(n=batch_size))
    p.add_argument(
        "--folds", type=int, default=folds, help=_("cross-validation folds (0 = none; default {n})").format(n=folds)
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--description", default="")


def add_parsers(sub: Any) -> None:
    """``train``, ``train-scenes`` and ``rescore-scenes``."""
    p = sub.add_parser("train", help=_("train a discovery or impact model"))
    p.add_argument("--kind", choices=["discovery", "impact"], required=True)
    p.add_argument("--patches", help=_("folder with one subfolder of GeoTIFF patches per class"))
    p.add_argument("--scenes", help=_("folder with img/img_N.tif and mask/mask_N.tif (0/1 masks on the same grid)"))
    p.add_argument("--from-training-set", type=int, metavar="ID", help=_("a training set built from reviews (store)"))
    p.add_argument("--fine-tune", metavar="NAME@VERSION", help=_("with --from-training-set: continue this model"))
    add_store_option(p, _("the store holding the training set"))
    _model_options(p, profile="s2_12", epochs=30, batch_size=16, folds=10, required_name=False)
    p.add_argument("--augment", action="store_true", help=_("random flips and 90-degree rotations"))
    p.add_argument("--threshold", type=float, default=0.6, help=_("P(mine) threshold stored in the card"))
    p.add_argument("--synthetic", action="store_true", help=_("mark the model as trained on synthetic data"))
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "train-scenes",
        help=_("train a discovery model on whole scenes with tailings masks; per-site evaluation report"),
    )
    p.add_argument("--scenes", required=True, help=_("folder with img/img_N.tif and mask/mask_N.tif"))
    _model_options(p, profile="rgb", epochs=40, batch_size=4, folds=5)
    p.add_argument("--crop", type=int, default=None, help=_("train on random crops of this size (174 + 27 k px)"))
    p.add_argument("--balance", action="store_true", help=_("weigh mine cells so both classes count equally"))
    p.add_argument("--width", type=float, default=1.0, help=_("filter multiplier (1.0 = the paper's network)"))
    p.add_argument("--no-augment", action="store_true", help=_("no flips and 90-degree rotations"))
    p.add_argument(
        "--add-training-set",
        type=int,
        action="append",
        metavar="ID",
        help=_("also train on this training set's reviewed windows (cut from these scenes; repeatable)"),
    )
    add_store_option(p, _("the store holding the training sets"))
    p.set_defaults(func=cmd_train_scenes)

    p = sub.add_parser(
        "rescore-scenes", help=_("score a scene-trained model's saved out-of-fold grids again (no training)")
    )
    p.add_argument("model", help=_("model name, name@version or folder"))
    p.add_argument("--scenes", required=True, help=_("the scenes it was trained on (img/ and mask/)"))
    p.set_defaults(func=cmd_rescore_scenes)
