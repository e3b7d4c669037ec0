"""The web app as AppTest drives it, and a filled store to open it on: shared by the page and store tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from affine import Affine
from shapely.geometry import box
from streamlit.testing.v1 import AppTest

from core.access.users import Identity
from core.imagery.bands import S2_12_BANDS
from core.imagery.geo import to_wgs84
from core.register import RegisterEntry, RegisterImport
from core.register.matching import MatchSettings
from core.scan.sites import Site
from core.settings import ROOT
from db.connection import connect
from db.registers import insert_register
from db.scans import start_scan
from db.sites import insert_sites, site_points
from db.workflows import rematch
from tests.fakes import write_tif
from ui.state import IDENTITY


def filled_store(env: Path) -> list[int]:
    """A 12-band scene with three sites stored, a register with one dam next to the first site."""
    data = np.full((12, 600, 600), 900, np.uint16)
    data[:, 200:260, 200:260] = 2600
    scene = write_tif(
        env / "scene.tif", data, descriptions=S2_12_BANDS, transform=Affine(10, 0, 600_000, 0, -10, 7_800_000)
    )
    con = connect(env / "store.duckdb")
    scan_id = start_scan(
        con,
        scene_id="scene",
        scene_path=str(scene),
        scene_crs="EPSG:32723",
        bounds_lonlat=(-44.0, -20.0, -43.9, -19.9),
        synthetic=True,
        discovery=("m", "1"),
        impact=("i", "1"),
        params={},
        tiles_total=1,
    )
    sites = []
    for k, (col, row) in enumerate([(230, 230), (450, 150), (150, 480)]):
        lon, lat = to_wgs84("EPSG:32723", np.array([600_000 + 10 * col]), np.array([7_800_000 - 10 * row]))
        x, y = float(lon[0]), float(lat[0])
        sites.append(
            Site(
                lon=x,
                lat=y,
                outline_wkt=box(x - 0.001, y - 0.001, x + 0.001, y + 0.001).wkt,
                area_km2=0.3 - 0.1 * k,
                p_max=0.95 - 0.1 * k,
                p_mean=0.8,
                cell_count=2,
                cells=((0, 0),),
                impact_class="high_impact",
                scene_id="scene",
                discovery_model="m",
                discovery_version="1",
            )
        )
    insert_sites(con, scan_id, sites)
    dam = RegisterEntry(
        kind="dam",
        register_id="901",
        name="<script>alert(1)</script> Barragem",
        owner="Vale S.A.",
        state="MG",
        municipality="ITABIRITO",
        main_ore="Ferro",
        height_m=40.0,
        volume_m3=1e6,
        construction_method=None,
        risk_category="Baixa",
        potential_damage="Alta",
        emergency_level=None,
        lon=sites[0].lon + 0.002,
        lat=sites[0].lat,
        geometry_wkt=None,
        raw={},
        flags=(),
        source_line=2,
    )
    insert_register(con, RegisterImport("r.csv", "sigbm_detailed_csv", None, (dam,), (), 1), "dam")
    rematch(con, MatchSettings())
    ids = site_points(con)["id"].tolist()
    con.close()
    return ids


SUPERVISOR = Identity("sofia", "supervisor", "Sofia", "password")
REVIEWER = Identity("ana", "reviewer", "Ana", "password")
MANAGER = Identity("mario", "manager", "Mario", "password")


def open_app(page: str, identity: Identity | None = SUPERVISOR) -> AppTest:
    """The app on ``page`` for a signed-in ``identity`` (the session state a verified sign-in leaves)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if identity is not None:
        at.session_state[IDENTITY] = identity
    at.switch_page(page)
    return at.run()
