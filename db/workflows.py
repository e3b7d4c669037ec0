"""Use cases that touch the store: scan a scene into it, import a register, redo the matching."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from core.errors import MineScanError
from core.geo import to_wgs84
from core.grid import plan_tiles
from core.matching import MatchSettings, PointLayer, PolygonLayer, match_sites
from core.raster import SceneInfo, open_scene
from core.register import RegisterImport, read_layer, read_register
from core.scan import Progress, ScanModel, ScanResult, ScanSettings, check_scene_for_scan, scan_scene
from core.synthetic import DemoPaths, make_demo_scene
from db import repository


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


def scan_into_store(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    discovery: ScanModel,
    impact: ScanModel | None,
    settings: ScanSettings,
    match_settings: MatchSettings,
    progress: Progress | None = None,
) -> StoredScan:
    """Scan ``path``, store the scan and its sites, and redo the register matching.

    A scene that cannot be read is refused before anything is stored; a scan that fails half way is kept as
    'failed' with its reason and no sites.
    """
    info = open_scene(path, discovery.card.bands)
    check_scene_for_scan(info)  # refuse bad input before anything is stored
    scan_id = repository.start_scan(
        con,
        scene_id=info.scene_id,
        scene_path=str(path),
        scene_crs=info.crs.to_string(),
        bounds_lonlat=bounds_lonlat(info),
        synthetic=info.synthetic,
        discovery=(discovery.card.name, discovery.card.version),
        impact=(impact.card.name, impact.card.version) if impact else None,
        params={
            "threshold": settings.threshold,
            "cells_per_tile": settings.cells_per_tile,
            "impact_offset_px": settings.impact_offset_px,
            "max_window_nodata": settings.max_window_nodata,
        },
        tiles_total=len(plan_tiles(info.height, info.width, settings.cells_per_tile)),
    )

    def report(done: int, total: int) -> None:
        repository.update_scan_progress(con, scan_id, done)
        if progress is not None:
            progress(done, total)

    try:
        result = scan_scene(path, discovery, impact, settings, progress=report)
    except MineScanError as err:
        repository.fail_scan(con, scan_id, f"{err.title}. {err}")
        raise
    new = repository.insert_sites(con, scan_id, result.sites)
    repository.finish_scan(
        con, scan_id, valid_area_km2=result.valid_area_km2, sites_found=len(result.sites), sites_new=new
    )
    rematch(con, match_settings)
    return StoredScan(scan_id=scan_id, result=result, new_sites=new)


def import_register(
    con: duckdb.DuckDBPyConnection, path: Path, kind: str, match_settings: MatchSettings
) -> tuple[int, RegisterImport]:
    """Read a register or layer file, store it as a snapshot (all or nothing) and redo the matching."""
    if kind not in ("dam", "mine", "reference"):
        raise ValueError(f"kind must be dam, mine or reference; got {kind!r}")
    suffix = Path(path).suffix.lower()
    if kind == "dam" and suffix in (".xlsx", ".csv", ".tsv", ".txt"):
        imported = read_register(Path(path))
    else:
        imported = read_layer(Path(path), kind)
    snapshot_id = repository.insert_register(con, imported, kind)
    rematch(con, match_settings)
    return snapshot_id, imported


def rematch(con: duckdb.DuckDBPyConnection, settings: MatchSettings) -> int:
    """Compare every stored site with the current register; return the number of sites matched."""
    sites = repository.site_points(con)
    register = repository.current_register(con)
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
    repository.replace_matches(con, sites["id"].tolist(), matches, settings)
    return len(matches)


def set_up_demo(
    con: duckdb.DuckDBPyConnection,
    demo_root: Path,
    discovery: ScanModel,
    impact: ScanModel | None,
    progress: Progress | None = None,
) -> StoredScan:
    """One click for a new user: make the synthetic demo scene if missing, import its register once, scan it."""
    paths = DemoPaths.under(demo_root)
    if not paths.truth.is_file():
        make_demo_scene(demo_root)
    known = repository.snapshots(con)
    if not (known["source_file"] == paths.register.name).any():
        import_register(con, paths.register, "dam", MatchSettings())
    return scan_into_store(con, paths.scene, discovery, impact, ScanSettings(), MatchSettings(), progress)
