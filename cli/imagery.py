"""``imagery plan|export|status|download``: the paper's Sentinel-2 composite from Google Earth Engine.

``plan`` works offline and without an account; the others connect to Earth Engine and say exactly what is
missing when they cannot. ``ee`` is imported only when connecting.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tomllib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.common import add_store_option, store_path
from core import settings
from core.imagery.earth_engine.recipe import (
    PAPER_DATES,
    CompositeRecipe,
    ImageryRequestError,
    default_dates,
    make_recipe,
)
from core.imagery.earth_engine.requests import DESTINATIONS
from core.imagery.periods import Period, parse_periods
from core.wording.translate import _, ngettext

if TYPE_CHECKING:
    from core.imagery.earth_engine.plan import ImageryPlan
    from db.store import Store

#: Text that is a list of (negative) numbers, not an option.
BOUNDS_LIKE = re.compile(r"^-\d[\d.,;\s-]*$")


def secrets_file() -> Path:
    """Streamlit's secrets file of this checkout (read for the ``[earth_engine]`` table)."""
    return Path(os.environ.get("MINESCAN_SECRETS") or settings.ROOT / ".streamlit" / "secrets.toml")


def read_secrets() -> dict[str, Any]:
    """The secrets file's tables, or nothing when there is no file."""
    path = secrets_file()
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ValueError(_("{file} is not valid TOML ({error})").format(file=path, error=err)) from None


def recipe_from_args(args: argparse.Namespace) -> CompositeRecipe:
    """The composite's recipe the date, cloud and mask options give (see :func:`add_recipe_options`)."""
    start, end = PAPER_DATES if args.paper_dates else default_dates(date.today())
    if args.start:
        start = date.fromisoformat(args.start)
    if args.end:
        end = date.fromisoformat(args.end)
    return make_recipe(start, end, max_cloud_percent=args.max_cloud, mask=args.mask)


def periods_from_args(args: argparse.Namespace) -> list[Period] | None:
    """The periods ``--periods`` gives, in time order; None without it (the dates give the one period).

    Raises:
        ImageryRequestError: ``--periods`` together with ``--start``, ``--end`` or ``--paper-dates``.
        PeriodError: periods that cannot be read, given twice or overlapping.
    """
    text = getattr(args, "periods", None)
    if text is None:
        return None
    given = [name for name, value in (("--start", args.start), ("--end", args.end),
                                      ("--paper-dates", args.paper_dates)) if value]  # fmt: skip
    if given:
        raise ImageryRequestError(
            _(
                "--periods and {options} both say when: give either the periods (one composite each) or the dates of "
                "one composite, not both"
            ).format(options=_(" and ").join(given))
        )
    return parse_periods(text)


def plan_from_args(args: argparse.Namespace) -> ImageryPlan:
    """The tiles of ``args.region`` (bounds or a file), the periods and the recipe the date and cloud options give."""
    from core.imagery.earth_engine.plan import make_plan, read_regions
    from core.imagery.regions import brazil_warnings

    periods = periods_from_args(args)
    regions = read_regions(args.region, side_m=args.side_m)
    for warning in brazil_warnings(regions):
        print(_("Warning: {warning}").format(warning=warning), file=sys.stderr)
    return make_plan(regions, recipe_from_args(args), periods)


def connect_earth_engine() -> Any:
    """Sign in with the configured credentials; the initialised ``ee`` (else EarthEngineUnavailable)."""
    from core.imagery.earth_engine.connection import config_from, connect

    config = config_from(os.environ, read_secrets())
    connecting = (
        _("Connecting to Earth Engine (project {project}, {method})...")
        if config.project
        else _("Connecting to Earth Engine (project of the service account, {method})...")
    )
    print(connecting.format(project=config.project, method=config.method))
    return connect(config)


def cmd_plan(args: argparse.Namespace) -> int:
    """Print the regions, the tiles and the exact request; nothing is sent."""
    from core.imagery.earth_engine.plan import plan_text

    plan = plan_from_args(args)
    if args.json:
        periods = [p.label for p in plan.periods]
        print(json.dumps({"periods": periods, "tiles": plan.rows(), "request": plan.request(args.to, args.target)},
                         indent=2))  # fmt: skip
    else:
        print(plan_text(plan, args.to, args.target))
    return 0


def _store(args: argparse.Namespace) -> Store:
    from db.store import Store

    return Store(store_path(args))


