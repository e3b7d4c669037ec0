"""A person's walk through the app in a real browser: demo -> triage -> confirm and reject -> export CSV.

Streamlit runs with ``streamlit run`` on localhost; Debian's chromium (``./run browser`` installs it; without it
these tests skip, saying so) is driven by Playwright. Screenshots of each page go to ``artifacts/screenshots/`` (not
committed) so a person can look at them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core.settings import ROOT
from tests import bench_triage_browser as walk
from tests import browser_harness as bh

SHOTS = ROOT / "artifacts" / "screenshots"
PASSWORD = walk.PASSWORD
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("browser")
    env = bh.app_env(home)
    bh.add_user(env, "ana", PASSWORD, "supervisor", "Ana Auditora")
    with bh.running_app(env, home / "streamlit.log") as (url, _):
        yield url


def _idle(page: Any) -> None:
    bh.settle(page)
    page.wait_for_timeout(300)


def _go(page: Any, label: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=label).first.click()
    _idle(page)


def _print_timings(store: str, times: dict[str, list[float]]) -> None:
    print("\n" + walk.report(store, times, 0.0).replace(" (server up in 0.0 s)", ""))
    for action, values in times.items():
        assert values and all(v > 0 for v in values), action  # measured, never asserted against a limit


def _tooltip_text(page: Any) -> tuple[str, str]:
    """Hover the middle of the triage map (the site it is centred on); the tooltip's text and its markup."""
    canvas = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(1_000)  # deck.gl draws its layers
    box = canvas.bounding_box()
    assert box is not None
    for dx, dy in ((0, 0), (2, 0), (0, 2), (-2, 0), (0, -2), (4, 4)):
        page.mouse.move(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)
        page.wait_for_timeout(400)
        tip = page.locator(".deck-tooltip")
        if tip.count() and tip.first.is_visible() and tip.first.inner_text().strip():
            return tip.first.inner_text(), tip.first.inner_html()
    return "", ""


