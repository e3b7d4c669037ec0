"""``bench``: the scan benchmark (km²/s, peak memory, FCN GFLOP/s) against a naive notebook-style pipeline."""

from __future__ import annotations

import argparse
from typing import Any

from cli.common import say
from core.errors import MineScanError


def cmd_bench(args: argparse.Namespace) -> int:
    """Time the streamed scan against a naive notebook-style pipeline on a synthetic scene; print the numbers."""
    from cli.scan_benchmark import PHASES, run_benchmark

    phases = tuple(p.strip() for p in args.phases.split(",") if p.strip())
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        raise MineScanError(f"unknown phase(s) {', '.join(unknown)}; use {', '.join(PHASES)}")
    run_benchmark(args.size, phases, print_fn=say)
    return 0


def add_parsers(sub: Any) -> None:
    """``bench``."""
    p = sub.add_parser("bench", help="benchmark the scan (km²/s, memory, FCN GFLOP/s) against a naive pipeline")
    p.add_argument("--size", type=int, default=4096, help="scene side in pixels (9216 = the paper's 92 km tile)")
    p.add_argument("--phases", default="streamed,naive,fcn", help="comma-separated: streamed, naive, fcn")
    p.set_defaults(func=cmd_bench)
