"""``backup`` and ``restore``: the whole store to a folder of Parquet files and back, row counts checked."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cli.common import add_store_option, open_store
from core.wording.translate import _


def cmd_backup(args: argparse.Namespace) -> int:
    """Export the whole store into a new folder (DuckDB EXPORT DATABASE, Parquet) with a manifest of row counts."""
    from db.backup import backup_store

    info = backup_store(open_store(args), Path(args.folder))
    total = sum(info.rows.values())
    print(
        _("Backed up {rows} rows in {tables} tables (schema version {version}) to {folder}").format(
            rows=total, tables=len(info.rows), version=info.schema_version, folder=info.folder
        )
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Build a new store file from a backup folder, checking every table's row count."""
    from db.backup import restore_store

    info = restore_store(Path(args.folder), Path(args.to))
    print(
        _("Restored {rows} rows (backup of {created_at}) into {store}. Point MINESCAN_DB at it to use it.").format(
            rows=sum(info.rows.values()), created_at=info.created_at, store=args.to
        )
    )
    return 0


def add_parsers(sub: Any) -> None:
    """``backup`` and ``restore``."""
    p = sub.add_parser("backup", help=_("export the whole store into a new folder (restore it with 'restore')"))
    p.add_argument("folder", help=_("a new or empty folder"))
    add_store_option(p)
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help=_("build a new store file from a backup folder"))
    p.add_argument("folder", help=_("a folder written by 'backup'"))
    p.add_argument("--to", required=True, help=_("the new store file (must not exist)"))
    p.set_defaults(func=cmd_restore)
