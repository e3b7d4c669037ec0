"""Running the app as a person meets it: ``streamlit run`` on localhost and Debian's chromium driven by Playwright.

Shared by the browser test and the in-browser triage benchmark. Times are taken from the click to the page settled:
Streamlit's script state back to ``notRunning`` and the element the person waits for visible.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.settings import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STATE_JS = """() => document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state')"""


class BrowserUnavailable(RuntimeError):
    """Debian's chromium is not installed."""


def ensure_chromium() -> str:
    """The path of Debian's chromium. Tests never install it: ``./run browser`` (apt-get) is the README's step.

    Raises:
        BrowserUnavailable: not installed, with the command that installs it.
    """
    if not Path(CHROMIUM).exists():
        raise BrowserUnavailable(
            f"Debian's chromium is not installed ({CHROMIUM} is missing): install it with './run browser' "
            "(apt-get install chromium) to run the browser tests"
        )
    return CHROMIUM


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def app_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment for an app whose data, store and users live under ``home``."""
    return {
        **os.environ,
        "MINESCAN_DATA": str(home / "data"),
        "MINESCAN_DB": str(home / "store.duckdb"),
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "NO_GCE_CHECK": "true",
        **extra,
    }


def add_user(env: dict[str, str], username: str, password: str, role: str = "supervisor", name: str = "") -> None:
    """Create an account the way an administrator does (password on standard input)."""
    subprocess.run(
        [sys.executable, "-m", "cli", "users", "add", username, "--role", role, "--name", name or username,
         "--password-stdin"],
        input=f"{password}\n", text=True, cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip


@contextmanager
def running_app(env: dict[str, str], log_path: Path) -> Iterator[tuple[str, float]]:
    """``streamlit run app.py`` on a free port; yields its URL and the seconds it took to answer its health check."""
    port = free_port()
    started = time.monotonic()
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                        break
                except OSError:
                    time.sleep(0.2)
            else:
                raise RuntimeError("streamlit did not start: " + log_path.read_text()[-2000:])
            yield url, time.monotonic() - started
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def chromium(profile: Path, locale: str = "en-US") -> Iterator[Any]:
    """A headless chromium (a fresh profile under ``profile``, the browser's language ``locale``) as a Playwright
    browser context."""
    from playwright.sync_api import sync_playwright

    executable = ensure_chromium()
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=executable, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1500, "height": 1000}, accept_downloads=True, locale=locale,
        )  # fmt: skip
        try:
            yield context
        finally:
            context.close()


def settle(page: Any, ready: str | None = None, timeout_ms: int = 120_000) -> None:
    """Wait for the run a click caused to start (if it has not yet) and end, then for ``ready`` (a JS predicate)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(f"() => ({STATE_JS})() === 'running'", timeout=1_500, polling=20)
    except PlaywrightTimeout:
        pass  # the run was quicker than the poll, or nothing needed to run
    page.wait_for_function(f"() => ({STATE_JS})() === 'notRunning'", timeout=timeout_ms, polling=20)
    if ready:
        page.wait_for_function(ready, timeout=timeout_ms, polling=20)


def timed(page: Any, action: Callable[[], object], ready: str) -> float:
    """Milliseconds from ``action`` (a click) until the page has settled and ``ready`` (a JS predicate) holds.

    ``ready`` must be false before the click (it names what the person waits to see), so the wait cannot end on the
    page as it was.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    started = time.perf_counter()
    action()
    page.wait_for_function(ready, timeout=120_000, polling=20)
    try:  # and the run that drew it has ended (nothing still greyed out)
        page.wait_for_function(f"() => ({STATE_JS})() === 'notRunning'", timeout=120_000, polling=20)
    except PlaywrightTimeout:
        pass
    return (time.perf_counter() - started) * 1000


def sign_in(page: Any, username: str, password: str) -> None:
    """Fill and send the local sign-in form, and wait for the signed-in sidebar."""
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Signed in as").wait_for(timeout=60_000)
    settle(page)
