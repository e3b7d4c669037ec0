"""Use cases that touch the store: scan a scene into it, import a register, redo the matching."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import numpy as np

from core import settings as app_settings
from core.access.users import Identity, require
from core.errors import MineScanError, StoreKindError
from core.imagery.geo import to_wgs84
from core.imagery.periods import Period, period_of_scene, scan_period
from core.imagery.pictures import picture_in_background
from core.imagery.raster import SceneInfo, open_scene
from core.jobs.states import JobCancelled
from core.register import RegisterImport, read_layer, read_register
from core.register.matching import MatchSettings, PointLayer, PolygonLayer, match_sites
from core.scan.grid import plan_tiles
from core.scan.pipeline import (
    Progress,
    ScanModel,
    ScanResult,
    ScanSettings,
    TileEngine,
    check_scene_for_scan,
    scan_scene,
)
from core.scan.tiles import TileOutput
from core.settings import DEMO_REGISTER_FILE
from core.wording.translate import N_, _
from db.connection import StoreError, transaction
from db.registers import current_register, insert_register, replace_matches
from db.reviews import add_review
from db.scan_resume import check_resumable, scan_params
from db.scans import fail_scan, finish_scan, save_tile, saved_tiles, scan_record, set_scan_runner, start_scan
from db.sites import insert_sites, site_points
from db.store import Store
from db.store_kind import mark_store, store_kind

T = TypeVar("T")


@dataclass(frozen=True)
class StoredScan:
    """A scan as stored: its id, the result, and how many of its sites were new to the store."""

    scan_id: int
    result: ScanResult
    new_sites: int


def bounds_lonlat(info: SceneInfo) -> tuple[float, float, float, float]:
    """West, south, east, north of a scene in degrees (from its four corners)."""
    t = info.transform
    xs = np.array([t.c, t.c + t.a * info.width, t.c, t.c + t.a * info.width])
    ys = np.array([t.f, t.f, t.f + t.e * info.height, t.f + t.e * info.height])
    lon, lat = to_wgs84(info.crs.to_wkt(), xs, ys)
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


#: Where a workflow writes: a :class:`Store` (short-lived connections; the app and the CLI) or an open
#: connection (one process that holds the file, e.g. tests and the demo set-up).
Target = Store | duckdb.DuckDBPyConnection


def write(target: Target, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    """Run ``work`` in one transaction on ``target``."""
    if isinstance(target, Store):
        return target.write(work)
    with transaction(target):
        return work(target)


def runner_id() -> str:
    """``host:pid`` of this process, recorded on the scans it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def resume_scan(
    target: Target,
    scan_id: int,
    load_model: Callable[[str], ScanModel],
    match_settings: MatchSettings,
    progress: Progress | None = None,
) -> StoredScan:
    """Resume an interrupted scan with its own scene, models (loaded by name) and settings."""
    record = read(target, lambda con: scan_record(con, scan_id))
    params = json.loads(record["params_json"])
    settings = ScanSettings(**{k: params[k] for k in scan_params(ScanSettings()) if k in params})
    impact = load_model(str(record["impact_model"])) if record["impact_model"] else None
    return scan_into_store(
        target,
        Path(str(record["scene_path"])),
        load_model(str(record["discovery_model"])),
        impact,
        settings,
        match_settings,
        progress,
        resume=scan_id,
    )


DEMO_STORE_HINT = N_(
    "The demo has a store of its own: start it with './run app', and real work with './run work' (or point "
    "MINESCAN_DB at your working store)."
)


def _claim_for_work(con: duckdb.DuckDBPyConnection, what: str) -> None:
    """Refuse real work in the demo store; mark an empty store as a working store."""
    if store_kind(con) == "demo":
        message = _(
            "this is the demo store (synthetic data only): {what} would be matched and counted with the synthetic "
            "demo sites. {hint}"
        )
        raise StoreKindError(message.format(what=what, hint=_(DEMO_STORE_HINT)))
    mark_store(con, "work")


