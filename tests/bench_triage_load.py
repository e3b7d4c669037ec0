"""Load benchmark of the triage page: a store with 100,000 candidate sites and 1,000 decisions.

Run: ``./run python -m tests.bench_triage_load [--sites 100000] [--decisions 1000]`` (prints the numbers; no
assertion on time). Times are server-side script runs of the page in Streamlit's AppTest, the work behind each
click: the first load, a filter change, selecting another site, and a decision.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from core.access.users import Identity
from core.imagery.periods import parse_period
from core.register import RegisterEntry, RegisterImport
from core.register.matching import MatchSettings
from db.connection import connect
from db.places import build_places
from db.registers import insert_register
from db.scans import start_scan
from db.sites import site_points
from db.workflows import rematch

REVIEWER = Identity("ana", "reviewer", "Ana", "password")


def fill_store(
    path: Path, n_sites: int, n_decisions: int, n_dams: int = 1_000, seed: int = 0, periods: int = 3
) -> list[int]:
    """A store with ``n_sites`` sites over Minas Gerais and Pará seen over ``periods`` yearly scans (2023 on: most
    places in every period, growing; a tenth new in the latest, a tenth gone after the first), ``n_dams`` register
    dams, ``n_decisions`` reviews; the places built from them (the time it takes is printed)."""
    rng = np.random.default_rng(seed)
    n_dams = min(n_dams, n_sites // 7)  # each dam sits 300 m from every 7th site
    n_decisions = min(n_decisions, n_sites)
    con = connect(path)
    # A tenth of the places are new in the latest period and a tenth gone after the first: 0.8 P + 0.2 sightings each.
    n_loc = int(np.ceil(n_sites / (0.8 * periods + 0.2))) if periods > 1 else n_sites
    base_lon = rng.uniform(-56.0, -42.0, n_loc)
    base_lat = rng.uniform(-22.0, -2.0, n_loc)
    base_area = rng.uniform(0.07, 3.0, n_loc)
    frames, left = [], n_sites
    for j in range(periods):
        scan_id = start_scan(
            con, scene_id=f"load_{2023 + j}", scene_path=f"/nonexistent/load_{2023 + j}.tif", scene_crs="EPSG:4326",
            bounds_lonlat=(-56.0, -22.0, -42.0, -2.0), synthetic=True, discovery=("load", "1"), impact=("imp", "1"),
            params={}, tiles_total=1, period=parse_period(str(2023 + j)), period_source="typed",
        )  # fmt: skip
        k = np.arange(n_loc)
        seen = ~(((k % 10) == 0) & (j < periods - 1)) & ~(((k % 10) == 1) & (j > 0)) if periods > 1 else k >= 0
        idx = k[seen][:left]
        left -= len(idx)
        grow = 1.0 + 0.15 * j
        lon = base_lon[idx] + rng.normal(0, 0.0002, len(idx))
        lat = base_lat[idx] + rng.normal(0, 0.0002, len(idx))
        d = 0.0012 * np.sqrt(grow)
        outlines = [
            f"POLYGON (({x - d} {y - d}, {x + d} {y - d}, {x + d} {y + d}, {x - d} {y + d}, {x - d} {y - d}))"
            for x, y in zip(lon, lat, strict=True)
        ]
        frames.append(pd.DataFrame(
            {
                "scan_id": scan_id, "scene_id": f"load_{2023 + j}", "discovery_model": "load", "discovery_version": "1",
                "impact_model": "imp", "impact_version": "1", "lon": lon, "lat": lat,
                "area_km2": base_area[idx] * grow, "p_max": rng.uniform(0.6, 1.0, len(idx)),
                "p_mean": rng.uniform(0.6, 0.9, len(idx)), "cell_count": rng.integers(1, 40, len(idx)),
                "impact_class": rng.choice(["high_impact", "low_impact"], len(idx)), "impact_probs_json": None,
                "outline_wkt": outlines,
            }
        ))  # fmt: skip
        con.execute("UPDATE scan SET status = 'finished' WHERE id = ?", [scan_id])
    frame = pd.concat(frames, ignore_index=True)
    lon, lat = frame["lon"].to_numpy(), frame["lat"].to_numpy()
    n_dams = min(n_dams, len(frame) // 7)
    con.register("new_sites", frame)
    con.execute(
        """INSERT INTO site (scan_id, scene_id, discovery_model, discovery_version, impact_model, impact_version,
               lon, lat, area_km2, p_max, p_mean, cell_count, impact_class, impact_probs_json, outline_wkt)
           SELECT * FROM new_sites"""
    )
    build = build_places(con)
    print(
        f"places built: {build.places:,} places from {build.sites:,} sites over {len(build.periods)} periods in "
        f"{build.seconds:.1f} s"
    )
    con.execute("INSERT INTO double_review (site_id) SELECT id FROM site WHERE hash(id) % 1000 < 100")
    dams = tuple(
        RegisterEntry(
            kind="dam",
            register_id=str(k), name=f"Barragem {k}", owner="Mineradora", state=str(rng.choice(["MG", "PA"])),
            municipality="X", main_ore="Ferro", height_m=30.0, volume_m3=1e6, construction_method=None,
            risk_category="Baixa", potential_damage="Alta", emergency_level=None, lon=float(lon[k * 7] + 0.003),
            lat=float(lat[k * 7]), geometry_wkt=None, raw={}, flags=(), source_line=k + 2,
        )
        for k in range(n_dams)
    )  # fmt: skip
    insert_register(con, RegisterImport("load.csv", "sigbm_detailed_csv", None, dams, (), n_dams), "dam")
    rematch(con, MatchSettings())
    ids = site_points(con)["id"].tolist()
    reviews = pd.DataFrame(
        {
            "site_id": rng.choice(ids, n_decisions, replace=False),
            "reviewer": rng.choice(["bia", "caio", "dora"], n_decisions),
            "decision": rng.choice(["confirmed", "rejected", "unsure"], n_decisions),
            "role": "reviewer",
            "kind": "decision",
        }
    )
    con.register("new_reviews", reviews)
    con.execute(
        "INSERT INTO review (site_id, reviewer, decision, role, kind) SELECT site_id, reviewer, decision, role, kind "
        "FROM new_reviews"
    )
    con.close()
    return ids


def _timed(step: Callable[[], object]) -> float:
    started = time.perf_counter()
    step()
    return (time.perf_counter() - started) * 1000


def measure(n_sites: int, n_decisions: int, repeats: int = 3) -> dict[str, list[float]]:
    """Milliseconds per page action, ``repeats`` times each."""
    from streamlit.testing.v1 import AppTest

    from core.settings import ROOT
    from ui.state import IDENTITY

    home = Path(tempfile.mkdtemp(prefix="minescan_load_"))
    os.environ["MINESCAN_DATA"] = str(home / "data")
    os.environ["MINESCAN_DB"] = str(home / "store.duckdb")
    started = time.perf_counter()
    fill_store(home / "store.duckdb", n_sites, n_decisions)
    seconds = time.perf_counter() - started
    print(f"store filled: {n_sites:,} sites, {min(n_decisions, n_sites):,} decisions in {seconds:.1f} s")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state[IDENTITY] = REVIEWER
    at.switch_page("app_pages/triage.py")
    times: dict[str, list[float]] = {"first load": [], "filter": [], "select": [], "decide": []}
    times["first load"].append(_timed(at.run))
    assert not at.exception, at.exception
    for k in range(repeats):
        status = next(m for m in at.multiselect if m.label == "Register status")
        times["filter"].append(_timed(status.set_value(["unregistered"] if k % 2 == 0 else []).run))
        site_box = next(s for s in at.selectbox if s.label == "Site")
        other = int(site_box.options[k + 1].split(" · site ")[1].split(" ·")[0])
        times["select"].append(_timed(site_box.set_value(other).run))
        button = next(b for b in at.button if b.label == "Confirmed")
        times["decide"].append(_timed(button.click().run))
        assert not at.exception, at.exception
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    times = measure(args.sites, args.decisions, args.repeats)
    for action, values in times.items():
        print(
            f"{action:>10}: median {statistics.median(values):7.0f} ms  (runs: {', '.join(f'{v:.0f}' for v in values)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
