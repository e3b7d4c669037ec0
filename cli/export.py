"""``export``: sites with their register match and latest decision, as CSV, GeoJSON, KML or GeoPackage."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cli.common import add_store_option, open_store
from db.exports import export_rows


def cmd_export(args: argparse.Namespace) -> int:
    """Export sites with their register match and latest decision."""
    from core.review.exports import write_export

    rows = open_store(args).read(
        lambda con: export_rows(con, scan_id=args.scan, status=args.status, decision=args.decision)
    )
    path = write_export(rows, Path(args.out), args.format)
    print(f"{len(rows)} site(s) written to {path} ({args.format})")
    return 0


def add_parsers(sub: Any) -> None:
    """``export``."""
    p = sub.add_parser("export", help="export sites with their register match and latest decision")
    add_store_option(p)
    p.add_argument("--format", choices=["csv", "geojson", "kml", "gpkg"], default="csv")
    p.add_argument("--scan", type=int, help="only this scan id")
    p.add_argument("--status", choices=["registered", "possibly_off_target", "unregistered"])
    p.add_argument("--decision", choices=["confirmed", "rejected", "unsure", "undecided"])
    p.add_argument("--out", required=True, help="output file")
    p.set_defaults(func=cmd_export)
