"""Places over time, computed in the store: the same place across dates, first and last seen, growth, the
persistence rule (seen in two periods within two years; the latest period provisional), stable identity."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from db.connection import connect
from db.places import build_places
from tests.store.places_data import E1, LAT0, STORY, A, B, C, D, F, G, add_scan, site


def _store(path: Path, order: list[str]) -> duckdb.DuckDBPyConnection:
    con = connect(path)
    for period in order:
        add_scan(con, period, STORY[period])
    return con


def _place_at(con: duckdb.DuckDBPyConnection, lon: float) -> pd.Series:
    places = con.execute("SELECT * FROM place ORDER BY place_id").df()
    near = places[(places["lon"] - lon).abs() < 0.004]
    assert len(near) == 1, f"expected one place near {lon}, got {near}"
    return near.iloc[0]


def _areas(con: duckdb.DuckDBPyConnection, place_id: str) -> dict[str, float]:
    rows = con.execute(
        "SELECT period_label, area_km2 FROM place_period WHERE place_id = ? ORDER BY period_start", [place_id]
    ).fetchall()
    return {str(k): round(float(v), 4) for k, v in rows}


@pytest.fixture()
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return _store(tmp_path / "store.duckdb", ["2023", "2024", "2025"])


def test_a_place_seen_every_year_has_its_area_per_period_growth_and_is_confirmed(
    con: duckdb.DuckDBPyConnection,
) -> None:
    a = _place_at(con, A)
    assert _areas(con, a["place_id"]) == {"2023": 0.09, "2024": 0.1225, "2025": 0.25}
    assert (a["first_period"], a["last_period"], a["periods"], a["sites"]) == ("2023", "2025", 3, 3)
    assert a["persistence"] == "confirmed" and not a["new_in_latest"] and not a["gone"]
    assert a["growth_km2"] == pytest.approx(0.25 - 0.1225)
    assert a["growth_pct"] == pytest.approx(100 * (0.25 - 0.1225) / 0.1225)
    assert a["place_id"].startswith("P2023-")


def test_new_gone_and_the_persistence_rule(con: duckdb.DuckDBPyConnection) -> None:
    b, c, d = _place_at(con, B), _place_at(con, C), _place_at(con, D)
    # B first seen in the latest period: new, and provisional (nothing later can confirm it yet).
    assert (b["first_period"], b["persistence"], bool(b["new_in_latest"])) == ("2025", "provisional", True)
    # C seen in 2023 only, with 2024 and 2025 imagery of its place: gone, never confirmed.
    assert (c["last_period"], c["persistence"], bool(c["gone"])) == ("2023", "not_confirmed", True)
    # D seen in 2023 and 2025: two periods within two years, confirmed and dated to 2023.
    assert (d["first_period"], d["persistence"], d["periods"]) == ("2023", "confirmed", 2)


def test_outlines_that_overlap_or_lie_within_one_cell_are_one_place(con: duckdb.DuckDBPyConnection) -> None:
    e = _place_at(con, E1)  # two 2023 pits that one 2024 outline spans: one place of three sites
    assert e["sites"] == 3 and _areas(con, e["place_id"]) == {"2023": 0.08, "2024": 0.64}
    f = _place_at(con, F)  # 200 m apart across periods (within one 270 m cell): one place
    assert (f["first_period"], f["last_period"]) == ("2024", "2025")
    g = con.execute("SELECT count(*) FROM place WHERE abs(lon - ?) < 0.01", [G]).fetchone()
    assert g == (2,)  # 400 m apart: two places
    assert con.execute("SELECT count(*) FROM place").fetchone() == (8,)
    assert con.execute("SELECT count(*) FROM place_site").fetchone() == (14,)


def test_identity_is_the_same_whatever_order_the_periods_arrive_in(tmp_path: Path) -> None:
    def places(order: list[str]) -> pd.DataFrame:
        con = _store(tmp_path / f"{'-'.join(order)}.duckdb", order)
        df = con.execute(
            """SELECT p.place_id, p.first_period, p.last_period, p.persistence, p.growth_km2,
                      list(pp.period_label || '=' || round(pp.area_km2, 5) ORDER BY pp.period_label) AS areas
               FROM place p JOIN place_period pp USING (place_id) GROUP BY ALL ORDER BY p.place_id"""
        ).df()
        con.close()
        return df

    first = places(["2023", "2024", "2025"])
    pd.testing.assert_frame_equal(first, places(["2025", "2023", "2024"]))
    pd.testing.assert_frame_equal(first, places(["2024", "2025", "2023"]))


def test_a_later_scan_joins_the_existing_place_and_keeps_its_id(con: duckdb.DuckDBPyConnection) -> None:
    before = _place_at(con, A)["place_id"]
    add_scan(con, "2025", [site(A, LAT0, 520)], model="m2")  # a second model on 2025: the same place
    a = _place_at(con, A)
    assert a["place_id"] == before and a["sites"] == 4
    assert _areas(con, before)["2025"] == pytest.approx(0.2704, abs=1e-4)  # the scan that saw most


def test_rebuilding_touches_no_decision_and_is_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("INSERT INTO review (site_id, reviewer, decision) VALUES (1, 'ana', 'confirmed')")
    reviews = con.execute("SELECT * FROM review").df()
    first = con.execute("SELECT * FROM place ORDER BY place_id").df()
    build = build_places(con)
    assert (build.sites, build.places, build.periods) == (14, 8, ("2023", "2024", "2025"))
    pd.testing.assert_frame_equal(first, con.execute("SELECT * FROM place ORDER BY place_id").df())
    pd.testing.assert_frame_equal(reviews, con.execute("SELECT * FROM review").df())


def test_undated_scans_make_undated_places(tmp_path: Path) -> None:
    con = connect(tmp_path / "u.duckdb")
    add_scan(con, None, [site(A, LAT0, 300)])
    p = _place_at(con, A)
    assert (p["persistence"], p["periods"], p["first_period"]) == ("undated", 0, None)
    assert p["place_id"].startswith("P-")
