"""The manager's headline numbers, and the Overview showing them without opening the Dashboard."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.access.users import Identity
from core.review.agreement import cohen_kappa
from core.review.headline import headline
from db.connection import connect
from db.store import Store
from db.workflows import decide
from tests.app_harness import REVIEWER, filled_store, open_app

BIA = Identity("bia", "reviewer", "Bia", "password")
CAIO = Identity("caio", "reviewer", "Caio", "password")


def test_the_headline_counts_decided_and_confirmed_unregistered_sites() -> None:
    counts = pd.DataFrame(
        [
            ("unregistered", "confirmed", 3),
            ("unregistered", "undecided", 5),
            ("unregistered", "rejected", 2),
            ("registered", "confirmed", 4),
            ("not matched", "undecided", 6),
        ],
        columns=["status", "decision", "sites"],
    )
    numbers = headline(counts, cohen_kappa(["confirmed", "rejected"], ["confirmed", "rejected"]))
    assert (numbers.sites, numbers.decided, numbers.confirmed_unregistered, numbers.unregistered_undecided) == (
        20, 9, 3, 5,
    )  # fmt: skip
    assert numbers.decided_share == 0.45 and numbers.kappa_text == "1.00"
    empty = headline(counts.iloc[0:0], cohen_kappa([], []))
    assert (empty.sites, empty.decided_share, empty.kappa_text) == (0, 0.0, "—")


def test_the_overview_shows_a_manager_the_numbers_they_came_for(env: Path, clean_caches: None) -> None:
    site_ids = filled_store(env)
    con = connect(env / "store.duckdb")
    con.execute("INSERT INTO double_review (site_id) VALUES (?)", [site_ids[1]])
    con.close()
    store = Store(env / "store.duckdb")
    decide(store, BIA, site_ids[0], "confirmed", "mine_visible")
    decide(store, BIA, site_ids[1], "rejected", "other")
    decide(store, CAIO, site_ids[1], "rejected", "other")
    at = open_app("app_pages/overview.py", REVIEWER)
    assert not at.exception
    metrics = {m.label: (m.value, m.proto.delta) for m in at.metric}
    assert metrics["Candidate sites"][0] == "3"
    assert metrics["Decided"] == ("2", "67% of the queue")
    assert metrics["Reviewers agree (Cohen's kappa)"][0] == "1.00"
    assert "Confirmed unregistered" in metrics


def test_the_dashboards_charts_name_axes_and_legends_in_words(env: Path, clean_caches: None) -> None:
    import json

    filled_store(env)
    at = open_app("app_pages/dashboard.py", REVIEWER.__class__("mia", "manager", "Mia", "password"))
    assert not at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart") + at.get("arrow_vega_lite_chart")]
    assert specs, "the dashboard draws its charts"
    text = json.dumps(specs)
    assert '"Register status"' in text and '"Decision"' in text and '"Sites"' in text
    for raw in ('"field": "status"', '"field": "decision"', '"field": "sites"', "possibly_off_target"):
        assert raw not in text, raw
