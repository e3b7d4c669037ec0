"""Queue order: unregistered and high impact first, then probability and area; decided last."""

from __future__ import annotations

import pandas as pd

from core.queue import next_site, rank_queue


def _sites() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (1, "registered", "high_impact", 0.99, 1.0, None),
            (2, "unregistered", "low_impact", 0.95, 0.5, None),
            (3, "unregistered", "high_impact", 0.70, 0.2, None),
            (4, "unregistered", "high_impact", 0.90, 0.1, None),
            (5, "possibly_off_target", None, 0.99, 3.0, None),
            (6, "unregistered", "high_impact", 0.99, 9.0, "confirmed"),
            (7, "unregistered", "high_impact", 0.90, 0.4, None),
        ],
        columns=["site_id", "match_status", "impact_class", "p_max", "area_km2", "decision"],
    )


def test_rank_order() -> None:
    ranked = rank_queue(_sites())
    assert ranked["site_id"].tolist() == [7, 4, 3, 2, 5, 1, 6]
    assert ranked["rank"].tolist() == [1, 2, 3, 4, 5, 6, 7]


def test_next_site_skips_decided_and_current() -> None:
    ranked = rank_queue(_sites())
    assert next_site(ranked, None) == 7
    assert next_site(ranked, 7) == 4
    all_decided = ranked.assign(decision="rejected")
    assert next_site(all_decided, None) is None


def test_empty_queue() -> None:
    empty = _sites().iloc[0:0]
    assert rank_queue(empty).empty and next_site(rank_queue(empty), None) is None