def cmd_export(args: argparse.Namespace) -> int:
    """Start one export task per tile and period and record them in the store."""
    from db.imagery_workflows import start_exports

    plan = plan_from_args(args)
    ee = connect_earth_engine()
    for started in start_exports(_store(args), ee, plan, args.to, args.target, os.environ.get("USER")):
        print(
            _("Started export task {task_id}: {file} to {destination} {target!r}").format(
                task_id=started.task_id, file=started.file_name, destination=args.to, target=args.target
            )
        )
    print(
        _(
            "Follow them with `imagery status`; copy the finished files into the imagery folder and run "
            "`imagery status --tag-files` so the scan knows where they came from."
        )
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Refresh the recorded tasks' states; optionally tag finished exports found in the imagery folder."""
    from db.imagery_workflows import recorded_tasks, refresh_tasks, tag_exported

    store = _store(args)
    if recorded_tasks(store).empty:
        print(_("No export task has been started from this store."))
        return 0
    if not args.offline:
        changed = refresh_tasks(store, connect_earth_engine())
        print(ngettext("{n} task(s) changed state.", "{n} task(s) changed state.", changed).format(n=changed))
    for row in recorded_tasks(store).itertuples():
        error = f"  {row.error}" if isinstance(row.error, str) and row.error else ""
        print(
            _("{task_id}  {state} {file}  to {destination} {target!r}{error}").format(
                task_id=row.task_id, state=f"{row.state:<10}", file=row.file_prefix, destination=row.destination,
                target=row.target, error=error,
            )
        )  # fmt: skip
    if args.tag_files:
        folder = Path(args.folder) if args.folder else settings.scenes_dir()
        tagged = tag_exported(store, folder)
        for path, task_id in tagged:
            print(
                _("Tagged {file} with the recipe of task {task_id}: ready to scan.").format(file=path, task_id=task_id)
            )
        if not tagged:
            print(_("No exported file of these tasks under {folder}.").format(folder=folder))
    return 0


def cmd_download(args: argparse.Namespace) -> int:
    """Download the tiles (small enough for direct download) of every period as scan-ready GeoTIFFs; existing ones
    are kept."""
    from core.imagery.earth_engine.transfer import download_scenes

    plan = plan_from_args(args)
    ee = connect_earth_engine()
    folder = Path(args.out) if args.out else settings.scenes_dir() / "earth_engine"

    def report(tile_id: str, i: int, n: int, done: int, total: int) -> None:
        line = _("Tile {number}/{tiles} {tile}: {done}/{total} requests").format(
            number=i + 1, tiles=n, tile=tile_id, done=done, total=total
        )
        print(f"\r{line}", end="\n" if done >= total else "", flush=True)

    for tile in download_scenes(ee, plan.scenes, folder, progress=report):
        print((_("Already there: {file}") if tile.already_there else _("Wrote: {file}")).format(file=tile.path))
    return 0


def add_recipe_options(q: argparse.ArgumentParser) -> None:
    """The composite's dates, scene cloud limit and per-pixel mask (read by :func:`recipe_from_args`)."""
    q.add_argument("--start", help=_("first day (YYYY-MM-DD); default: two years before --end"))
    q.add_argument("--end", help=_("day after the last (YYYY-MM-DD, exclusive); default: 1st of this month"))
    q.add_argument("--paper-dates", action="store_true", help=_("the paper's 2018-01-01 to 2020-01-01"))
    q.add_argument("--max-cloud", type=float, default=20.0, help=_("scene cloud percentage limit (default 20)"))
    q.add_argument(
        "--mask",
        choices=["qa60", "cloud_score_plus"],
        default="qa60",
        help=_("per-pixel cloud mask: QA60 bits 10-11 (default) or Cloud Score+"),
    )


def add_periods_option(q: argparse.ArgumentParser) -> None:
    """``--periods``: several periods in one request, one composite each (read by :func:`periods_from_args`)."""
    q.add_argument(
        "--periods",
        metavar="TEXT",
        help=_(
            "one composite per period instead of --start/--end: 2019-2025 (one per year), 2024-Q1..2024-Q4 "
            "(quarters), or a list such as 2019,2022,2025 or 2024-03-01/2024-06-01 (end exclusive)"
        ),
    )


def add_parsers(sub: Any) -> None:
    """The ``imagery`` command and its sub-commands."""
    p = sub.add_parser(
        "imagery", help=_("Sentinel-2 composites from Google Earth Engine: plan, export, status, download")
    )
    isub = p.add_subparsers(dest="imagery_command", required=True)

    def region_options(q: argparse.ArgumentParser) -> None:
        # Bounds start with a minus in the southern and western hemispheres ("-44.2,-20.2,-43.9,-20.0"):
        # let argparse read them as a value, as it already does for a single negative number.
        q._negative_number_matcher = BOUNDS_LIKE
        q.add_argument("region", help=_("'west,south,east,north' in degrees, or a CSV or GeoJSON file of regions"))
        q.add_argument("--side-m", type=float, help=_("square side in metres for CSV rows given as centre + label"))
        add_recipe_options(q)
        add_periods_option(q)

    q = isub.add_parser("plan", help=_("show the tiles and the exact request (offline, no account needed)"))
    region_options(q)
    q.add_argument("--to", choices=DESTINATIONS, default="drive")
    q.add_argument("--target", default="MineScan", help=_("Drive folder or Cloud Storage bucket (default MineScan)"))
    q.add_argument("--json", action="store_true", help=_("print the tiles and request as JSON"))
    q.set_defaults(func=cmd_plan)

    q = isub.add_parser("export", help=_("start one export task per tile and period (Drive or Cloud Storage)"))
    region_options(q)
    q.add_argument("--to", choices=DESTINATIONS, default="drive")
    q.add_argument("--target", default="MineScan", help=_("Drive folder or Cloud Storage bucket (default MineScan)"))
    add_store_option(q)
    q.set_defaults(func=cmd_export)

    q = isub.add_parser("status", help=_("refresh the export tasks' states; --tag-files readies copied exports"))
    add_store_option(q)
    q.add_argument("--offline", action="store_true", help=_("only list the recorded states"))
    q.add_argument("--tag-files", action="store_true", help=_("write band names and the recipe into exported files"))
    q.add_argument("--folder", help=_("where the exported files were copied (default: the imagery folder)"))
    q.set_defaults(func=cmd_status)

    q = isub.add_parser("download", help=_("download small regions directly as scan-ready GeoTIFFs"))
    region_options(q)
    q.add_argument("--out", help=_("folder (default: <imagery folder>/earth_engine)"))
    q.set_defaults(func=cmd_download)