def claim_for_demo(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse the demo in a working store; mark an empty store as the demo store."""
    if store_kind(con) == "work":
        message = _("this store holds real work: the synthetic demo would be matched and counted with it. {hint}")
        raise StoreKindError(message.format(hint=_(DEMO_STORE_HINT)))
    mark_store(con, "demo")


def scan_into_store(
    target: Target,
    path: Path,
    discovery: ScanModel,
    impact: ScanModel | None,
    settings: ScanSettings,
    match_settings: MatchSettings,
    progress: Progress | None = None,
    *,
    resume: int | None = None,
    engine: TileEngine | None = None,
    on_scan: Callable[[int], None] | None = None,
    period: Period | None = None,
) -> StoredScan:
    """Scan ``path``, store the scan and its sites, and redo the register matching.

    Each finished tile is checkpointed in its own short transaction, so a scan killed half way can be resumed
    (``resume`` = its id) without computing those tiles again. The sites, the scan's totals and the new matching
    are written in one transaction at the end: a store never holds half a scan's sites. A scene that cannot be
    read is refused before anything is stored; a scan that fails half way is kept as 'failed' with its reason.

    The scan records the scene's acquisition period: the imagery recipe's dates or the file's tags, else
    ``period`` (what the user typed for a local file), else none (undated). The places are rebuilt with the sites.
    """
    path = Path(path)
    info = open_scene(path, discovery.card.bands)
    check_scene_for_scan(info, settings)  # refuse bad input before anything is stored
    provenance = info.provenance
    seen, seen_from = scan_period(period_of_scene(info.tags, provenance.start, provenance.end), period)
    if info.synthetic and _demo_scene(path):
        write(target, claim_for_demo)
    else:
        write(target, lambda con: _claim_for_work(con, _("a scan of {file}").format(file=path.name)))
    done: dict[int, TileOutput] = {}
    if resume is not None:
        record = read(target, lambda con: scan_record(con, resume))
        check_resumable(record, info, discovery, impact, settings)
        done = read(target, lambda con: saved_tiles(con, resume))
        scan_id = resume
        write(target, lambda con: set_scan_runner(con, scan_id, runner_id()))
    else:
        scan_id = write(
            target,
            lambda con: start_scan(
                con,
                scene_id=info.scene_id,
                scene_path=str(path),
                scene_crs=info.crs.to_string(),
                bounds_lonlat=bounds_lonlat(info),
                synthetic=info.synthetic,
                discovery=(discovery.card.name, discovery.card.version),
                impact=(impact.card.name, impact.card.version) if impact else None,
                params=scan_params(settings),
                tiles_total=len(plan_tiles(info.height, info.width, settings.cells_per_tile)),
                runner=runner_id(),
                imagery_json=info.provenance.to_json(),
                period=seen,
                period_source=seen_from,
            ),
        )

    if on_scan is not None:
        on_scan(scan_id)

    def checkpoint(tile: TileOutput) -> None:
        write(target, lambda con: save_tile(con, scan_id, tile))

    try:
        result = scan_scene(
            path, discovery, impact, settings, progress=progress, done=done, on_tile=checkpoint, engine=engine
        )
    except MineScanError as err:
        reason = f"{_(err.title)}. {err}"  # the message is in the language current where it was raised
        write(target, lambda con: fail_scan(con, scan_id, reason))
        raise
    except JobCancelled:
        write(target, lambda con: fail_scan(con, scan_id, "cancelled on request: no sites were stored"))
        raise

    share = app_settings.double_review_share()

    def finish(con: duckdb.DuckDBPyConnection) -> int:
        new = insert_sites(con, scan_id, result.sites, double_review_share=share)
        finish_scan(con, scan_id, valid_area_km2=result.valid_area_km2, sites_found=len(result.sites), sites_new=new)
        rematch(con, match_settings)
        return new

    new = write(target, finish)
    # The map's picture, made once per scene; in the background, so the scan's result is not held up by it.
    picture_in_background(path, app_settings.pictures_dir())
    return StoredScan(scan_id=scan_id, result=result, new_sites=new)


def _demo_scene(path: Path) -> bool:
    """Whether ``path`` is one of the demo's own scenes (the demo store scans nothing else)."""
    names = (app_settings.DEMO_SCENE_FILE, app_settings.DEMO_LATER_SCENE_FILE)
    return path.name in names and (path.parent / app_settings.DEMO_REGISTER_FILE).is_file()


def read(target: Target, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    return target.read(work) if isinstance(target, Store) else work(target)


def import_register(target: Target, path: Path, kind: str, match_settings: MatchSettings) -> tuple[int, RegisterImport]:
    """Read a register or layer file, then store it as a snapshot and redo the matching in one transaction.

    The file is read completely before the store is touched: a file that fails to read changes nothing.
    """
    if kind not in ("dam", "mine", "reference"):
        raise ValueError(_("kind must be dam, mine or reference; got {kind!r}").format(kind=kind))
    suffix = Path(path).suffix.lower()
    if kind == "dam" and suffix in (".xlsx", ".csv", ".tsv", ".txt"):
        imported = read_register(Path(path))
    else:
        imported = read_layer(Path(path), kind)

    def store_it(con: duckdb.DuckDBPyConnection) -> int:
        if Path(path).name == DEMO_REGISTER_FILE:
            claim_for_demo(con)  # the synthetic demo's own register
        else:
            _claim_for_work(con, _("the register {file}").format(file=Path(path).name))
        snapshot_id = insert_register(con, imported, kind)
        rematch(con, match_settings)
        return snapshot_id

    return write(target, store_it), imported


def decide(
    target: Target,
    identity: Identity | None,
    site_id: int,
    decision: str,
    reason: str | None = None,
    note: str | None = None,
    seconds_spent: float | None = None,
) -> int:
    """Record a decision by the signed-in ``identity`` (checked: the role must allow deciding); return its id.

    Raises:
        PermissionDenied: not signed in, or a manager.
        StoreError: unknown site, decision or reason.
    """
    who = require(identity, "decide")
    return write(
        target,
        lambda con: add_review(con, site_id, who.username, decision, reason, note, seconds_spent, role=who.role),
    )


def override(
    target: Target,
    identity: Identity | None,
    site_id: int,
    decision: str,
    note: str,
    reason: str | None = None,
) -> int:
    """A supervisor's final decision on a site (signs off a disagreement or corrects a decision), with a note.

    Raises:
        PermissionDenied: not a supervisor.
        StoreError: no note, or an unknown site, decision or reason.
    """
    who = require(identity, "supervise")
    if not note or not note.strip():
        raise StoreError(_("an override needs a note saying why"))
    return write(
        target,
        lambda con: add_review(
            con, site_id, who.username, decision, reason, note.strip(), role=who.role, kind="override"
        ),
    )


def rematch(con: duckdb.DuckDBPyConnection, settings: MatchSettings) -> int:
    """Compare every stored site with the current register; return the number of sites matched."""
    sites = site_points(con)
    register = current_register(con)
    has_point = register["lon"].notna() & register["lat"].notna()
    wkt = register["geometry_wkt"].fillna("")
    has_polygon = wkt.str.startswith(("POLYGON", "MULTIPOLYGON"))

    def points(kind: str) -> PointLayer:
        sel = register[(register["kind"] == kind) & has_point]
        return PointLayer(sel["id"].to_numpy(np.int64), sel["lon"].to_numpy(float), sel["lat"].to_numpy(float))

    def polygons(kind: str) -> PolygonLayer:
        sel = register[(register["kind"] == kind) & has_polygon]
        return PolygonLayer(sel["id"].to_numpy(np.int64), sel["geometry_wkt"].tolist())

    matches = match_sites(
        sites["lon"].to_numpy(float),
        sites["lat"].to_numpy(float),
        points("dam"),
        points("mine"),
        polygons("mine"),
        polygons("reference"),
        settings,
    )
    replace_matches(con, sites["id"].tolist(), matches, settings)
    return len(matches)
