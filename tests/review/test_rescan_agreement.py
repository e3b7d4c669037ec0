"""A re-scan with a new model version says which of the reviewers' earlier decisions it now agrees with."""

from __future__ import annotations

from shapely.geometry import box

from core.review.rescan import PastDecision, compare_with_decisions


def _square(lon: float, lat: float, half: float = 0.002) -> str:
    return box(lon - half, lat - half, lon + half, lat + half).wkt


def test_confirmed_sites_still_found_and_rejected_ones_cleared() -> None:
    past = [
        PastDecision(1, "confirmed", "tailings_visible", _square(-44.00, -20.00), "m@1"),
        PastDecision(2, "confirmed", "tailings_visible", _square(-44.10, -20.00), "m@1"),
        PastDecision(3, "rejected", "natural_lake", _square(-44.20, -20.00), "m@1"),
        PastDecision(4, "rejected", "urban_or_construction", _square(-44.30, -20.00), "m@1"),
        PastDecision(5, "rejected", "urban_or_construction", _square(-44.40, -20.00), "m@1"),
        PastDecision(6, "unsure", None, _square(-44.50, -20.00), "m@1"),
    ]
    # The new version finds site 1 (shifted a little), misses site 2, still flags the lake and one town.
    new = [_square(-44.001, -20.001), _square(-44.20, -20.00), _square(-44.30, -20.00), _square(-43.0, -19.0)]
    result = compare_with_decisions(past, new)
    assert {r.site_id: r.agrees for r in result.rows} == {1: True, 2: False, 3: False, 4: False, 5: True}
    assert result.count("confirmed") == (1, 2) and result.count("rejected") == (1, 3)
    assert result.by_reason == {"natural_lake": (0, 1), "urban_or_construction": (1, 2)}
    assert result.unsure == 1
    assert result.summary() == (
        "agrees with 2 of 5 earlier decisions: still finds 1 of 2 confirmed sites, no longer flags 1 of 3 rejected "
        "ones (by reason: natural_lake 0/1, urban_or_construction 1/2); 1 unsure not scored"
    )


def test_a_near_miss_counts_only_within_the_distance_given() -> None:
    past = [PastDecision(1, "confirmed", None, _square(-44.0, -20.0, 0.001), "m@1")]
    beside = [_square(-44.0, -20.0 + 0.003, 0.001)]  # about 110 m north of the confirmed outline
    assert compare_with_decisions(past, beside).rows[0].agrees is False
    assert compare_with_decisions(past, beside, near_m=150).rows[0].agrees is True
    assert compare_with_decisions([], beside).summary() == "no earlier decision on this scene to compare with"
