"""The triage map in time: the views offered, what each place did between two periods, and what is drawn."""

from __future__ import annotations

import pandas as pd
import pytest

from core.review.map_time import CHANGE, PERIOD, MapView, change_counts, change_of, map_views, rows_for_view
from core.review.queue import RequeueRule

RULE = RequeueRule()  # 50 % or 5 ha


def test_views_are_the_latest_each_period_and_the_changes_between_them() -> None:
    assert [v.label for v in map_views([])] == ["Latest sighting of each place"]
    assert [v.label for v in map_views(["2024"])] == ["Latest sighting of each place"]
    labels = [v.label for v in map_views(["2023", "2024", "2025"])]
    assert labels == [
        "Latest sighting of each place",
        "Seen in 2023",
        "Seen in 2024",
        "Seen in 2025",
        "Change 2023 → 2024",
        "Change 2024 → 2025",
        "Change 2023 → 2025",
    ]
    assert MapView(CHANGE, before="2023", after="2025").scene_period == "2025"
    assert MapView(PERIOD, period="2024").scene_period == "2024"
    assert MapView().scene_period is None


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (None, 0.05, "new"),
        (0.05, None, "gone"),
        (None, None, None),
        (0.10, 0.10, "stable"),
        (0.10, 0.14, "stable"),  # +4 ha, +40 %: under both thresholds
        (0.10, 0.16, "grown"),  # +6 ha
        (0.02, 0.035, "grown"),  # +1.5 ha but +75 %
        (0.10, 0.04, "shrunk"),  # -6 ha
        (0.0, 0.01, "grown"),  # from nothing measurable
        (float("nan"), 0.05, "new"),
    ],
)
def test_a_change_is_judged_by_the_supervisors_thresholds(
    before: float | None, after: float | None, expected: str | None
) -> None:
    assert change_of(before, after, RULE) == expected


def test_a_stricter_rule_calls_less_growth() -> None:
    assert change_of(0.10, 0.16, RequeueRule(growth_pct=100, growth_ha=10)) == "stable"


def _page() -> pd.DataFrame:
    """Three places' latest sites as the queue holds them."""
    return pd.DataFrame(
        {
            "site_id": [30, 31, 12],
            "place_id": ["PA", "PB", "PC"],
            "scan_id": [2, 2, 1],
            "lon": [-43.0, -43.1, -43.2],
            "lat": [-19.0, -19.1, -19.2],
            "area_km2": [0.2, 0.05, 0.03],
            "outline_wkt": ["POLYGON A25", "POLYGON B25", "POLYGON C24"],
            "decision": [None, "confirmed", None],
        }
    )


def _sightings() -> pd.DataFrame:
    """PA grew from 8 to 20 ha, PB is new in 2025, PC was only seen in 2024 (gone)."""
    rows = [
        ("PA", "2024", 10, 1, -43.01, -19.01, 0.08, "POLYGON A24"),
        ("PA", "2025", 30, 2, -43.0, -19.0, 0.2, "POLYGON A25"),
        ("PB", "2025", 31, 2, -43.1, -19.1, 0.05, "POLYGON B25"),
        ("PC", "2024", 12, 1, -43.2, -19.2, 0.03, "POLYGON C24"),
    ]
    columns = ["place_id", "period_label", "sighting_site_id", "scan_id", "lon", "lat", "area_km2", "outline_wkt"]
    return pd.DataFrame(rows, columns=columns)


def test_a_period_view_draws_each_place_as_it_was_seen_then_and_leaves_out_the_rest() -> None:
    drawn = rows_for_view(_page(), _sightings(), MapView(PERIOD, period="2024"), RULE)
    assert drawn["place_id"].tolist() == ["PA", "PC"]
    a = drawn.set_index("place_id").loc["PA"]
    # Still selected by its latest site, drawn from its 2024 sighting, over the 2024 scan.
    assert (a["site_id"], a["seen_as"], a["outline_wkt"], a["scan_id"]) == (30, 10, "POLYGON A24", 1)
    assert a["area_km2"] == pytest.approx(0.08) and a["lon"] == pytest.approx(-43.01)
    assert drawn.set_index("place_id")["decision"].isna().tolist() == [True, True]  # the page's decisions stay


def test_a_change_view_colours_new_grown_and_gone_with_the_earlier_outline_under_the_later() -> None:
    drawn = rows_for_view(_page(), _sightings(), MapView(CHANGE, before="2024", after="2025"), RULE).set_index(
        "place_id"
    )
    assert drawn["change"].to_dict() == {"PA": "grown", "PB": "new", "PC": "gone"}
    assert (drawn.loc["PA", "outline_wkt"], drawn.loc["PA", "before_wkt"]) == ("POLYGON A25", "POLYGON A24")
    assert drawn.loc["PA", "before_km2"] == pytest.approx(0.08) and drawn.loc["PA", "after_km2"] == pytest.approx(0.2)
    # What is gone is drawn where it was last seen, with no second outline.
    assert (drawn.loc["PC", "outline_wkt"], drawn.loc["PC", "scan_id"]) == ("POLYGON C24", 1)
    assert pd.isna(drawn.loc["PC", "before_wkt"]) and pd.isna(drawn.loc["PB", "before_wkt"])
    assert change_counts(drawn.reset_index()) == {"new": 1, "grown": 1, "gone": 1}


def test_the_latest_view_is_the_page_as_it_is() -> None:
    drawn = rows_for_view(_page(), _sightings(), MapView(), RULE)
    assert drawn["outline_wkt"].tolist() == ["POLYGON A25", "POLYGON B25", "POLYGON C24"]
    assert "change" not in drawn and change_counts(drawn) == {}
