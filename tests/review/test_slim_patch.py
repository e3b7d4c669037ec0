"""A reviewer's own decision updates the cached queue rows exactly as recomputing them from the store would (the
triage page uses this to skip ranking every place again after each decision)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from core.access.users import Identity
from db.connection import connect
from db.queue import queue_slim, slim_after_own_decision
from db.workflows import decide
from tests.store.places_data import STORY, A, C, D, add_scan

ANA = Identity("ana", "reviewer", "Ana", "password")
BIA = Identity("bia", "reviewer", "Bia", "password")


@pytest.fixture()
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path / "store.duckdb")
    add_scan(con, "2023", STORY["2023"])
    first_a = _site_near(con, A)
    decide(con, BIA, first_a, "confirmed")  # place A then grows past 5 ha: 'changed' in the queue
    add_scan(con, "2024", STORY["2024"])
    add_scan(con, "2025", STORY["2025"])
    con.execute("INSERT INTO double_review (site_id) VALUES (?)", [_latest_site_near(con, D)])
    decide(con, BIA, _latest_site_near(con, D), "rejected", "other")  # blind for ana until she decides too
    return con


def _site_near(con: duckdb.DuckDBPyConnection, lon: float) -> int:
    row = con.execute("SELECT min(id) FROM site WHERE abs(lon - ?) < 0.004", [lon]).fetchone()
    assert row is not None and row[0] is not None
    return int(row[0])


def _latest_site_near(con: duckdb.DuckDBPyConnection, lon: float) -> int:
    row = con.execute("SELECT max(id) FROM site WHERE abs(lon - ?) < 0.004", [lon]).fetchone()
    assert row is not None and row[0] is not None
    return int(row[0])


def _rows(table: object) -> list[dict]:
    return sorted(table.to_pylist(), key=lambda r: r["site_id"])  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("lon", "decision"),
    [(A, "unsure"), (D, "confirmed"), (C, "rejected")],
    ids=["a place changed since bia's decision", "a blind double-review site", "a place gone since 2023"],
)
def test_the_patched_rows_are_the_recomputed_rows(con: duckdb.DuckDBPyConnection, lon: float, decision: str) -> None:
    before = queue_slim(con, "ana")
    site = next(r["site_id"] for r in before.to_pylist() if abs(r["lon"] - lon) < 0.004)
    decide(con, ANA, site, decision, "other" if decision == "rejected" else None)
    patched = slim_after_own_decision(before, site, decision)
    assert patched is not None
    assert _rows(patched) == _rows(queue_slim(con, "ana"))
    assert next(r for r in patched.to_pylist() if r["site_id"] == site)["decision"] == decision


def test_a_site_that_is_no_queue_row_asks_for_a_recomputation(con: duckdb.DuckDBPyConnection) -> None:
    slim = queue_slim(con, "ana")
    older = _site_near(con, A)  # place A's 2023 site: its queue row is its 2025 site
    assert older not in set(slim.column("site_id").to_pylist())
    assert slim_after_own_decision(slim, older, "confirmed") is None
