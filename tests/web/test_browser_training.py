"""A supervisor trains a new model version from the Models page in a real browser and watches it finish without
clicking: the training runs as a job of its own (a detached runner process), the page refreshes its progress.

The store is a demo store whose scan was reviewed from the planted truth and cut into a training set, as a
campaign would leave it. Screenshots go to ``artifacts/screenshots/``; the wait is printed, never asserted.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely

from core.access.users import Identity
from core.settings import ROOT
from tests import browser_harness as bh

SHOTS = ROOT / "artifacts" / "screenshots"
PASSWORD = "a long enough password"
pytestmark = pytest.mark.browser
ANA = Identity("ana", "reviewer", "Ana", "password")


def _reviewed_demo_store(home: Path, env: dict[str, str]) -> None:
    """A demo store, its scan decided from the truth (targets confirmed, the rest rejected), and a training set."""
    from core.demo import make_demo_scene
    from core.model_card import resolve_model
    from core.scan.pipeline import ScanModel
    from core.settings import DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL, models_dir
    from core.training.evaluation import load_truth
    from db.demo_setup import set_up_demo
    from db.sites import scan_sites
    from db.store import Store
    from db.workflows import decide
    from models.bundle import load_bundle

    demo = make_demo_scene(home / "demo", seed=7, size=2048)
    d, i = (load_bundle(resolve_model(m, (models_dir(),))) for m in (DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL))
    store = Store(Path(env["MINESCAN_DB"]))
    (stored,) = set_up_demo(store, home / "demo", ScanModel(d.card, d.predict), ScanModel(i.card, i.predict), periods=1)
    targets = [shapely.from_wkt(f.outline_wkt) for f in load_truth(demo.truth) if f.target]
    for site_id, wkt in store.read(lambda con: scan_sites(con, stored.scan_id)):
        on_target = any(shapely.from_wkt(wkt).intersects(t) for t in targets)
        decide(store, ANA, site_id, *(("confirmed", "tailings_visible") if on_target else ("rejected", "other")))
    subprocess.run(
        [sys.executable, "-m", "cli", "training-set", "build", "--scans", str(stored.scan_id), "--by", "sofia"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("browser-training")
    env = bh.app_env(home)
    bh.add_user(env, "sofia", PASSWORD, "supervisor", "Sofia Supervisora")
    _reviewed_demo_store(home, env)
    with bh.running_app(env, home / "streamlit.log") as (url, _):
        yield url


def test_a_training_started_on_the_models_page_finishes_while_the_person_only_watches(
    app_url: str, browser_context: Any
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_context.new_page()
    page.goto(f"{app_url}/models")
    bh.sign_in(page, "sofia", PASSWORD)
    version = page.get_by_role("combobox", name="Version")
    version.click()
    version.fill("demo_discovery@1")
    page.get_by_role("option", name="demo_discovery@1").wait_for()
    version.press("Enter")
    bh.settle(page)
    page.get_by_text("Train a new version of demo_discovery").wait_for()
    epochs = page.get_by_label("Epochs")
    epochs.fill("4")
    epochs.press("Tab")
    page.get_by_role("button", name="Start training").click()
    started = time.monotonic()
    bh.settle(page)
    page.get_by_text("Training started as job 1").wait_for(timeout=30_000)

    # From here on the person only watches: the panel refreshes itself.
    bar = page.locator('[data-testid="stProgress"]')
    bar.first.wait_for(timeout=60_000)
    bar.filter(has_text=re.compile(r"epoch [1-3]/4:")).first.wait_for(timeout=120_000)  # moved with an epoch
    page.screenshot(path=str(SHOTS / "8a_models_training_running.png"), full_page=True)
    main = page.get_by_test_id("stMainBlockContainer")  # the sidebar's Jobs panel says it too
    main.locator('[data-testid="stAlert"]', has_text="done: demo_discovery@2").wait_for(timeout=240_000)
    waited = time.monotonic() - started
    page.screenshot(path=str(SHOTS / "8b_models_training_done.png"), full_page=True)
    # The full run after the end offers the new version (not promoted: a person decides that).
    bh.settle(page)
    version = page.get_by_role("combobox", name="Version")
    version.click()
    version.fill("demo_discovery@2")
    page.get_by_role("option", name="demo_discovery@2").wait_for(timeout=30_000)
    version.press("Enter")
    bh.settle(page)
    page.get_by_role("button", name="Promote demo_discovery@2").wait_for()
    assert page.get_by_role("button", name="Promote demo_discovery@2").is_enabled()
    print(f"\n[browser] click 'Start training' to 'done' seen on the page, no clicks in between: {waited:.1f} s")
