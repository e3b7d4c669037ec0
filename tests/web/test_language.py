"""The app in the person's language: Portuguese by default, English on request, the choice kept with the account."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.connection import connect
from db.person_settings import person_language
from tests.app_harness import REVIEWER, open_app
from ui.language import PICKED

pytestmark = pytest.mark.usefixtures("clean_caches")


def _sidebar_buttons(at: object) -> list[str]:
    return [b.label for b in at.sidebar.button]  # type: ignore[attr-defined]


def test_with_no_choice_and_no_browser_the_app_speaks_portuguese(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINESCAN_LANGUAGE", "pt_BR")  # the server's default (unset, it is pt-BR too)
    at = open_app("app_pages/overview.py", REVIEWER)
    assert not at.exception, at.exception
    assert "Sair" in _sidebar_buttons(at)
    assert [c.value for c in at.sidebar.caption][0] == "Conectado como"
    assert at.sidebar.selectbox(key="ui_language_picker").value == "pt_BR"


def test_a_person_who_picks_english_keeps_it_in_the_next_session(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINESCAN_LANGUAGE", "pt_BR")
    at = open_app("app_pages/overview.py", REVIEWER)
    at.sidebar.selectbox(key="ui_language_picker").set_value("en").run()
    assert not at.exception, at.exception
    assert "Sign out" in _sidebar_buttons(at) and at.session_state[PICKED] == "en"
    con = connect(env / "store.duckdb")
    try:
        assert person_language(con, REVIEWER.username) == "en"
    finally:
        con.close()
    again = open_app("app_pages/overview.py", REVIEWER)  # another browser, the same person: English again
    assert "Sign out" in _sidebar_buttons(again)
    back = open_app("app_pages/overview.py", REVIEWER)
    back.sidebar.selectbox(key="ui_language_picker").set_value("pt_BR").run()
    assert "Sair" in _sidebar_buttons(back)