def test_demo_triage_decide_export(app_url: str, tmp_path: Path, browser_context: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    if True:
        page = browser_context.new_page()
        page.goto(app_url)
        _idle(page)
        page.get_by_label("Username", exact=True).fill("ana")
        page.get_by_label("Password", exact=True).fill("not her password")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("Unknown username or wrong password").wait_for(timeout=30_000)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        _idle(page)
        page.get_by_text("Signed in as").wait_for(timeout=30_000)  # the sidebar after a verified sign-in
        page.get_by_role("button", name="Set up the demo").click()
        page.get_by_text("Demo ready").wait_for(timeout=240_000)
        _idle(page)
        page.screenshot(path=str(SHOTS / "1_overview_demo_ready.png"), full_page=True)

        _go(page, "Triage")
        page.get_by_text("Triage queue").wait_for()
        page.screenshot(path=str(SHOTS / "2_triage.png"), full_page=True)
        page.get_by_label("Note").fill('Tailings pond, "not in SIGBM"; visit\nÁrea nova')
        page.get_by_label("Note").blur()
        _idle(page)
        site = page.get_by_role("combobox", name="Site")
        first_site = site.input_value()
        page.get_by_role("button", name="Confirmed").click()
        _idle(page)
        page.wait_for_function(  # the queue moves on to the next site
            """(before) => document.querySelector('input[aria-label="Site"]')?.value !== before""", arg=first_site
        )
        _idle(page)
        assert site.input_value() != first_site
        reason = page.get_by_role("combobox", name="Reason")
        reason.click()
        reason.fill("Irrigation")  # the selectbox filters as one types, like a person would
        page.get_by_role("option", name="Irrigation or farm dam").wait_for()
        reason.press("Enter")
        _idle(page)
        second_site = site.input_value()
        page.get_by_role("button", name="Rejected").click()
        _idle(page)
        page.wait_for_function(
            """(before) => document.querySelector('input[aria-label="Site"]')?.value !== before""", arg=second_site
        )
        _idle(page)
        page.screenshot(path=str(SHOTS / "3_triage_after_two_decisions.png"), full_page=True)

        # Ten sites in a row from the selector: each one opens (a dropped second choice stalls here).
        times: dict[str, list[float]] = {"site change": [], "confirm": [], "reject": []}
        opened = [walk.shown_site(page)]
        for k in range(10):
            target, ms = walk.pick_site(page, k % 7)
            assert target != opened[-1]
            assert walk.shown_site(page) == target
            assert page.get_by_role("combobox", name="Site").input_value().split(" · ")[1] == f"site {target}"
            opened.append(target)
            times["site change"].append(ms)
        assert len(set(opened)) >= 6
        # Hovering the map shows words, never markup.
        text, markup = _tooltip_text(page)
        page.screenshot(path=str(SHOTS / "3b_triage_map_tooltip.png"))
        assert text.startswith("Site: "), text
        assert "Status: " in text and "Decision: " in text
        assert "<" not in text and "&lt;" not in markup and "<b>" not in markup and "_" not in text
        # A reload keeps the reviewer signed in, on the same page.
        page.reload()
        _idle(page)
        page.get_by_text("Triage queue").wait_for(timeout=60_000)
        assert page.get_by_text("Signed in as").is_visible() and page.url.rstrip("/").endswith("/triage")

        _go(page, "Dashboard")
        page.screenshot(path=str(SHOTS / "4_dashboard.png"), full_page=True)
        _go(page, "Register")
        bad = tmp_path / "not_a_register.csv"
        bad.write_text("nome;cidade\nfoo;bar\n", encoding="utf-8")
        page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(bad))
        _idle(page)
        page.get_by_role("button", name="Import").click()
        _idle(page)
        error = page.locator('[data-testid="stAlert"]', has_text="can't be imported")
        error.wait_for()
        assert "not_a_register.csv" in error.inner_text()
        assert page.get_by_text("Current register: 12 entries").is_visible()  # the bad file stored nothing
        page.screenshot(path=str(SHOTS / "5_register_bad_upload.png"), full_page=True)
        _go(page, "Export")
        page.screenshot(path=str(SHOTS / "6_export.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("button", name="Download CSV").click()
        csv_path = tmp_path / "export.csv"
        download.value.save_as(csv_path)

        # Models: pick a version, promote it with a note; the page says so and shows it promoted.
        _go(page, "Models")
        version = page.get_by_role("combobox", name="Version")
        version.click()
        version.fill("tailings_rgb@2")
        page.get_by_role("option", name="tailings_rgb@2").wait_for()
        version.press("Enter")
        _idle(page)
        page.get_by_label("Why (kept with the promotion)").fill("best real-data model so far")
        page.get_by_role("button", name="Promote tailings_rgb@2").click()
        _idle(page)
        page.get_by_text("tailings_rgb@2 is now the promoted version of tailings_rgb.").wait_for(timeout=30_000)
        assert page.get_by_text("Promoted version of tailings_rgb:").is_visible()
        assert page.get_by_role("button", name="Promote tailings_rgb@2").is_disabled()
        page.screenshot(path=str(SHOTS / "6b_models_promoted.png"), full_page=True)

        # Imagery without an Earth Engine account: the page says so, and still plans the tiles and request.
        _go(page, "Imagery")
        page.locator('[data-testid="stAlert"]', has_text="not configured").wait_for()
        page.get_by_label("West, south, east, north (decimal degrees)").fill("-44.30, -20.30, -43.90, -20.00")
        page.get_by_label("West, south, east, north (decimal degrees)").press("Enter")
        _idle(page)
        page.get_by_text("1 tile(s)").first.wait_for(timeout=30_000)
        assert page.get_by_role("button", name="Download now").is_disabled()
        page.get_by_text("1 tile(s)").first.scroll_into_view_if_needed()
        page.wait_for_timeout(1_000)  # the tile map draws
        page.screenshot(path=str(SHOTS / "7_imagery_plan_without_account.png"))
        page.get_by_text("Draw on a map").click()
        _idle(page)
        page.get_by_text("Draw rectangles or polygons").wait_for()
        assert page.locator('[data-testid="stException"]').count() == 0
        page.screenshot(path=str(SHOTS / "8_imagery_draw_offline.png"))

        # What a reviewer waits for on the demo store, from click to settled (printed, never asserted).
        _go(page, "Triage")
        page.wait_for_function(f"() => !!({walk.HEADING_JS})()")
        for _ in range(3):
            times["confirm"].append(walk.decide(page, "Confirmed")[1])
        for _ in range(3):
            walk.choose_reason(page, "Irrigation", "Irrigation or farm dam")
            times["reject"].append(walk.decide(page, "Rejected")[1])
        _print_timings("demo", times)

    rows = pd.read_csv(csv_path, encoding="utf-8-sig")
    decided = rows.dropna(subset=["decision"]).set_index("decision")
    assert sorted(decided.index) == ["confirmed", "rejected"]
    assert decided.loc["confirmed", "note"] == 'Tailings pond, "not in SIGBM"; visit\nÁrea nova'
    assert decided.loc["rejected", "reason"] == "irrigation_dam"
    assert set(decided["reviewer"]) == {"ana"}
    assert len(rows) == 62 and rows["place_id"].nunique() == 32  # 31 sites in 2024 and in 2025: 32 places
    assert set(rows["period"]) == {2024, 2025} or set(rows["period"].astype(str)) == {"2024", "2025"}


def test_a_shared_link_opens_its_page_after_sign_in(app_url: str, browser_context: Any) -> None:
    page = browser_context.new_page()
    page.goto(f"{app_url}/export")
    _idle(page)
    assert page.get_by_role("heading", name="MineScan: sign in").is_visible()
    assert page.get_by_text("Page not found").count() == 0
    bh.sign_in(page, "ana", PASSWORD)
    page.get_by_role("heading", name="Export decisions").wait_for(timeout=60_000)
    assert page.url.rstrip("/").endswith("/export")
    page.screenshot(path=str(SHOTS / "9_deep_link_after_sign_in.png"))


@pytest.fixture(scope="module")
def load_app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the load benchmark's store: 100,000 sites, 1,000 decisions, 1,000 register dams."""
    home = tmp_path_factory.mktemp("browser_load")
    env = walk.prepare_store(home, "load", 100_000)
    with bh.running_app(env, home / "streamlit.log") as (url, _):
        yield url


@pytest.mark.slow  # 80 s, most of it filling the store; `./run bench-triage-browser --store load` prints the same
def test_triage_timings_on_the_100k_store(load_app_url: str, browser_context: Any) -> None:
    page = browser_context.new_page()
    page.goto(load_app_url)
    _idle(page)
    bh.sign_in(page, "ana", PASSWORD)
    times = walk.walk(page, picks=10, decisions=3)
    page.screenshot(path=str(SHOTS / "10_triage_100k.png"))
    _print_timings("100,000-site", times)
    assert len(times["site change"]) == 10 and len(times["confirm"]) == len(times["reject"]) == 3  # every step ran
