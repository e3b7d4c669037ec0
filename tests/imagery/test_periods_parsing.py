"""Periods as people type them (``parse_periods``), and what a plan makes of them: one recipe per period, one scene
per tile and period, file names that never collide across periods."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.errors import MineScanError
from core.imagery.earth_engine.plan import MAX_TILES, make_plan
from core.imagery.earth_engine.recipe import FIRST_S2_DATE, ImageryRequestError, make_recipe, period_recipe
from core.imagery.earth_engine.requests import file_prefix, legacy_file_prefix
from core.imagery.periods import PeriodError, parse_period, parse_periods
from core.imagery.regions import make_region
from core.imagery.tile_grid import plan_tiles
from core.jobs.regions import region_argv
from tests.earth_engine_helpers import SMALL, small_tile

#: A region across the 644 km grid line of zone 23S: two tiles.
TWO_TILES = make_region("across a grid line", -43.66, -20.10, -43.58, -20.05)


def labels(text: str) -> list[str]:
    return [p.label for p in parse_periods(text)]


def test_a_year_range_is_one_period_per_year() -> None:
    periods = parse_periods("2019-2025")
    assert [p.label for p in periods] == [str(y) for y in range(2019, 2026)]
    assert (periods[0].start, periods[0].end) == (date(2019, 1, 1), date(2020, 1, 1))
    assert [p.slug for p in periods] == [p.label for p in periods]
    assert labels(" 2019 - 2021 ") == ["2019", "2020", "2021"]
    assert labels("2024-2024") == ["2024"]


def test_quarters_run_across_years_and_lists_are_put_in_time_order() -> None:
    assert labels("2024-Q1..2024-Q4") == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]
    assert labels("2024-q4 .. 2025-Q2") == ["2024-Q4", "2025-Q1", "2025-Q2"]
    assert labels("2025, 2019,2022") == ["2019", "2022", "2025"]
    mixed = parse_periods("2023, 2024-Q3, 2024-11, 2025-01-15")
    assert [p.label for p in mixed] == ["2023", "2024-Q3", "2024-11", "2025-01-15"]
    assert [p.slug for p in mixed] == ["2023", "2024-Q3", "2024-11", "2025-01-15"]
    (spring,) = parse_periods("2024-03-01..2024-05-31")
    assert spring == parse_period("2024-03-01/2024-06-01") and spring.slug == "2024-03-01_2024-06-01"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-2019", "first year must not come after the last"),
        ("2024-Q4..2024-Q1", "first quarter must not come after the last"),
        ("2019, 2019", "the period 2019 is given twice"),
        ("2019, 2019-Q2", "the periods 2019 and 2019-Q2 overlap"),
        ("2024-03-01/2024-07-01, 2024-Q2", "overlap"),
        ("", "no period given"),
        (" , ,", "no period given"),
        ("2024-13", "there is no month 13"),
        ("2024-02-30", "is not a calendar date"),
        ("2024-06-01/2024-03-01", "the start must come before the end"),
        ("2024-Q5", "is not a period MineScan reads"),
        ("2019-2021, 2024", "is not a period MineScan reads"),  # a year range is a request of its own, not a part
    ],
)
def test_bad_period_text_is_refused_with_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message) as caught:
        parse_periods(text)
    assert caught.value.title == "This period can't be used"


def test_brazilian_users_write_ranges_with_a_or_ate() -> None:
    years = [str(y) for y in range(2019, 2026)]
    assert labels("2019 a 2025") == labels("2019 até 2025") == labels("2019\u20132025") == years
    assert labels("2024-Q1 a 2024-Q4") == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"]


def test_the_period_recipe_keeps_the_settings_and_takes_the_dates() -> None:
    base = make_recipe(date(2020, 1, 1), date(2022, 1, 1), max_cloud_percent=35.0, mask="cloud_score_plus")
    (q2,) = parse_periods("2024-Q2")
    recipe = period_recipe(base, q2)
    assert (recipe.start, recipe.end) == (date(2024, 4, 1), date(2024, 7, 1)) and recipe.period == q2
    assert (recipe.max_cloud_percent, recipe.mask, recipe.bands) == (35.0, "cloud_score_plus", base.bands)
    assert recipe.fingerprint != base.fingerprint
    # 2015 starts before Sentinel-2's first images: its composite starts with them, and says so in its period.
    early = period_recipe(base, parse_period("2015"))
    assert early.start == FIRST_S2_DATE and early.period.label == "2015-06-23/2016-01-01"
    with pytest.raises(ImageryRequestError, match="Sentinel-2 images exist from 2015-06-23"):
        period_recipe(base, parse_period("2014"))


def test_file_names_carry_the_period_and_never_collide() -> None:
    tile = small_tile()
    base = make_recipe(date(2020, 1, 1), date(2022, 1, 1))
    names = {p.label: file_prefix(period_recipe(base, p), tile) for p in parse_periods("2023, 2024-Q1, 2024-05")}
    for label, name in names.items():
        assert name.startswith(f"Corrego_do_Feijao_{tile.tile_id}_{label}_") and len(name) <= 100
    assert len(set(names.values())) == 3
    # A range that is no calendar period keeps the name MineScan always gave it (existing files are found).
    assert file_prefix(base, tile) == legacy_file_prefix(base, tile)
    assert file_prefix(base, tile) == f"Corrego_do_Feijao_{tile.tile_id}_20200101-20220101_{base.fingerprint}"


def test_a_plan_has_one_scene_per_tile_and_period() -> None:
    base = make_recipe(date(2020, 1, 1), date(2022, 1, 1))
    plan = make_plan([TWO_TILES], base, parse_periods("2019-2025"))
    assert len(plan.tiles) == 2 and len(plan.recipes) == 7 and len(plan.scenes) == 14
    assert plan.size_text == "2 tile(s) x 7 period(s) = 14 scene(s)" and plan.scene_word == "scene(s)"
    rows = plan.rows()
    assert [(r["tile"], r["period"]) for r in rows] == [
        (t.tile_id, str(y)) for t in plan.tiles for y in range(2019, 2026)
    ]
    assert len({r["file"] for r in rows}) == 14 and len(plan.tile_rows()) == 2
    request = plan.request()
    assert "dates" not in request["composite"] and len(request["tiles"]) == 14
    assert request["composite"]["periods"][0] == {"period": "2019", "start": "2019-01-01",
                                                  "end_exclusive": "2020-01-01"}  # fmt: skip
    assert {t["export"]["fileNamePrefix"] for t in request["tiles"]} == {r["file"][:-4] for r in rows}
    assert plan.area_km2 == pytest.approx(make_plan([TWO_TILES], base).area_km2)  # the ground, counted once


def test_a_plan_from_dates_is_as_before() -> None:
    base = make_recipe(date(2020, 1, 1), date(2022, 1, 1))
    plan = make_plan([SMALL], base)
    assert plan.recipes == (base,) and plan.recipe == base and plan.size_text == "1 tile(s)"
    assert plan.periods[0].label == "2020-01-01/2022-01-01"
    assert plan.request()["composite"]["dates"] == {"start": "2020-01-01", "end_exclusive": "2022-01-01"}
    assert make_plan([SMALL], base, None) == make_plan([SMALL], base, [])


def test_too_many_scenes_are_refused_and_overlaps_too() -> None:
    base = make_recipe(date(2020, 1, 1), date(2022, 1, 1))
    big = make_region("big", -50.0, -22.0, -44.5, -17.0)
    n_tiles = len(plan_tiles(big))
    assert n_tiles <= MAX_TILES < n_tiles * 7
    with pytest.raises(MineScanError, match=rf"{n_tiles} tiles x 7 periods = {7 * n_tiles} scenes"):
        make_plan([big], base, parse_periods("2019-2025"))
    with pytest.raises(PeriodError, match="overlap"):
        make_plan([SMALL], base, [parse_period("2024"), parse_period("2024-Q3")])


def test_the_region_job_command_carries_the_periods() -> None:
    base = make_recipe(date(2020, 1, 1), date(2022, 1, 1), max_cloud_percent=30.0)
    plan = make_plan([SMALL], base, parse_periods("2023-Q4..2024-Q1"))
    argv = region_argv("r.geojson", plan.recipe, Path("f"), "s.duckdb", model="m@1", impact_model="none", by="ana",
                       periods=plan.periods)  # fmt: skip
    assert argv[argv.index("--periods") + 1] == "2023-Q4,2024-Q1" and "--start" not in argv
    assert argv[argv.index("--max-cloud") + 1] == "30"
    one = region_argv("r.geojson", base, Path("f"), "s.duckdb", model="m@1", impact_model="none", by="ana",
                      periods=make_plan([SMALL], base).periods)  # fmt: skip
    assert "--periods" not in one and one[one.index("--start") + 1 : one.index("--end") + 2] == [
        "2020-01-01", "--end", "2022-01-01"]  # fmt: skip
