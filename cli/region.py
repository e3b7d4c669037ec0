"""``region``: a region end to end as one job: download its tiles (or use the files already here), scan them (on
Dask workers when asked, or several tiles), store the sites and match them against the register.

The region, dates (or periods) and cloud options are those of ``imagery plan``: the tiles are the ones the Imagery
page shows, and each tile's file (one per period) is the one ``imagery download`` writes, so files downloaded before
(or copied here from a machine with an account) are used as they are and an account-less machine scans a region
whose files are all here. Every period's files are downloaded, then scanned.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.cluster import add_cluster_options
from cli.common import AUTO_IMPACT, add_radius_options, add_store_option, fmt, impact_model_ref, open_store
from core import settings
from core.wording.translate import _

if TYPE_CHECKING:
    from cli.jobs import JobReporter
    from core.imagery.earth_engine.plan import ImageryPlan

#: The share of a region job's progress its downloads take (when some tiles must be downloaded).
DOWNLOAD_SHARE = 0.4


def tile_files(plan: ImageryPlan, folder: Path) -> list[Path]:
    """Each scene's file (every tile over every period, in ``plan.scenes`` order), as ``imagery download`` names
    it (or named as before files were named by period, when only that file is here)."""
    from core.imagery.earth_engine.transfer import existing_scene_path

    return [existing_scene_path(folder, s.recipe, s.tile) for s in plan.scenes]


def _folder(args: argparse.Namespace) -> Path:
    return Path(args.folder) if args.folder else settings.scenes_dir() / "earth_engine"


def _missing_message(plan: ImageryPlan, missing: list[str], folder: Path, why: str) -> str:
    names = ", ".join(missing[:4])
    if len(missing) > 4:
        names = _("{names} and {more} more").format(names=names, more=len(missing) - 4)
    message = (
        _(
            "{missing} of {total} {word} of this region are not on this machine ({names}) and {why}. Download them "
            "where an account is configured ('imagery download' with the same region and dates) and copy them into "
            "{folder}, or configure Earth Engine here"
        )
        if len(plan.recipes) == 1
        else _(
            "{missing} of {total} {word} of this region are not on this machine ({names}) and {why}. Download them "
            "where an account is configured ('imagery download' with the same region and periods) and copy them "
            "into {folder}, or configure Earth Engine here"
        )
    )
    return message.format(missing=len(missing), total=len(plan.scenes), word=plan.scene_word, names=names, why=why,
                          folder=folder)  # fmt: skip


def cmd_region(args: argparse.Namespace) -> int:
    """Queue a region job (download, scan, store, match) and start its runner; ``--wait`` runs it here."""
    from cli.imagery import plan_from_args, read_secrets
    from cli.jobs import pinned_model, start_job
    from cli.learning import operator
    from core.access.users import require
    from core.imagery.earth_engine.connection import EarthEngineUnavailable, config_from
    from core.jobs.regions import region_argv
    from core.jobs.scans import scan_subject
    from db.jobs import create_job

    who = require(operator(args.by), "scan")
    store = open_store(args)
    plan = plan_from_args(args)
    folder = _folder(args)
    files = tile_files(plan, folder)
    missing = [f.name for f in files if not f.exists()]
    if args.download_only and not missing:
        every = (
            _("Every tile of this region is already in {folder}: nothing to download.")
            if len(plan.recipes) == 1
            else _("Every scene (tile and period) of this region is already in {folder}: nothing to download.")
        )
        print(every.format(folder=folder))
        return 0
    if missing:
        try:
            config_from(os.environ, read_secrets())
        except EarthEngineUnavailable as err:
            raise EarthEngineUnavailable(_missing_message(plan, missing, folder, str(err).rstrip("."))) from None
    model = pinned_model(args.model, store)
    from db.promotions import promoted_versions

    chosen = impact_model_ref(model, args.impact_model, store.read(promoted_versions))
    impact = "none" if chosen is None else pinned_model(chosen, store)
    argv = region_argv(args.region, plan.recipe, folder, str(store.path), model=model, impact_model=impact,
                       by=who.username, workers=args.workers, scheduler=args.scheduler,
                       side_m=args.side_m, periods=plan.periods)  # fmt: skip
    argv += ["--download-only"] if args.download_only else []
    labels = ", ".join(r.label for r in plan.regions)
    what = (_("download region {labels}") if args.download_only else _("region {labels}")).format(labels=labels)
    title = _("{what}: {size}, {area} km², {n} to download") if missing else _("{what}: {size}, {area} km², all here")
    title = title.format(what=what, size=plan.size_text, area=fmt(plan.area_km2, ",.0f"), n=len(missing))
    job_id = store.write(lambda con: create_job(con, who, "region", scan_subject(files), title, argv))
    return start_job(store, job_id, title, args.wait)


def region_work(args: argparse.Namespace, reporter: JobReporter) -> dict[str, Any]:
    """The region job's work: download the missing scenes (tiles of every period), then scan, store and match every
    one."""
    from cli.imagery import connect_earth_engine, plan_from_args
    from cli.job_kinds import scan_in_job
    from cli.main import build_parser
    from core.imagery.earth_engine.connection import EarthEngineUnavailable
    from core.imagery.earth_engine.transfer import download_scenes
    from core.jobs.scans import cluster_argv

    plan = plan_from_args(args)
    folder = _folder(args)
    files = tile_files(plan, folder)
    missing = [s for s, f in zip(plan.scenes, files, strict=True) if not f.exists()]
    reporter(_("{size}, {area} km²: {here} already in {folder}, {n} to download").format(
        size=plan.size_text, area=fmt(plan.area_km2, ",.0f"), here=len(files) - len(missing), folder=folder,
        n=len(missing)))  # fmt: skip
    share0 = 0.0
    if missing:
        try:
            ee = connect_earth_engine()
        except EarthEngineUnavailable as err:
            names = [f.name for f in files if not f.exists()]
            raise EarthEngineUnavailable(_missing_message(plan, names, folder, str(err).rstrip("."))) from None

        def report(tile_id: str, i: int, n: int, done: int, total: int) -> None:
            line = _("download tile {number}/{tiles} {tile}: {done}/{total} requests").format(
                number=i + 1, tiles=n, tile=tile_id, done=done, total=total
            )
            reporter.progress(DOWNLOAD_SHARE * (i + done / max(total, 1)) / n, line)  # fmt: skip

        download_scenes(ee, missing, folder, progress=report)
        reporter.note(downloaded=[s.file_prefix for s in missing])
        share0 = DOWNLOAD_SHARE
    if args.download_only:
        word = plan.scene_word
        reporter(
            _("Downloaded {n} {word} into {folder}; {here} were already there").format(
                n=len(missing), word=word, folder=folder, here=len(files) - len(missing)
            )
        )
        summary = _("{n} of {total} {word} downloaded into {folder}").format(
            n=len(missing), total=len(files), word=word, folder=folder
        )
        return {"tiles": len(files), "downloaded": len(missing), "files": [str(f) for f in files],
                "periods": [p.label for p in plan.periods], "summary": summary}  # fmt: skip
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    out = settings.jobs_dir() / "sites" / (f"region-{stamp}" if len(files) > 1 else f"region-{stamp}.geojson")
    scan = ["scan", *map(str, files), "--out", str(reporter.noted.get("out", out)), "--db", args.db or "",
            "--model", args.model, "--impact-model", args.impact_model,
            "--radius", f"{args.radius:g}", "--off-target-radius", f"{args.off_target_radius:g}"]  # fmt: skip
    scan += cluster_argv(args.workers, args.scheduler)
    reporter.note(out=str(reporter.noted.get("out", out)))
    result = scan_in_job(build_parser().parse_args(scan), reporter, share0, 1.0 - share0)
    result["tiles"] = len(files)
    result["downloaded"] = len(missing)
    result["periods"] = [p.label for p in plan.periods]
    result["summary"] = _("{total} {word} ({n} downloaded), {summary}").format(
        total=len(files), word=plan.scene_word, n=len(missing), summary=result["summary"]
    )
    return result


def add_parsers(sub: Any) -> None:
    """``region``."""
    from cli.imagery import BOUNDS_LIKE, add_periods_option, add_recipe_options

    p = sub.add_parser("region", help=_("a region end to end as one job: download, scan, store, match"))
    p._negative_number_matcher = BOUNDS_LIKE  # "-44.2,-20.2,-43.9,-20.0" is a value, not an option
    p.add_argument("region", help=_("'west,south,east,north' in degrees, or a CSV or GeoJSON file of regions"))
    p.add_argument("--side-m", type=float, help=_("square side in metres for CSV rows given as centre + label"))
    add_recipe_options(p)
    add_periods_option(p)
    p.add_argument("--folder", help=_("where the region's tiles are kept (default <data>/scenes/earth_engine)"))
    p.add_argument(
        "--model", default=settings.DEFAULT_DISCOVERY_MODEL, help=_("discovery model (pinned to its version)")
    )
    p.add_argument(
        "--impact-model",
        default=AUTO_IMPACT,
        help=_("impact model, 'none', or 'auto' (the default one when it fits the discovery model)"),
    )
    add_cluster_options(p)
    add_radius_options(p)
    p.add_argument(
        "--download-only", action="store_true", help=_("a download job: fetch the missing tiles, scan nothing")
    )
    p.add_argument("--by", required=True, help=_("the reviewer or supervisor starting it"))
    p.add_argument("--wait", action="store_true", help=_("run it in this process instead of the background"))
    add_store_option(p)
    p.set_defaults(func=cmd_region)
