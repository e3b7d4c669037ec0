"""The app in a Portuguese and in an English browser: the sign-in form, the Overview and the triage queue in the
browser's language with nothing of the other left over
(a person's stored choice beating the browser's is tested with AppTest in test_language.py).

Screenshots go to ``artifacts/screenshots/`` (lang-pt-*, lang-en-*); the waits are printed, never asserted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.settings import ROOT
from tests import browser_harness as bh
from tests.conftest import copy_demo_store

SHOTS = ROOT / "artifacts" / "screenshots"
PASSWORD = "a long enough password"
pytestmark = pytest.mark.browser

#: What each language shows on the way in, and what it must not show (the other language's words).
WORDS = {
    "pt-BR": {"user": "Usuário", "password": "Senha", "sign_in": "Entrar", "signed_in": "Conectado como",
              "sign_out": "Sair", "queue": "Fila de triagem", "overview": "Visão geral"},
    "en-US": {"user": "Username", "password": "Password", "sign_in": "Sign in", "signed_in": "Signed in as",
              "sign_out": "Sign out", "queue": "Triage queue", "overview": "Overview"},
}  # fmt: skip


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, two_period_demo: Path) -> Iterator[str]:
    try:
        bh.ensure_chromium()
    except bh.BrowserUnavailable as err:
        pytest.skip(str(err))
    home = tmp_path_factory.mktemp("browser-language")
    copy_demo_store(two_period_demo, home / "store.duckdb")
    env = bh.app_env(home)
    env.pop("MINESCAN_LANGUAGE", None)  # the server's default, pt-BR: only the browser's locale says English
    bh.add_user(env, "ana", PASSWORD, "reviewer", "Ana Revisora")
    bh.add_user(env, "bia", PASSWORD, "reviewer", "Bia")
    with bh.running_app(env, home / "streamlit.log") as (url, _started):
        yield url


def _walk(url: str, locale: str, profile: Path, username: str) -> Any:
    words, other = WORDS[locale], WORDS["en-US" if locale == "pt-BR" else "pt-BR"]
    short = locale[:2]
    with bh.chromium(profile, locale=locale) as context:
        page = context.new_page()
        page.goto(f"{url}/triage")
        page.get_by_label(words["user"], exact=True).wait_for(timeout=60_000)
        bh.settle(page)
        page.screenshot(path=str(SHOTS / f"lang-{short}-1-sign-in.png"))
        page.get_by_label(words["user"], exact=True).fill(username)
        page.get_by_label(words["password"], exact=True).fill(PASSWORD)
        started = time.monotonic()
        page.get_by_role("button", name=words["sign_in"]).click()
        page.get_by_text(words["signed_in"]).wait_for(timeout=60_000)
        page.get_by_text(words["queue"]).first.wait_for(timeout=60_000)
        bh.settle(page)
        print(f"\n{locale}: sign-in to the triage queue {time.monotonic() - started:.2f} s")
        page.screenshot(path=str(SHOTS / f"lang-{short}-2-triage.png"), full_page=True)
        body = page.locator("body").inner_text()
        for word in ("signed_in", "sign_out", "queue"):
            assert other[word] not in body, f"{other[word]!r} on the {locale} triage page"
        page.get_by_role("link", name=words["overview"]).click()
        bh.settle(page)
        page.screenshot(path=str(SHOTS / f"lang-{short}-3-overview.png"), full_page=True)
        return page.locator("body").inner_text()


def test_a_portuguese_browser_reads_portuguese(app_url: str, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    body = _walk(app_url, "pt-BR", tmp_path / "pt", "ana")
    assert "Visão geral" in body and "Overview" not in body


def test_an_english_browser_reads_english(app_url: str, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    body = _walk(app_url, "en-US", tmp_path / "en", "bia")
    assert "Overview" in body and "Visão geral" not in body
