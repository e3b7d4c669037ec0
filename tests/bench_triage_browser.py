"""In-browser benchmark of the triage page: what a reviewer waits for, from the click to the page settled.

Run: ``./run bench-triage-browser [--store demo|load] [--sites 100000]``. Starts the app on a store of its own (the
synthetic demo, or the load benchmark's store of ``--sites`` sites), signs in with Debian's chromium, opens Triage
and times: the first open, ten site changes from the selector, five confirms and five rejects. Prints the median and
the worst of each (never asserted: the numbers depend on the machine).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from core.settings import ROOT
from tests import browser_harness as bh

PASSWORD = "minas-gerais-2019"
#: The panel's heading names the site it shows: ``Site 12: Unregistered``.
HEADING_JS = """() => [...document.querySelectorAll('h3')].map(h => h.innerText).find(t => /^Site \\d+/.test(t))"""


def prepare_store(home: Path, store: str, sites: int) -> dict[str, str]:
    """The app environment with its store filled: the demo, or ``sites`` load-benchmark sites."""
    env = bh.app_env(home)
    if store == "demo":
        subprocess.run([sys.executable, "-m", "cli", "demo-store"], cwd=ROOT, env=env, check=True,
                       capture_output=True)  # fmt: skip
    else:
        from tests.bench_triage_load import fill_store

        fill_store(home / "store.duckdb", sites, 1_000)
    bh.add_user(env, "ana", PASSWORD, "supervisor", "Ana Auditora")
    return env


def shown_site(page: Any) -> int | None:
    """The site id in the panel's heading, if one shows."""
    text = page.evaluate(HEADING_JS)
    return int(text.split()[1].rstrip(":")) if text else None


def heading_is(site_id: int) -> str:
    """JS predicate: the panel shows ``site_id``."""
    return f"() => ({HEADING_JS})()?.startsWith('Site {site_id}:')"


def heading_not(site_id: int) -> str:
    """JS predicate: the panel shows a site other than ``site_id``."""
    return f"() => {{ const t = ({HEADING_JS})(); return !!t && !t.startsWith('Site {site_id}:'); }}"


def site_options(page: Any) -> list[tuple[int, Any]]:
    """Open the Site selector; its options as (site id, locator)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    box = page.get_by_role("combobox", name="Site")
    options = page.get_by_role("option")
    for _ in range(3):  # a click on a list that is still open closes it: open it again
        box.click()
        try:
            options.first.wait_for(timeout=3_000)
            break
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    options.first.wait_for()
    out = []
    for k in range(min(options.count(), 30)):
        option = options.nth(k)
        label = option.inner_text()
        out.append((int(label.split(" · site ")[1].split(" ·")[0]), option))
    return out


def pick_site(page: Any, index: int) -> tuple[int, float]:
    """Choose the ``index``-th other site in the selector; its id and the milliseconds until its panel shows."""
    current = shown_site(page)
    options = [(site, option) for site, option in site_options(page) if site != current]
    target, option = options[index % len(options)]
    ms = bh.timed(page, option.click, heading_is(target))
    return target, ms


def choose_reason(page: Any, text: str, option: str) -> None:
    """Type into the Reason selector and pick ``option`` (as a person does)."""
    reason = page.get_by_role("combobox", name="Reason")
    reason.click()
    reason.fill(text)
    page.get_by_role("option", name=option).wait_for()
    reason.press("Enter")
    bh.settle(page)
    page.get_by_role("button", name="Rejected").and_(page.locator(":enabled")).wait_for()


def decide(page: Any, button: str) -> tuple[int, float]:
    """Click a decision button; the decided site and the milliseconds until the next site's panel shows."""
    before = shown_site(page)
    assert before is not None
    ms = bh.timed(page, page.get_by_role("button", name=button).click, heading_not(before))
    return before, ms


def open_triage(page: Any) -> float:
    """Milliseconds from clicking Triage in the sidebar to the first site's panel."""
    link = page.locator('[data-testid="stSidebarNav"] a', has_text="Triage").first
    return bh.timed(page, link.click, f"() => !!({HEADING_JS})()")


def walk(page: Any, picks: int = 10, decisions: int = 5) -> dict[str, list[float]]:
    """The timed walk on an open, signed-in app: first Triage open, site changes, confirms, rejects."""
    times: dict[str, list[float]] = {"open triage": [open_triage(page)], "site change": [], "confirm": [],
                                     "reject": []}  # fmt: skip
    for k in range(picks):
        times["site change"].append(pick_site(page, k % 7)[1])
    for _ in range(decisions):
        times["confirm"].append(decide(page, "Confirmed")[1])
    for _ in range(decisions):
        choose_reason(page, "Irrigation", "Irrigation or farm dam")
        times["reject"].append(decide(page, "Rejected")[1])
    return times


def report(store: str, times: dict[str, list[float]], server_start_s: float) -> str:
    """The printed table: median and worst per action."""
    lines = [f"in-browser triage timings on the {store} store (server up in {server_start_s:.1f} s):"]
    for action, values in times.items():
        lines.append(
            f"  {action:>12}: median {statistics.median(values):6.0f} ms  worst {max(values):6.0f} ms  "
            f"(n={len(values)})"
        )
    return "\n".join(lines)


def run(store: str, sites: int) -> dict[str, list[float]]:
    """Set up, start, walk, print; returns the times."""
    home = Path(tempfile.mkdtemp(prefix=f"minescan_browser_{store}_"))
    started = time.perf_counter()
    env = prepare_store(home, store, sites)
    print(f"{store} store ready in {time.perf_counter() - started:.1f} s ({home})")
    with bh.running_app(env, home / "streamlit.log") as (url, up_s), bh.chromium(home / "profile") as context:
        page = context.new_page()
        page.goto(url)
        bh.settle(page)
        bh.sign_in(page, "ana", PASSWORD)
        times = walk(page)
        page.screenshot(path=str(home / "triage.png"), full_page=True)
    print(report(store, times, up_s))
    (home / "times.json").write_text(json.dumps(times))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=["demo", "load", "both"], default="both")
    parser.add_argument("--sites", type=int, default=100_000)
    args = parser.parse_args(argv)
    for store in ("demo", "load") if args.store == "both" else (args.store,):
        run(store, args.sites)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
