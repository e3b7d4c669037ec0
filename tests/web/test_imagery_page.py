"""The Imagery page as a user meets it: planning without an account, a clear message instead of Earth Engine,
and (with the offline client) export tasks started, recorded and followed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from core.settings import ROOT
from tests.app_harness import open_app
from tests.earth_engine_helpers import service_account_key

pytestmark = pytest.mark.usefixtures("clean_caches")
BOUNDS = "-44.16, -20.16, -44.07, -20.08"
NO_EARTH_ENGINE = "could not be reached"


def _page() -> AppTest:
    return open_app("app_pages/imagery.py")


def _type_bounds(at: AppTest, text: str = BOUNDS, name: str = "Córrego do Feijão") -> AppTest:
    at.text_input[0].set_value(name)
    at.text_input[1].set_value(text)
    return at.run()


def test_without_an_account_the_page_plans_and_says_what_to_do(no_account: Path) -> None:
    at = _page()
    assert not at.exception, at.exception
    (error,) = at.warning
    assert "Google Earth Engine is not available" in error.value and "not configured" in error.value
    assert "MINESCAN_EE_SERVICE_ACCOUNT_KEY" in error.value and "earthengine authenticate" in error.value
    at = _type_bounds(at)
    assert not at.exception, at.exception
    assert "**1 tile(s)**" in " ".join(m.value for m in at.markdown)
    table = at.dataframe[0].value
    assert table["tile"].tolist() == ["32723-E0006-N0084"] and table["region"].tolist() == ["Córrego do Feijão"]
    request = json.loads(at.json[0].value)
    assert request["composite"]["collection"] == "COPERNICUS/S2_HARMONIZED"
    assert request["composite"]["scene_filter"] == "CLOUDY_PIXEL_PERCENTAGE <= 20"
    assert request["tiles"][0]["export"]["crs"] == "EPSG:32723"
    buttons = {b.label: b for b in at.button}
    assert buttons["Download now"].disabled and buttons["Start export tasks"].disabled


def test_bad_bounds_are_explained(no_account: Path) -> None:
    at = _type_bounds(_page(), "-20.1, -44.1, -19.9, -43.9x")
    assert not at.exception
    assert any("This region can't be used" in e.value for e in at.error)
    assert not at.dataframe


def test_paper_dates_and_cloud_score_plus_change_the_request(no_account: Path) -> None:
    at = _type_bounds(_page())
    at.checkbox[0].check()
    next(r for r in at.radio if r.label == "Cloud mask").set_value("Cloud Score+")
    at = at.run()
    composite = json.loads(at.json[0].value)["composite"]
    assert composite["dates"] == {"start": "2018-01-01", "end_exclusive": "2020-01-01"}
    assert "Cloud Score+" in composite["pixel_mask"]


def test_no_network_is_a_message_on_the_page(no_account: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = service_account_key(no_account / "key.json")
    monkeypatch.setenv("MINESCAN_EE_SERVICE_ACCOUNT_KEY", str(key))
    monkeypatch.setenv("MINESCAN_EE_PROJECT", "minescan-test")
    at = _type_bounds(_page())
    assert any("Earth Engine is configured" in s.value for s in at.success)
    next(b for b in at.button if b.label == "Test the connection").click()
    at = at.run()
    # These machines and CI have no route to Google: the real sign-in attempt fails as a user offline sees it.
    assert any(NO_EARTH_ENGINE in e.value for e in at.error), [e.value for e in at.error]
    next(b for b in at.button if b.label == "Download now").click()
    at = at.run()
    assert not at.exception, at.exception
    assert any("Google Earth Engine is not available" in e.value and NO_EARTH_ENGINE in e.value for e in at.error), [
        e.value for e in at.error
    ]
    assert not (no_account / "scenes" / "earth_engine").exists() or not any((no_account / "scenes").rglob("*.tif"))


def test_exports_are_started_recorded_and_followed(
    no_account: Path, offline_ee: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.earth_engine

    monkeypatch.setenv("MINESCAN_EE_PROJECT", "test-project")
    monkeypatch.setenv("MINESCAN_EE_CREDENTIALS", "stored")
    monkeypatch.setattr(ui.earth_engine, "connect", lambda config: offline_ee)
    at = _type_bounds(_page())
    next(b for b in at.button if b.label == "Start export tasks").click()
    at = at.run()
    assert not at.exception, at.exception
    assert any("Started 1 export task(s): TASK0001" in s.value for s in at.success)
    tasks = at.dataframe[-1].value
    assert tasks["task_id"].tolist() == ["TASK0001"] and tasks["state"].tolist() == ["READY"]
    assert tasks["started_by"].tolist() == ["sofia"]
    ((_, body),) = offline_ee.recorded.exports
    assert body["fileExportOptions"]["driveDestination"]["folder"] == "MineScan"

    offline_ee.recorded.statuses["TASK0001"] = {"id": "TASK0001", "state": "FAILED", "error_message": "Quota"}
    next(b for b in at.button if b.label == "Refresh status").click()
    at = at.run()
    assert any("1 task(s) changed state" in s.value for s in at.success)
    tasks = at.dataframe[-1].value
    assert tasks["state"].tolist() == ["FAILED"] and tasks["error"].tolist() == ["Quota"]


def test_the_app_does_not_import_earth_engine_at_start(env: Path) -> None:
    """Starting the app (and the CLI's help) never loads ``ee``: it is optional and slow to import."""
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('app.py', default_timeout=60).run()\n"
        "import cli.main\n"
        "print('ee' in sys.modules, 'streamlit_folium' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.stdout.strip().splitlines()[-1] == "False False", out.stdout + out.stderr


def test_a_swapped_region_is_warned_about_on_the_page(no_account: Path) -> None:
    at = _type_bounds(_page(), "-20.30, -44.30, -20.00, -43.90", "Mina")
    assert any("Region 'Mina' lies outside Brazil" in w.value and "look swapped" in w.value for w in at.warning)


def test_the_drawing_map_mode_loads(no_account: Path) -> None:
    at = _page()
    next(r for r in at.radio if r.label == "Give the region").set_value("Draw on a map")
    at = at.run()
    assert not at.exception, at.exception
    assert any("Draw rectangles or polygons" in c.value for c in at.caption)
    assert any("Give a region" in i.value for i in at.info)


def test_downloaded_scenes_are_offered_on_the_scan_page(no_account: Path) -> None:
    import numpy as np

    from tests.fakes import RGB, write_tif

    folder = no_account / "scenes" / "earth_engine"
    folder.mkdir(parents=True)
    write_tif(folder / "Brumadinho_32723-E0006-N0084.tif", np.full((3, 40, 40), 900, np.uint16), descriptions=RGB)
    (folder / "Serra_32722-E0007-N0101.tif.partial").write_bytes(b"half a download")
    at = open_app("app_pages/scan.py")
    options = next(s for s in at.selectbox if s.label == "Scene file").options
    assert "earth_engine/Brumadinho_32723-E0006-N0084.tif" in options
    assert not any("partial" in o for o in options)


def test_a_region_whose_tiles_are_here_runs_as_one_job_without_an_account(
    no_account: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from core import settings
    from core.demo import make_demo_scene
    from core.imagery.earth_engine.plan import make_plan
    from core.imagery.earth_engine.transfer import scene_path
    from core.imagery.regions import parse_bounds
    from db.jobs import get_job
    from db.store import Store

    launched: list[int] = []
    monkeypatch.setattr("ui.jobs.launch_runner", lambda job_id, store, logs: launched.append(job_id) or 4242)
    at = _type_bounds(_page())
    button = next(b for b in at.button if b.label == "Download, scan and match as a job")
    assert button.disabled and any("1 tile(s) are not on this machine" in c.value for c in at.caption)

    # The tile's file, downloaded elsewhere and copied here: now the job can run with no account.
    tile = make_plan([parse_bounds(BOUNDS, label="Córrego do Feijão")], _recipe_of_page()).tiles[0]
    folder = settings.scenes_dir() / "earth_engine"
    folder.mkdir(parents=True)
    path = scene_path(folder, _recipe_of_page(), tile)
    path.write_bytes(make_demo_scene(tmp_path / "demo", seed=7, size=512).scene.read_bytes())
    at.run()
    assert any("1 of 1 tile(s) already in" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "Download, scan and match as a job").click().run()
    assert not at.exception, at.exception
    assert launched == [1] and any("Job 1 started" in s.value for s in at.success)
    job = Store(settings.db_path()).read(lambda con: get_job(con, 1))
    assert job.kind == "region" and job.argv[0] == "region" and Path(job.argv[1]).is_file()
    assert job.argv[job.argv.index("--folder") + 1] == str(folder) and "demo_discovery@1" in job.argv
    assert "Córrego do Feijão: 1 tile(s)" in job.title


def _recipe_of_page() -> Any:
    """The page's default composite: the two years before the first of this month, 20 % clouds, QA60."""
    from datetime import date

    from core.imagery.earth_engine.recipe import default_dates, make_recipe

    return make_recipe(*default_dates(date.today()))
