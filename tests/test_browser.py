"""A person's walk through the app in a real browser: demo -> triage -> confirm and reject -> export CSV.

Streamlit runs with ``streamlit run`` on localhost; Debian's chromium (installed here with apt-get if missing, never
a browser download) is driven by Playwright. Screenshots of each page go to ``artifacts/screenshots/`` (not
committed) so a person can look at them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from core.settings import ROOT

CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "artifacts" / "screenshots"
pytestmark = pytest.mark.browser


def _ensure_chromium() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], capture_output=True, timeout=900)
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed and could not be installed with apt-get (needs root)")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("browser")
    port = _free_port()
    env = {
        **os.environ,
        "MINESCAN_DATA": str(home / "data"),
        "MINESCAN_DB": str(home / "store.duckdb"),
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    # The account the walk signs in with, made the way an administrator would (password from standard input).
    subprocess.run(
        [sys.executable, "-m", "core.cli", "users", "add", "ana", "--role", "supervisor", "--name", "Ana Auditora",
         "--password-stdin"],
        input=f"{PASSWORD}\n", text=True, cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    log = (home / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("streamlit did not start: " + (home / "streamlit.log").read_text()[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)


PASSWORD = "minas-gerais-2019"
STATE_JS = """() => document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state')"""


def _idle(page: object) -> None:
    """Wait for Streamlit to start the rerun a click caused (if it has not yet) and then to finish it."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"() => ({STATE_JS})() === 'running'", timeout=3_000)  # type: ignore[attr-defined]
    except PlaywrightTimeout:
        pass  # the run was quicker than the poll, or nothing needed to run
    page.wait_for_function(f"() => ({STATE_JS})() === 'notRunning'", timeout=240_000)  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]


def _go(page: object, label: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=label).first.click()  # type: ignore[attr-defined]
    _idle(page)


def test_demo_triage_decide_export(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    executable = _ensure_chromium()
    SHOTS.mkdir(parents=True, exist_ok=True)
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=args)
        page = browser.new_page(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
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
        browser.close()

    rows = pd.read_csv(csv_path, encoding="utf-8-sig")
    decided = rows.dropna(subset=["decision"]).set_index("decision")
    assert sorted(decided.index) == ["confirmed", "rejected"]
    assert decided.loc["confirmed", "note"] == 'Tailings pond, "not in SIGBM"; visit\nÁrea nova'
    assert decided.loc["rejected", "reason"] == "irrigation_dam"
    assert set(decided["reviewer"]) == {"ana"}
    assert len(rows) == 31
