"""Queue order and filters as the store runs them: unregistered and high impact first, then probability and area;
decided last; paging; the density of the whole queue."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from core.access.users import Identity
from core.review.queue import QueueFilter, next_site
from core.scan.sites import Site
from db.connection import connect
from db.queue import queue_density, queue_page
from db.scans import start_scan
from db.sites import insert_sites, site_points
from db.workflows import decide

#: site -> (register status, impact, P(mine), area); site 6 is decided.
SITES = {
    1: ("registered", "high_impact", 0.99, 1.0),
    2: ("unregistered", "low_impact", 0.95, 0.5),
    3: ("unregistered", "high_impact", 0.70, 0.2),
    4: ("unregistered", "high_impact", 0.90, 0.1),
    5: ("possibly_off_target", None, 0.99, 3.0),
    6: ("unregistered", "high_impact", 0.99, 9.0),
    7: ("unregistered", "high_impact", 0.90, 0.4),
}


@pytest.fixture()
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path / "store.duckdb")
    scan_id = start_scan(
        con, scene_id="s", scene_path="s.tif", scene_crs="EPSG:4326", bounds_lonlat=(-44, -21, -43, -20),
        synthetic=True, discovery=("m", "1"), impact=("i", "1"), params={}, tiles_total=1,
    )  # fmt: skip
    sites = [
        Site(lon=-44 + k * 0.01, lat=-20.5, outline_wkt="POINT (0 0)", area_km2=area, p_max=p, p_mean=0.7,
             cell_count=1, cells=((0, k),), impact_class=impact, scene_id="s", discovery_model="m",
             discovery_version="1", impact_model="i", impact_version="1")
        for k, (_, impact, p, area) in SITES.items()
    ]  # fmt: skip
    insert_sites(con, scan_id, sites)
    ids = site_points(con)["id"].tolist()
    assert ids == list(SITES)
    for site_id, (status, *_rest) in SITES.items():
        con.execute(
            "INSERT INTO site_match (site_id, status, radius_m, off_target_radius_m) VALUES (?, ?, 1000, 3000)",
            [site_id, status],
        )
    decide(con, Identity("bia", "reviewer", "", "password"), 6, "confirmed")
    return con


def _ids(con: duckdb.DuckDBPyConnection, queue: QueueFilter = QueueFilter(), **kw: int) -> list[int]:  # noqa: B008
    rows, _ = queue_page(con, "ana", queue, limit=kw.get("limit", 100), offset=kw.get("offset", 0))
    return rows["site_id"].tolist()


def test_rank_order(con: duckdb.DuckDBPyConnection) -> None:
    rows, total = queue_page(con, "ana", QueueFilter(), limit=100)
    assert rows["site_id"].tolist() == [7, 4, 3, 2, 5, 1, 6] and total == 7
    assert rows["rank"].tolist() == [1, 2, 3, 4, 5, 6, 7]


def test_least_certain_first_puts_p_mine_nearest_the_threshold_first(con: duckdb.DuckDBPyConnection) -> None:
    # |P(mine) - 0.6|: site 3 0.10; 4 and 7 0.30 (then by risk: 7 is larger); 2 0.35; 5 and 1 0.39; decided 6 last.
    assert _ids(con, QueueFilter(order="uncertain")) == [3, 7, 4, 2, 5, 1, 6]
    # The threshold is the scan's own: at 0.95 site 2 (0.95) is the least certain, then 1, 5 and 6's 0.99.
    con.execute("""UPDATE scan SET params_json = '{"threshold": 0.95}'""")
    assert _ids(con, QueueFilter(order="uncertain"))[:3] == [2, 5, 1]
    with pytest.raises(ValueError, match="queue order must be one of"):
        QueueFilter(order="random")


def test_filters_and_paging(con: duckdb.DuckDBPyConnection) -> None:
    assert _ids(con, QueueFilter(decided=False)) == [7, 4, 3, 2, 5, 1]
    assert _ids(con, QueueFilter(decided=True)) == [6]
    assert _ids(con, QueueFilter(statuses=("registered", "possibly_off_target"))) == [5, 1]
    assert _ids(con, QueueFilter(impacts=("not rated",))) == [5]
    assert _ids(con, QueueFilter(scan_id=99)) == []
    assert _ids(con, limit=3) == [7, 4, 3] and _ids(con, limit=3, offset=3) == [2, 5, 1]
    rows, total = queue_page(con, "ana", QueueFilter(), limit=3, offset=6)
    assert rows["rank"].tolist() == [7] and total == 7
    empty, none = queue_page(con, "ana", QueueFilter(scan_id=99), limit=3)
    assert empty.empty and none == 0 and "site_id" in empty.columns
    density = queue_density(con, "ana", QueueFilter(), cell_deg=1.0)
    assert int(density["sites"].sum()) == 7 and int(density["undecided"].sum()) == 6


def test_next_site_skips_decided_and_current(con: duckdb.DuckDBPyConnection) -> None:
    ranked, _ = queue_page(con, "ana", QueueFilter(), limit=100)
    assert next_site(ranked, None) == 7
    assert next_site(ranked, 7) == 4
    assert next_site(ranked.assign(decision="rejected"), None) is None


def test_the_load_benchmark_runs_the_page_on_a_paged_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    """The benchmark's page flows (first load, filter, select, decide) on 450 sites: more than one page."""
    import streamlit as st

    from tests.bench_triage_load import measure

    st.cache_resource.clear()
    st.cache_data.clear()
    for key in ("MINESCAN_DATA", "MINESCAN_DB"):
        monkeypatch.setenv(key, "")  # measure() sets its own; monkeypatch restores the originals
    times = measure(450, 20, repeats=2)
    assert set(times) == {"first load", "filter", "select", "decide"}
    assert all(len(v) >= 1 and all(ms > 0 for ms in v) for v in times.values())
    con = connect(os.environ["MINESCAN_DB"])
    decided_by_ana = con.execute("SELECT count(*) FROM review WHERE reviewer = 'ana'").fetchone()[0]
    con.close()
    assert decided_by_ana == 2  # one decision per repeat reached the store
