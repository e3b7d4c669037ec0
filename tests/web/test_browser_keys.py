"""A reviewer decides ten sites of the two-period demo with the keyboard alone in a real browser: reason keys,
Y / N / U to decide, J / K to move. Prints the median and the worst seconds per decision (never asserted).

Screenshots go to ``artifacts/screenshots/``.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.settings import ROOT
from db.store import Store
from tests import browser_harness as bh
from tests.bench_triage_browser import heading_is, heading_not, shown_site
from tests.conftest import copy_demo_store

SHOTS = ROOT / "artifacts" / "screenshots"
PASSWORD = "a long enough password"
pytestmark = pytest.mark.browser
#: What the ten decisions are: (reason key or None, decision key, the decision and reason the store must hold).
PLAN = [
    (None, "y", "confirmed", None),
    ("2", "n", "rejected", "river_bank"),
    (None, "u", "unsure", None),
    ("7", "y", "confirmed", "mine_visible"),
    ("1", "n", "rejected", "irrigation_dam"),
    (None, "y", "confirmed", None),
    ("0", "n", "rejected", "other"),
    (None, "u", "unsure", None),
    (None, "y", "confirmed", None),
    ("5", "n", "rejected", "agriculture"),
]

#: JS predicate: the Reason box shows a reason (not its placeholder), so N rejects instead of asking for one.
REASON_PICKED = (
    "() => [...document.querySelectorAll('[data-testid=\"stSelectbox\"]')]"
    ".some(e => e.innerText.startsWith('Reason') && !e.innerText.includes('required to reject'))"
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, two_period_demo: Path) -> Iterator[tuple[str, Path]]:
    home = tmp_path_factory.mktemp("browser-keys")
    store = copy_demo_store(two_period_demo, home / "store.duckdb")
    env = bh.app_env(home)
    bh.add_user(env, "ana", PASSWORD, "reviewer", "Ana Revisora")
    with bh.running_app(env, home / "streamlit.log") as (url, _):
        yield url, store


def test_ten_sites_are_decided_with_the_keyboard_alone(app: tuple[str, Path], browser_context: Any) -> None:
    url, store_path = app
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser_context.new_page()
    page.goto(f"{url}/triage")
    bh.sign_in(page, "ana", PASSWORD)
    page.wait_for_function("() => [...document.querySelectorAll('h3')].some(h => /^Site \\d+/.test(h.innerText))",
                           timeout=60_000)  # fmt: skip
    page.get_by_text("Keys: Y confirm").wait_for()

    # J and K move through the page without deciding.
    first = shown_site(page)
    assert first is not None
    bh.timed(page, lambda: page.keyboard.press("j"), heading_not(first))
    second = shown_site(page)
    bh.timed(page, lambda: page.keyboard.press("k"), heading_is(first))

    decided: list[int] = []
    seconds: list[float] = []
    for reason_key, decision_key, _, _ in PLAN:
        site = shown_site(page)
        assert site is not None and site not in decided
        if reason_key is not None:
            page.keyboard.press(reason_key)  # then wait, as a person does, until the Reason box shows the pick
            bh.settle(page, REASON_PICKED)
        ms = bh.timed(page, lambda k=decision_key: page.keyboard.press(k), heading_not(site))
        decided.append(site)
        seconds.append(ms / 1000)
        if len(decided) == 1:
            page.screenshot(path=str(SHOTS / "12a_triage_keyboard.png"), full_page=True)
    assert second is not None

    reviews = Store(store_path).read(
        lambda con: con.execute(
            "SELECT site_id, decision, reason FROM review WHERE reviewer = 'ana' ORDER BY id"
        ).fetchall()
    )
    assert [r[0] for r in reviews] == decided
    assert [(r[1], r[2]) for r in reviews] == [(d, reason) for _, _, d, reason in PLAN]
    print(f"\n[browser] keyboard decisions: median {statistics.median(seconds):.2f} s, worst {max(seconds):.2f} s "
          f"per decision over {len(seconds)} (key press to the next site's panel settled)")  # fmt: skip
