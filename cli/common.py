"""What every command group shares: the store option, the progress bar, models by ``name@version``."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from core import settings
from core.wording.translate import _, localise_number

if TYPE_CHECKING:
    from core.register.matching import MatchSettings
    from core.scan.pipeline import ScanModel
    from db.store import Store

ProgressFn = Callable[[int, int], None]


def fmt(value: float, spec: str = "") -> str:
    """A number formatted with ``spec`` (``.1f``, ``g``, ``,``, ``.0%``) in the current language's decimal mark:
    ``12.5`` in English, ``12,5`` in pt-BR (the English text stays as the format writes it)."""
    return localise_number(format(value, spec))


def progress_bar(label: str) -> ProgressFn:
    """A one-line text bar of finished tiles (``label`` in the current language)."""

    def report(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        end = "\n" if done >= total else ""
        bar = "#" * filled + "." * (width - filled)
        line = _("{label} [{bar}] {done}/{total} tiles").format(label=label, bar=bar, done=done, total=total)
        print(f"\r{line}", end=end, flush=True)

    return report


def say(message: str) -> None:
    """Progress messages of long commands, flushed at once."""
    print(message, flush=True)


def add_store_option(p: argparse.ArgumentParser, what: str | None = None) -> None:
    """``--db [PATH]``, the same in every command: a store file, or the default one when given without a path.

    ``what``: what the store is for, already in the current language (default: "the store").
    """
    what = _("the store") if what is None else what
    p.add_argument(
        "--db", nargs="?", const="", default=None, metavar="PATH",
        help=_("{what} (a DuckDB file; without PATH or without --db: $MINESCAN_DB or <data>/minescan.duckdb)").format(
            what=what
        ),
    )  # fmt: skip


def store_path(args: argparse.Namespace) -> Path:
    """The store file ``--db`` names, or the default one."""
    return Path(args.db) if args.db else settings.db_path()


def open_store(args: argparse.Namespace) -> Store:
    """The store as short-lived connections (the app may be using the same file: see db/store.py)."""
    from db.store import Store

    path = store_path(args)
    print(_("Store: {path}").format(path=path))
    return Store(path)


def add_radius_options(p: argparse.ArgumentParser) -> None:
    """The register matching's two distances."""
    p.add_argument("--radius", type=float, default=1000.0, help=_("registered within this many metres (default 1000)"))
    p.add_argument(
        "--off-target-radius", type=float, default=3000.0, help=_("possibly off target up to this distance (3000)")
    )


def match_settings(args: argparse.Namespace) -> MatchSettings:
    """The matching distances given on the command line."""
    from core.register.matching import MatchSettings

    return MatchSettings(radius_m=args.radius, off_target_radius_m=args.off_target_radius)


def promoted_models(args: argparse.Namespace) -> dict[str, str]:
    """The promoted version of each model, from ``--db`` or the default store when it exists (else none)."""
    path = store_path(args) if getattr(args, "db", None) is not None else settings.db_path()
    if not path.is_file():
        return {}
    from db.promotions import promoted_versions
    from db.store import Store

    return Store(path).read(promoted_versions)


def load_scan_model(name_or_path: str, promoted: Mapping[str, str] | None = None) -> ScanModel:
    """A model by name (its promoted version, else its newest), ``name@version`` or folder, ready for the scan
    (TensorFlow is imported here)."""
    from core.model_card import resolve_model
    from models.worker import load_scan_model_folder

    return load_scan_model_folder(str(resolve_model(name_or_path, settings.model_roots(), promoted)))


#: ``--impact-model``'s default: the default impact model when it fits the discovery model, else one that does.
AUTO_IMPACT = "auto"


def impact_model_ref(discovery_ref: str, impact_arg: str, promoted: Mapping[str, str] | None = None) -> str | None:
    """The impact model to scan with (``name@version`` or a folder; None: none). ``auto`` picks one whose bands the
    discovery model reads, saying so in one line when it is not the default; a named one that does not fit is
    refused with what would fit.

    Raises:
        ModelMismatchError: the named impact model needs bands the discovery model does not read.
    """
    from core.errors import ModelMismatchError
    from core.model_card import ModelCard, list_cards, resolve_model
    from core.scan.fit import choose_impact, impact_fits

    if impact_arg.lower() == "none":
        return None
    roots = settings.model_roots()
    discovery = ModelCard.load(resolve_model(discovery_ref, roots, promoted))
    if impact_arg.lower() != AUTO_IMPACT:
        folder = resolve_model(impact_arg, roots, promoted)
        impact = ModelCard.load(folder)
        if not impact_fits(discovery, impact):
            raise ModelMismatchError(
                _(
                    "the impact model {impact} reads {impact_bands}, which the discovery model {discovery} does not "
                    "all read ({discovery_bands}); leave --impact-model out to pick one that fits, or pass "
                    "--impact-model none"
                ).format(
                    impact=impact.ref,
                    impact_bands=", ".join(impact.bands),
                    discovery=discovery.ref,
                    discovery_bands=", ".join(discovery.bands),
                )
            )
        return impact_arg
    chosen, note = choose_impact(
        discovery, [c for c, _folder in list_cards(roots)], settings.DEFAULT_IMPACT_MODEL, promoted
    )
    if note:
        say(_("Note: {note}.").format(note=note))
    return chosen.ref if chosen is not None else None
