"""The parser of every command group, and the one place user errors become a message and exit code 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cli import (
    bench,
    campaign,
    demo,
    dossier,
    export,
    imagery,
    jobs,
    learning,
    places,
    region,
    registry,
    scan,
    store,
    training,
    users,
)
from core.errors import MineScanError
from models.quiet_import import quiet_tensorflow_import

# TensorFlow's C++ start-up lines are for its developers, not an auditor's terminal (models/quiet_import.py).
quiet_tensorflow_import()

#: In the order ``--help`` lists them.
GROUPS = (
    demo,
    training,
    learning,
    jobs,
    campaign,
    users,
    store,
    scan,
    region,
    registry,
    imagery,
    places,
    export,
    dossier,
    bench,
)


#: What ``--help`` ends with: the commands a new user runs first.
EXAMPLES = """examples:
  python -m cli demo-store                                 the synthetic demo, scanned into its own store
  python -m cli scan scene.tif --out sites.geojson --db data/minescan.duckdb
                                                           scan a GeoTIFF and store its sites
  python -m cli scan scene.tif --model tailings_rgb --out sites.csv
                                                           the real-data RGB model (impact model picked to fit)
  python -m cli registry import sigbm.csv --db data/minescan.duckdb
                                                           import the ANM dam register and match the sites
  python -m cli export --db data/minescan.duckdb --format gpkg --out sites.gpkg
                                                           every site with its decision, for QGIS
  python -m cli places list --db data/minescan.duckdb --format csv --out places.csv
  python -m cli dossier --site 12 --db data/minescan.duckdb --out dossiers/
  python -m cli COMMAND --help                             every option of one command"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog="python -m cli",
        description="MineScan command line",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_parsers(sub)
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
