"""``export``: sites with their register match and latest decision, as CSV, GeoJSON, KML or GeoPackage."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from cli.common import add_store_option, open_store
from core.review.export_csv import CSV_DIALECTS, DEFAULT_TZ, PLAIN, CsvOptions
from core.wording.translate import _, ngettext
from db.exports import export_rows


def cmd_export(args: argparse.Namespace) -> int:
    """Export sites with their register match and latest decision."""
    from core.review.exports import write_export

    csv_options = _csv_options(args)
    rows = open_store(args).read(
        lambda con: export_rows(con, scan_id=args.scan, status=args.status, decision=args.decision)
    )
    path = write_export(rows, Path(args.out), args.format, csv_options)
    if args.format == "csv":
        layout = _("{format}, {dialect}, times in {zone}").format(
            format=args.format, dialect=csv_options.dialect, zone=csv_options.zone
        )
    else:
        layout = args.format
    written = ngettext(
        "{n} site(s) written to {path} ({layout})", "{n} site(s) written to {path} ({layout})", len(rows)
    )
    print(written.format(n=len(rows), path=path, layout=layout))
    return 0


def _csv_options(args: argparse.Namespace) -> CsvOptions:
    """The CSV options of the command line, refused for the other formats (an option that does nothing misleads)."""
    if args.format != "csv" and (args.csv_dialect != PLAIN or args.tz is not None or args.titles):
        raise ValueError(
            _("--csv-dialect, --tz and --titles apply to --format csv, not {format}").format(format=args.format)
        )
    return CsvOptions(dialect=args.csv_dialect, tz=args.tz, titles=args.titles)


def add_parsers(sub: Any) -> None:
    """``export``."""
    p = sub.add_parser("export", help=_("export sites with their register match and latest decision"))
    add_store_option(p)
    p.add_argument("--format", choices=["csv", "geojson", "kml", "gpkg"], default="csv")
    p.add_argument("--scan", type=int, help=_("only this scan id"))
    p.add_argument("--status", choices=["registered", "possibly_off_target", "unregistered"])
    p.add_argument("--decision", choices=["confirmed", "rejected", "unsure", "undecided"])
    p.add_argument("--out", required=True, help=_("output file"))
    p.add_argument(
        "--csv-dialect", choices=CSV_DIALECTS, default=PLAIN,
        help=_("plain: ',' and ISO UTC times (default); excel-br: for Excel in Brazil, ';', decimal comma, local "
               "times"),
    )  # fmt: skip
    p.add_argument(
        "--tz", metavar="ZONE", help=_("time zone of the excel-br times (default {zone})").format(zone=DEFAULT_TZ)
    )
    p.add_argument("--titles", action="store_true", help=_("human-readable column titles instead of the column names"))
    p.set_defaults(func=cmd_export)
