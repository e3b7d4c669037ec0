"""A small store of dated scans for the place tests: square sites at known spots, three yearly periods."""

from __future__ import annotations

from dataclasses import replace

import duckdb

from core.imagery.periods import parse_period
from core.scan.sites import Site
from db.scans import finish_scan, start_scan
from db.sites import insert_sites

#: Metres per degree (the tests place squares by metres).
M = 1 / 111_320.0
LAT0 = -20.0


def square(lon: float, lat: float, side_m: float) -> str:
    """A WGS84 square of ``side_m`` metres (roughly) centred on lon, lat."""
    h = side_m / 2 * M
    ring = [(lon - h, lat - h), (lon + h, lat - h), (lon + h, lat + h), (lon - h, lat + h), (lon - h, lat - h)]
    return "POLYGON ((" + ", ".join(f"{x} {y}" for x, y in ring) + "))"


def site(lon: float, lat: float, side_m: float, p: float = 0.9, scene: str = "s", model: str = "m") -> Site:
    return Site(
        lon=lon, lat=lat, outline_wkt=square(lon, lat, side_m), area_km2=(side_m / 1000) ** 2, p_max=p, p_mean=p,
        cell_count=1, cells=((0, 0),), impact_class=None, scene_id=scene, discovery_model=model,
        discovery_version="1", impact_model="", impact_version="",
    )  # fmt: skip


def add_scan(
    con: duckdb.DuckDBPyConnection, period: str | None, sites: list[Site], *, model: str = "m", places: bool = True
) -> int:
    """A finished scan of the square -44..-43, -21..-19 seen in ``period`` (None: undated) holding ``sites``."""
    scene = f"scene_{period or 'undated'}_{model}"
    scan_id = start_scan(
        con, scene_id=scene, scene_path=f"{scene}.tif", scene_crs="EPSG:4326", bounds_lonlat=(-44, -21, -43, -19),
        synthetic=True, discovery=(model, "1"), impact=None, params={}, tiles_total=1,
        period=parse_period(period) if period else None, period_source="typed" if period else None,
    )  # fmt: skip
    insert_sites(con, scan_id, [replace(s, scene_id=scene, discovery_model=model) for s in sites], places=places)
    finish_scan(con, scan_id, valid_area_km2=100.0, sites_found=len(sites), sites_new=len(sites))
    return scan_id


#: Spots (lon of the centre; all at LAT0) of the three-period story.
A, B, C, D, E1, E2, F, G = -43.90, -43.80, -43.70, -43.60, -43.50, -43.5 + 600 * M, -43.40, -43.30

#: period -> sites. A grows every year; B is new in 2025; C is seen in 2023 only; D in 2023 and 2025; E1 and E2 are
#: two pits in 2023 that one 2024 outline spans; F in 2024 and, its edge 200 m away (within one cell), 2025; G in 2023
#: and, its edge 400 m away (beyond one cell), 2024.
STORY: dict[str, list[Site]] = {
    "2023": [site(A, LAT0, 300), site(C, LAT0, 250), site(D, LAT0, 300), site(E1, LAT0, 200), site(E2, LAT0, 200),
             site(G, LAT0, 200)],
    "2024": [site(A, LAT0, 350), site(E1 + 300 * M, LAT0, 800), site(F, LAT0, 200), site(G + 600 * M, LAT0, 200)],
    "2025": [site(A, LAT0, 500), site(B, LAT0, 300), site(D, LAT0, 320), site(F + 400 * M, LAT0, 200)],
}  # fmt: skip
