"""A reviewer starts a scan job on two local Dask workers from the Scan page in a real browser, moves to another
page, reloads it, and watches the sidebar's Jobs panel reach "done" without clicking.

Screenshots go to ``artifacts/screenshots/``; the wait is printed, never asserted.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest

from core.settings import ROOT
from tests import browser_harness as bh

SHOTS = ROOT / "artifacts" / "screenshots"
PASSWORD = "a long enough password"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from core.demo import make_demo_scene

    home = tmp_path_factory.mktemp("browser-jobs")
    env = bh.app_env(home)
    bh.add_user(env, "ana", PASSWORD, "reviewer", "Ana Revisora")
    scenes = home / "data" / "scenes"
    scenes.mkdir(parents=True)
    shutil.copy(make_demo_scene(home / "demo", seed=7, size=3072).scene, scenes / "quadrilatero.tif")
    with bh.running_app(env, home / "streamlit.log") as (url, _):
        yield url


def test_a_scan_job_is_followed_in_the_sidebar_across_pages_and_a_reload(app_url: str, browser_context: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_context.new_page()
    page.goto(f"{app_url}/scan")
    bh.sign_in(page, "ana", PASSWORD)
    page.get_by_text("Run in the background").click()
    bh.settle(page)
    workers = page.get_by_role("spinbutton", name="Local Dask workers (0: the job's own process)")
    workers.fill("2")
    workers.press("Tab")
    bh.settle(page)
    page.get_by_role("button", name="Start the scan job").click()
    started = time.monotonic()
    bh.settle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Your jobs").wait_for(timeout=30_000)
    sidebar.get_by_text(re.compile(r"scan quadrilatero\.tif on 2 local worker")).wait_for()

    # Another page, then a reload: the job is still there, and its bar moves with no click.
    page.get_by_role("link", name="Overview").click()
    bh.settle(page)
    page.reload()
    bh.settle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Job 1", exact=True).wait_for(timeout=30_000)
    bar = sidebar.locator('[data-testid="stProgress"]')
    bar.filter(has_text=re.compile(r"tile [1-8]/9")).first.wait_for(timeout=120_000)
    page.screenshot(path=str(SHOTS / "9a_jobs_sidebar_running.png"), full_page=True)
    sidebar.get_by_text(re.compile(r"done: 1 scene\(s\) stored, \d+ site\(s\)")).wait_for(timeout=240_000)
    waited = time.monotonic() - started
    bh.settle(page)  # the panel's last refresh reruns the page: the new sites are counted, the Cancel button gone
    sidebar.get_by_role("button", name="Cancel").wait_for(state="detached", timeout=30_000)
    page.get_by_text(re.compile(r"The store holds \d+ candidate sites")).wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "9b_jobs_sidebar_done.png"), full_page=True)
    text = sidebar.inner_text()
    assert "<" not in text and "**" not in text  # the file name and the state are text, not raw markup
    print(f"\n[browser] click 'Start the scan job' to 'done' in the sidebar, via another page and a reload: "
          f"{waited:.1f} s")  # fmt: skip
