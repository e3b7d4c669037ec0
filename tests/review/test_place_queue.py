"""Decisions carry across dates: a place decided in one period is not queued again in the next, unless it grew
beyond the supervisor's threshold or its register status changed; then it comes back marked, with the earlier
decision shown. Nothing decided is lost or altered. New and growing places can come first."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.access.users import Identity, PermissionDenied
from core.review.queue import QueueFilter, RequeueRule
from db.connection import connect
from db.places import requeue_rule, set_requeue_rule
from db.queue import queue_page
from db.workflows import decide
from tests.store.places_data import STORY, A, B, C, D, add_scan

BIA = Identity("bia", "reviewer", "Bia", "password")
SOFIA = Identity("sofia", "supervisor", "Sofia", "password")


def _row_at(page: pd.DataFrame, lon: float) -> pd.Series:
    rows = page[(page["lon"] - lon).abs() < 0.004]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def _site_at(con: duckdb.DuckDBPyConnection, lon: float, period: str) -> int:
    row = con.execute(
        """SELECT s.id FROM site s JOIN scan c ON c.id = s.scan_id
           WHERE abs(s.lon - ?) < 0.004 AND c.period_label = ?""",
        [lon, period],
    ).fetchone()
    assert row is not None
    return int(row[0])


def _queue(con: duckdb.DuckDBPyConnection, **kw: object) -> pd.DataFrame:
    page, _ = queue_page(con, "ana", QueueFilter(**kw), limit=100)  # type: ignore[arg-type]
    return page


@pytest.fixture()
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """2023 scanned and decided: A confirmed, C rejected, D unsure."""
    con = connect(tmp_path / "store.duckdb")
    add_scan(con, "2023", STORY["2023"])
    decide(con, BIA, _site_at(con, A, "2023"), "confirmed", note="pit, seen on the ground")
    decide(con, BIA, _site_at(con, C, "2023"), "rejected", reason="natural_lake")
    decide(con, BIA, _site_at(con, D, "2023"), "unsure")
    return con


def test_a_decided_place_is_not_queued_again_when_it_barely_grew(con: duckdb.DuckDBPyConnection) -> None:
    reviews = con.execute("SELECT * FROM review ORDER BY id").df()
    add_scan(con, "2024", STORY["2024"])  # A: 0.09 -> 0.1225 km² (+36 %, +3.3 ha): under 50 % and 5 ha
    a = _row_at(_queue(con), A)
    assert a["decision"] == "confirmed" and not a["changed"] and a["reviewer"] == "bia"
    assert a["site_id"] == _site_at(con, A, "2024")  # the queue shows the latest sighting
    assert a["first_period"] == "2023" and a["last_period"] == "2024"
    undecided = _queue(con, decided=False)
    assert not ((undecided["lon"] - A).abs() < 0.004).any()
    pd.testing.assert_frame_equal(reviews, con.execute("SELECT * FROM review ORDER BY id").df())


def test_a_place_that_grew_beyond_the_threshold_comes_back_marked_with_the_earlier_decision(
    con: duckdb.DuckDBPyConnection,
) -> None:
    reviews = con.execute("SELECT * FROM review ORDER BY id").df()
    add_scan(con, "2024", STORY["2024"])
    add_scan(con, "2025", STORY["2025"])  # A: 0.09 -> 0.25 km² since the decision (+178 %, +16 ha)
    a = _row_at(_queue(con, decided=False), A)
    assert bool(a["changed"]) and pd.isna(a["decision"])
    assert (a["earlier_decision"], a["earlier_reviewer"], a["earlier_period"]) == ("confirmed", "bia", "2023")
    assert a["earlier_area_km2"] == pytest.approx(0.09) and a["last_area_km2"] == pytest.approx(0.25)
    # D (unsure) is not re-queued by growth rules (it was never settled); C was not seen again.
    assert _row_at(_queue(con), D)["decision"] == "unsure"
    assert _row_at(_queue(con), C)["decision"] == "rejected"
    # Nothing decided was lost or altered.
    pd.testing.assert_frame_equal(reviews, con.execute("SELECT * FROM review ORDER BY id").df())
    # Deciding it again goes on its latest site; the place is settled again.
    decide(con, BIA, int(a["site_id"]), "confirmed", note="grew: still the same pit")
    a = _row_at(_queue(con), A)
    assert a["decision"] == "confirmed" and not a["changed"] and a["note"] == "grew: still the same pit"
    assert con.execute("SELECT count(*) FROM review").fetchone() == (4,)


def test_the_supervisor_sets_the_threshold_and_every_setting_is_kept(con: duckdb.DuckDBPyConnection) -> None:
    add_scan(con, "2024", STORY["2024"])
    add_scan(con, "2025", STORY["2025"])
    assert requeue_rule(con) == RequeueRule(50.0, 5.0)
    with pytest.raises(PermissionDenied):
        set_requeue_rule(con, BIA, RequeueRule(300.0, 50.0))
    set_requeue_rule(con, SOFIA, RequeueRule(300.0, 50.0))  # +178 %, +16 ha is under both now
    assert requeue_rule(con) == RequeueRule(300.0, 50.0)
    a = _row_at(_queue(con), A)
    assert a["decision"] == "confirmed" and not a["changed"]
    set_requeue_rule(con, SOFIA, RequeueRule(300.0, 10.0))  # +16 ha is beyond 10 ha
    assert bool(_row_at(_queue(con), A)["changed"])
    rules = con.execute("SELECT regrowth_pct, regrowth_ha, set_by FROM place_rule ORDER BY id").fetchall()
    assert rules == [(300.0, 50.0, "sofia"), (300.0, 10.0, "sofia")]
    with pytest.raises(ValueError, match="must be positive"):
        RequeueRule(0.0, 5.0)


def test_a_changed_register_status_brings_a_decided_place_back(con: duckdb.DuckDBPyConnection) -> None:
    site = _site_at(con, C, "2023")
    assert _row_at(_queue(con), C)["decision"] == "rejected"
    con.execute(
        "INSERT INTO site_match (site_id, status, radius_m, off_target_radius_m) VALUES (?, 'registered', 1000, 3000)",
        [site],
    )
    c = _row_at(_queue(con), C)
    assert bool(c["changed"]) and c["earlier_decision"] == "rejected"


def test_new_this_period_and_grew_most_come_first(con: duckdb.DuckDBPyConnection) -> None:
    add_scan(con, "2024", STORY["2024"])
    add_scan(con, "2025", STORY["2025"])
    new_first = _queue(con, order="new")
    assert abs(new_first.iloc[0]["lon"] - B) < 0.004 and bool(new_first.iloc[0]["new_in_latest"])
    growth = _queue(con, order="growth", decided=False)
    grown = growth["growth_km2"].fillna(0).tolist()
    assert grown == sorted(grown, reverse=True) and grown[0] > 0
