"""The Imagery page with several periods typed: the plan shows one row per tile and period, a bad period is
explained, and the region job covers every period's files."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app_harness import open_app

pytestmark = pytest.mark.usefixtures("clean_caches")
BOUNDS = "-44.16, -20.16, -44.07, -20.08"
TWO_TILES = "-43.66, -20.10, -43.58, -20.05"


def _plan(bounds: str, periods: str, name: str = "Córrego do Feijão") -> AppTest:
    at = open_app("app_pages/imagery.py")
    at.text_input[0].set_value(name)
    at.text_input[1].set_value(bounds)
    next(t for t in at.text_input if t.label == "Periods (optional)").set_value(periods)
    return at.run()


def test_the_plan_has_one_row_per_tile_and_period(no_account: Path) -> None:
    at = _plan(TWO_TILES, "2019-2025")
    assert not at.exception, at.exception
    assert "**2 tile(s) x 7 period(s) = 14 scene(s)**" in " ".join(m.value for m in at.markdown)
    assert any("7 period(s), one composite each: 2019, 2020" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert len(table) == 14 and table["tile"].nunique() == 2
    assert sorted(set(table["period"])) == [str(y) for y in range(2019, 2026)]
    assert table["file"].nunique() == 14 and all(f"_{p}_" in f for f, p in zip(table["file"], table["period"]))
    request = json.loads(at.json[0].value)
    assert [p["period"] for p in request["composite"]["periods"]] == [str(y) for y in range(2019, 2026)]
    assert len(request["tiles"]) == 14
    assert all(d.disabled for d in at.date_input)  # the periods replace the dates


def test_without_periods_the_plan_is_one_row_per_tile(no_account: Path) -> None:
    at = _plan(BOUNDS, "")
    assert not at.exception, at.exception
    assert "**1 tile(s)**" in " ".join(m.value for m in at.markdown)
    assert len(at.dataframe[0].value) == 1 and not any(d.disabled for d in at.date_input)


def test_a_bad_period_is_explained(no_account: Path) -> None:
    at = _plan(BOUNDS, "2024-Q1..2023-Q4")
    assert not at.exception, at.exception
    assert any("This period can't be used" in e.value and "first quarter" in e.value for e in at.error)
    assert not at.dataframe


def test_a_region_job_covers_every_period(no_account: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core import settings
    from core.imagery.earth_engine.plan import make_plan
    from core.imagery.earth_engine.recipe import default_dates, make_recipe
    from core.imagery.earth_engine.transfer import scene_path
    from core.imagery.periods import parse_periods
    from core.imagery.regions import parse_bounds
    from db.jobs import get_job
    from db.store import Store

    launched: list[int] = []

    def launch(job_id: int, store: object, logs: object) -> int:
        launched.append(job_id)
        return 4242

    monkeypatch.setattr("ui.jobs.launch_runner", launch)
    at = _plan(BOUNDS, "2023, 2024")
    assert any("2 scene(s) are not on this machine" in c.value for c in at.caption)

    plan = make_plan([parse_bounds(BOUNDS, label="Córrego do Feijão")], make_recipe(*default_dates(date.today())),
                     parse_periods("2023, 2024"))  # fmt: skip
    folder = settings.scenes_dir() / "earth_engine"
    folder.mkdir(parents=True)
    for scene in plan.scenes:  # both periods' files, downloaded elsewhere and copied here (the runner is faked)
        scene_path(folder, scene.recipe, scene.tile).write_bytes(b"a scene")
    at.run()
    assert any("2 of 2 scene(s) already in" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "Download, scan and match as a job").click().run()
    assert not at.exception, at.exception
    assert launched == [1] and any("Job 1 started" in s.value for s in at.success)
    job = Store(settings.db_path()).read(lambda con: get_job(con, 1))
    assert job.kind == "region" and job.argv[job.argv.index("--periods") + 1] == "2023,2024"
    assert "--start" not in job.argv and "Córrego do Feijão: 1 tile(s) x 2 period(s) = 2 scene(s)" in job.title
