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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(prog="python -m cli", description="MineScan command line")
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
