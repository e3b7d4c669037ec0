"""``registry import``: an ANM/SIGBM register export or another layer into the store, with the snapshot diff."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cli.common import add_radius_options, add_store_option, match_settings, open_store
from core.wording.translate import _
from db.registers import previous_snapshot_id, snapshot_register_entries


def cmd_import(args: argparse.Namespace) -> int:
    """Import a register or layer file into the store and redo the matching; print what changed."""
    from core.register import diff_snapshots
    from db.workflows import import_register

    store = open_store(args)
    snapshot_id, imported = import_register(store, Path(args.file), args.kind, match_settings(args))
    print(imported.report_text())
    print(
        _("Stored as register snapshot {snapshot} ({kind}); every site was matched again.").format(
            snapshot=snapshot_id, kind=args.kind
        )
    )
    old_id = int(args.diff_with) if args.diff_with else store.read(lambda c: previous_snapshot_id(c, snapshot_id))
    if old_id is not None and args.kind == "dam":
        print(_("Changes since snapshot {snapshot}:").format(snapshot=old_id))
        old, new = store.read(
            lambda con: (snapshot_register_entries(con, old_id), snapshot_register_entries(con, snapshot_id))
        )
        print(diff_snapshots(old, new).summary())
    return 0


def add_parsers(sub: Any) -> None:
    """``registry`` and its sub-command ``import``."""
    p = sub.add_parser("registry", help=_("register files: import an ANM/SIGBM export or another layer"))
    rsub = p.add_subparsers(dest="registry_command", required=True)
    p = rsub.add_parser("import", help=_("import a register or layer file into the store and redo the matching"))
    p.add_argument("file", help=_("SIGBM .xlsx/.csv/.tsv, or a GeoJSON, GeoPackage, shapefile or lat/lon CSV layer"))
    p.add_argument("--kind", choices=["dam", "mine", "reference"], default="dam")
    add_store_option(p)
    p.add_argument(
        "--diff-with",
        help=_("snapshot id to compare with (default: the previous dam snapshot): added, removed, moved, risk"),
    )
    add_radius_options(p)
    p.set_defaults(func=cmd_import)
