"""``bench``: the scan benchmark (km²/s, peak memory, FCN GFLOP/s) against a naive notebook-style pipeline."""

from __future__ import annotations

import argparse
from typing import Any

from cli.common import say
from core.errors import MineScanError
from core.wording.translate import _


def cmd_bench(args: argparse.Namespace) -> int:
    """Time the streamed scan against a naive notebook-style pipeline on a synthetic scene; print the numbers."""
    from cli.scan_benchmark import PHASES, run_benchmark

    phases = tuple(p.strip() for p in args.phases.split(",") if p.strip())
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        raise MineScanError(
            _("unknown phase(s) {unknown}; use {phases}").format(unknown=", ".join(unknown), phases=", ".join(PHASES))
        )
    run_benchmark(args.size, phases, print_fn=say)
    return 0


def cmd_bench_cluster(args: argparse.Namespace) -> int:
    """One process against 1 and 2 local Dask workers on the same tiles; the capacity plan for Brazil."""
    from cli.cluster_benchmark import SIXTEEN_TILES_PX, run_cluster_benchmark

    run_cluster_benchmark(args.size or SIXTEEN_TILES_PX, print_fn=say)
    return 0


def add_parsers(sub: Any) -> None:
    """``bench`` and ``bench-cluster``."""
    p = sub.add_parser("bench", help=_("benchmark the scan (km²/s, memory, FCN GFLOP/s) against a naive pipeline"))
    p.add_argument("--size", type=int, default=4096, help=_("scene side in pixels (9216 = the paper's 92 km tile)"))
    p.add_argument("--phases", default="streamed,naive,fcn", help=_("comma-separated: streamed, naive, fcn"))
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser("bench-cluster", help=_("benchmark scans on 1 and 2 local Dask workers; capacity plan"))
    p.add_argument("--size", type=int, help=_("scene side in pixels (default 4494: 16 tiles of 40 x 40 cells)"))
    p.set_defaults(func=cmd_bench_cluster)
