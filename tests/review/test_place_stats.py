"""The dashboard over time on the three-period story (tests/store/places_data.py), with hectares worked out by hand.

Places (area in ha per period; side² of the squares): A 9 / 12.25 / 25 (registered: a dam sits on it, MG), B -/-/9,
C 6.25/-/- (rejected by a reviewer), D 9/-/10.24, E 8 (two pits) / 64 / -, F -/4/4, G1 4/-/-, G2 -/4/-. The nearest
dam of A, B and C is in MG, of D to G in PA; all but A are unregistered (more than 3 km from both dams).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core import wording
from core.register import RegisterEntry, RegisterImport
from core.register.matching import MatchSettings
from db.connection import connect
from db.place_stats import (
    AMW_MIN_DIFF_HA,
    confirmed_unregistered_places,
    mined_by_period,
    new_unregistered_area,
    over_time,
)
from db.registers import insert_register
from db.reviews import add_review
from db.workflows import rematch
from tests.store.places_data import E1, LAT0, STORY, A, B, C, M, add_scan, site


def _dam(register_id: str, lon: float, lat: float, state: str) -> RegisterEntry:
    return RegisterEntry(
        kind="dam", register_id=register_id, name=f"Barragem {register_id}", owner="Mineradora", state=state,
        municipality=None, main_ore="Ferro", height_m=None, volume_m3=None, construction_method=None,
        risk_category=None, potential_damage=None, emergency_level=None, lon=lon, lat=lat, geometry_wkt=None, raw={},
        flags=(), source_line=2,
    )  # fmt: skip


def _site_at(con: duckdb.DuckDBPyConnection, period: str, lon: float) -> int:
    row = con.execute(
        """SELECT s.id FROM site s JOIN scan c ON c.id = s.scan_id
           WHERE c.period_label = ? ORDER BY abs(s.lon - ?) LIMIT 1""",
        [period, lon],
    ).fetchone()
    assert row is not None
    return int(row[0])


def story_store(path: Path, periods: tuple[str, ...] = ("2023", "2024", "2025")) -> duckdb.DuckDBPyConnection:
    """The story's scans, a register of two dams (on A, in MG; 5 km north of F-G, in PA) and decisions: C rejected;
    A rejected on its first site, then confirmed on its last; E confirmed on one of its 2023 pits, B confirmed,
    D unsure (decisions on sites of the periods given only)."""
    con = connect(path)
    for period in periods:
        add_scan(con, period, STORY[period])
    dams = (_dam("1", A, LAT0, "MG"), _dam("2", -43.35, LAT0 + 5000 * M, "PA"))
    insert_register(con, RegisterImport("dams.csv", "sigbm_detailed_csv", None, dams, (), 2), "dam")
    rematch(con, MatchSettings())
    calls = [("2023", C, "rejected", "other"), ("2023", A, "rejected", "other"), ("2025", A, "confirmed", None),
             ("2023", E1, "confirmed", None), ("2024", E1 + 300 * M, "confirmed", None), ("2025", B, "confirmed", None),
             ("2023", -43.60, "unsure", None)]  # fmt: skip
    for period, lon, decision, reason in calls:
        if period in periods:
            add_review(con, _site_at(con, period, lon), "ana", decision, reason=reason)
    return con


@pytest.fixture()
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return story_store(tmp_path / "story.duckdb")


def _table(frame: pd.DataFrame, column: str) -> dict[tuple[str, str], tuple[int, float]]:
    return {(r.period_label, getattr(r, column)): (r.places, round(r.area_ha, 6)) for r in frame.itertuples()}


def test_mined_area_and_places_per_period_by_state_and_by_register_status(con: duckdb.DuckDBPyConnection) -> None:
    by_state = mined_by_period(con, "state")
    assert _table(by_state, "state") == {
        ("2023", "MG"): (1, 9.0), ("2023", "PA"): (3, 21.0),  # C (6.25 ha) rejected: not counted
        ("2024", "MG"): (1, 12.25), ("2024", "PA"): (3, 72.0),
        ("2025", "MG"): (2, 34.0), ("2025", "PA"): (2, 14.24),
    }  # fmt: skip
    by_status = mined_by_period(con, "status")
    assert _table(by_status, "status") == {
        ("2023", "registered"): (1, 9.0), ("2023", "unregistered"): (3, 21.0),
        ("2024", "registered"): (1, 12.25), ("2024", "unregistered"): (3, 72.0),
        ("2025", "registered"): (1, 25.0), ("2025", "unregistered"): (3, 23.24),
    }  # fmt: skip
    confirmed = mined_by_period(con, "state", confirmed_only=True)  # A, B and E
    assert _table(confirmed, "state") == {
        ("2023", "MG"): (1, 9.0), ("2023", "PA"): (1, 8.0), ("2024", "MG"): (1, 12.25), ("2024", "PA"): (1, 64.0),
        ("2025", "MG"): (2, 34.0),
    }  # fmt: skip
    assert by_state["period_label"].tolist() == ["2023", "2023", "2024", "2024", "2025", "2025"]
    with pytest.raises(ValueError, match="state, status; got 'impact'"):
        mined_by_period(con, "impact")


def test_a_place_without_a_registered_dam_has_an_unknown_state(tmp_path: Path) -> None:
    con = connect(tmp_path / "bare.duckdb")
    add_scan(con, "2024", [site(A, LAT0, 300)])
    mined = mined_by_period(con, "state")
    assert mined[["state", "places"]].values.tolist() == [["unknown", 1]]
    assert mined_by_period(con, "status")["status"].tolist() == ["not matched"]
    assert wording.state("unknown") == wording.UNKNOWN_STATE


def test_new_unregistered_area_is_first_seen_area_plus_growth(con: duckdb.DuckDBPyConnection) -> None:
    new = new_unregistered_area(con).set_index("period_label")
    # 2023: D 9 + E 8 + G1 4 (the baseline; C rejected, A registered). 2024: F 4 + G2 4 new, E grew 8 -> 64.
    # 2025: B 9 new, D grew 9 -> 10.24 (since it was last seen, in 2023); F stayed at 4 (no growth).
    assert new["new_ha"].round(6).to_dict() == {"2023": 21.0, "2024": 8.0, "2025": 9.0}
    assert new["growth_ha"].round(6).to_dict() == {"2023": 0.0, "2024": 56.0, "2025": 1.24}
    assert new["total_ha"].round(6).to_dict() == {"2023": 21.0, "2024": 64.0, "2025": 10.24}
    assert new["new_places"].to_dict() == {"2023": 3, "2024": 2, "2025": 1}
    assert new["grown_places"].to_dict() == {"2023": 0, "2024": 1, "2025": 1}
    assert new["baseline"].to_dict() == {"2023": True, "2024": False, "2025": False}


def test_the_amazon_mining_watch_option_drops_differences_of_11_ha_or_less(con: duckdb.DuckDBPyConnection) -> None:
    assert AMW_MIN_DIFF_HA == 11.0
    amw = new_unregistered_area(con, min_diff_ha=AMW_MIN_DIFF_HA).set_index("period_label")
    # Only E's growth (56 ha) is above 11 ha; every new place (4 to 9 ha) and D's 1.24 ha are dropped.
    assert amw["total_ha"].round(6).to_dict() == {"2023": 0.0, "2024": 56.0, "2025": 0.0}
    assert amw["new_places"].sum() == 0 and amw["grown_places"].to_dict() == {"2023": 0, "2024": 1, "2025": 0}
    at_nine = new_unregistered_area(con, min_diff_ha=9.0).set_index("period_label")  # "or less": B's 9 ha goes
    assert at_nine["total_ha"].round(6).to_dict() == {"2023": 0.0, "2024": 56.0, "2025": 0.0}
    at_eight = new_unregistered_area(con, min_diff_ha=8.0).set_index("period_label")  # D (9) and B (9) stay
    assert at_eight["total_ha"].round(6).to_dict() == {"2023": 9.0, "2024": 56.0, "2025": 9.0}
    with pytest.raises(ValueError, match="got -1"):
        new_unregistered_area(con, min_diff_ha=-1)
    assert "11 ha or less" in wording.SMALL_DIFF_REASON.format(ha=AMW_MIN_DIFF_HA)


def test_confirmed_places_no_register_explains_first_seen_first(con: duckdb.DuckDBPyConnection) -> None:
    places = confirmed_unregistered_places(con)
    # A is confirmed but registered; C rejected; D unsure: left out. E (first seen 2023), then B (2025).
    assert places["first_period"].tolist() == ["2023", "2025"]
    e, b = places.iloc[0], places.iloc[1]
    assert (e["last_period"], e["persistence"], e["last_area_ha"]) == ("2024", "confirmed", pytest.approx(64.0))
    assert e["growth_ha"] == pytest.approx(56.0) and e["growth_pct"] == pytest.approx(700.0)
    assert (b["persistence"], b["last_area_ha"], bool(b["first_provisional"])) == ("provisional", 9.0, True)
    assert pd.isna(b["growth_ha"]) and not e["first_provisional"] and not e["last_provisional"]
    assert wording.persistence("confirmed") == "Confirmed (seen in 2 periods within 2 years)"


def test_the_latest_period_is_provisional_everywhere(con: duckdb.DuckDBPyConnection) -> None:
    stats = over_time(con, by="status")
    assert stats.latest_period == "2025" and stats.undated_places == 0
    for frame in (stats.mined, stats.new_area):
        flagged = frame.drop_duplicates("period_label").set_index("period_label")["provisional"]
        assert flagged.to_dict() == {"2023": False, "2024": False, "2025": True}
    assert stats.confirmed_unregistered["first_provisional"].tolist() == [False, True]
    words = wording.label_periods(stats.new_area)["period"].tolist()
    assert words == ["2023 (baseline)", "2024", "2025 (provisional)"]
    assert "2025, is provisional" in wording.PROVISIONAL_NOTE.format(latest=stats.latest_period)


def test_undated_places_are_left_out_of_the_periods(con: duckdb.DuckDBPyConnection) -> None:
    add_scan(con, None, [site(-43.2, LAT0, 300)])
    stats = over_time(con)
    assert stats.undated_places == 1 and "undated" not in set(stats.mined["period_label"])
    assert stats.mined["area_ha"].sum() == pytest.approx(9 + 21 + 12.25 + 72 + 34 + 14.24)


def test_an_empty_store_has_nothing_over_time(tmp_path: Path) -> None:
    stats = over_time(connect(tmp_path / "empty.duckdb"))
    assert stats.latest_period is None and stats.mined.empty and stats.new_area.empty
    assert stats.confirmed_unregistered.empty
