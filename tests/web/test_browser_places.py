"""A reviewer in a real browser: the two-period demo, the queue ordered by growth, a grown pit's before/after
pictures and the swipe between them, and its dossier downloaded as PDF and HTML.

Screenshots go to ``artifacts/screenshots/``; the waits are printed, never asserted.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from core.settings import ROOT
from tests import browser_harness as bh
from tests.conftest import copy_demo_store

SHOTS = ROOT / "artifacts" / "screenshots"
PASSWORD = "a long enough password"
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, two_period_demo: Path) -> Iterator[str]:
    home = tmp_path_factory.mktemp("browser-places")
    copy_demo_store(two_period_demo, home / "store.duckdb")  # what 'demo-store' makes (tests/cli checks that)
    env = bh.app_env(home)
    bh.add_user(env, "ana", PASSWORD, "reviewer", "Ana Revisora")
    with bh.running_app(env, home / "streamlit.log") as (url, _):
        yield url


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def test_before_after_swipe_and_dossier_of_a_grown_pit(app_url: str, browser_context: Any, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_context.new_page()
    page.goto(f"{app_url}/triage")
    bh.sign_in(page, "ana", PASSWORD)
    page.get_by_text("Triage queue").wait_for(timeout=60_000)
    assert page.get_by_role("button", name="Deploy").count() == 0  # .streamlit/config.toml: toolbarMode minimal
    started = time.monotonic()
    page.get_by_text("Grew most first").click()
    bh.settle(page)
    page.get_by_text("Before and after").wait_for(timeout=60_000)
    grew_s = time.monotonic() - started
    page.get_by_text("seen 2024 to 2025").first.wait_for()
    captions = page.locator('[data-testid="stImageCaption"]').all_inner_texts()
    assert any(c.startswith("2024 · bar") for c in captions) and any(c.startswith("2025 · bar") for c in captions)
    page.screenshot(path=str(SHOTS / "11a_triage_before_after.png"), full_page=True)

    page.get_by_text("Swipe between the two dates").click()
    frame = page.frame_locator("iframe").first
    slider = frame.locator("#swipe")
    slider.wait_for(timeout=30_000)
    slider.fill("15")
    clip = frame.locator("#top").evaluate("e => e.style.clipPath")
    assert clip == "inset(0px 0px 0px 15%)" or "15%" in clip, clip
    page.screenshot(path=str(SHOTS / "11b_triage_swipe.png"), full_page=True)

    started = time.monotonic()
    page.get_by_role("button", name="Prepare the dossier").click()
    page.get_by_role("button", name="Dossier (PDF)").wait_for(timeout=60_000)
    prepared_s = time.monotonic() - started
    with page.expect_download() as pdf_download:
        page.get_by_role("button", name="Dossier (PDF)").click()
    pdf = tmp_path / pdf_download.value.suggested_filename
    pdf_download.value.save_as(pdf)
    assert pdf.suffix == ".pdf" and pdf.read_bytes().startswith(b"%PDF")
    with page.expect_download() as html_download:
        page.get_by_role("button", name="Dossier (HTML)").click()
    page_html = tmp_path / html_download.value.suggested_filename
    html_download.value.save_as(page_html)
    text = page_html.read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(text)
    assert "script" not in parser.tags and "img" in parser.tags
    assert "2024" in text and "2025" in text and "Synthetic demo data" in text
    page.screenshot(path=str(SHOTS / "11c_triage_dossier_ready.png"), full_page=True)

    # The map in time: the change between the two years, then 2024 alone, over that year's scene.
    started = time.monotonic()
    page.get_by_text("Change 2024 → 2025").click()
    bh.settle(page)
    page.get_by_text(re.compile(r"1 new \(not seen in the earlier period\), 3 grew beyond")).wait_for(timeout=60_000)
    change_s = time.monotonic() - started
    page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for(timeout=30_000)
    page.screenshot(path=str(SHOTS / "11d_triage_map_change.png"), full_page=True)
    page.get_by_text("Seen in 2024").click()
    bh.settle(page)
    page.get_by_text(re.compile(r"\d+ places of this page's \d+ seen in 2024")).wait_for(timeout=60_000)
    page.screenshot(path=str(SHOTS / "11e_triage_map_2024.png"), full_page=True)
    print(f"\n[browser] 'Grew most first' to the before/after pictures: {grew_s:.1f} s; 'Prepare the dossier' to "
          f"its download buttons: {prepared_s:.1f} s; 'Change 2024 → 2025' to its map: {change_s:.1f} s")  # fmt: skip
