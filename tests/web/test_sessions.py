"""Sign-ins that survive a reload: signed tokens kept as hashes, idle expiry, revocation, disabled accounts."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.access import sessions as cs
from core.access.users import User, add_user, update_user
from core.settings import ROOT
from db import sessions as ds
from db.connection import connect
from ui import state

pytestmark = pytest.mark.usefixtures("clean_caches")
PASSWORD = "correct horse battery"


def test_a_token_is_signed_and_only_its_hash_is_kept() -> None:
    token, hash_ = cs.issue_token(b"k" * 32)
    assert cs.signature_ok(token, b"k" * 32)
    assert not cs.signature_ok(token, b"x" * 32)  # another server's secret
    body, _, sig = token.partition(".")
    assert not cs.signature_ok(f"{body}.{sig[:-1]}A" if sig[-1] != "A" else f"{body}.{sig[:-1]}B", b"k" * 32)
    assert not cs.signature_ok("no-dot-at-all", b"k" * 32) and not cs.signature_ok("", b"k" * 32)
    assert hash_ == cs.token_hash(token) and token not in hash_ and len(hash_) == 64


def test_what_ends_a_session() -> None:
    now = datetime(2026, 12, 6, 12, 0)
    idle = timedelta(hours=8)
    user = User("ana", "reviewer")
    live = cs.SessionRecord("h", "ana", "password", now - timedelta(hours=9), now - timedelta(hours=7, minutes=59))
    assert cs.session_problem(live, user, now, idle) is None
    stale = cs.SessionRecord("h", "ana", "password", now - timedelta(hours=9), now - timedelta(hours=8, minutes=1))
    assert "8 hours without activity" in str(cs.session_problem(stale, user, now, idle))
    revoked = cs.SessionRecord("h", "ana", "password", now, now, now, "signed out in the app")
    assert "signed out in the app" in str(cs.session_problem(revoked, user, now, idle))
    assert "disabled" in str(cs.session_problem(live, User("ana", "reviewer", disabled=True), now, idle))
    assert "no longer exists" in str(cs.session_problem(live, None, now, idle))
    assert "not known" in str(cs.session_problem(None, user, now, idle))


def test_the_cookie_script_holds_nothing_but_the_token() -> None:
    token, _ = cs.issue_token(b"k" * 32)
    script = cs.cookie_script(token, secure=True)
    assert f"{cs.COOKIE_NAME}={token};" in script and "SameSite=Strict" in script and "Secure" in script
    assert "Max-Age=0" in cs.cookie_script(None, secure=False)
    with pytest.raises(ValueError):
        cs.cookie_script('x";alert(1);"', secure=False)


def _sign_in(env: Path) -> tuple[AppTest, str]:
    """Sign in through the form; the app and the token it handed the browser."""
    add_user(env / "data" / "users.json", "ana", "reviewer", password=PASSWORD)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.text_input[0].input("ana")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception and at.title[0].value != "MineScan: sign in"
    scripts = [e.proto.body for e in at.get("html")] if at.get("html") else []
    token = next(s.split(f"{cs.COOKIE_NAME}=")[1].split(";")[0] for s in scripts if cs.COOKIE_NAME in s)
    return at, token


def _reload(monkeypatch: pytest.MonkeyPatch, token: str) -> AppTest:
    """A new browser connection that presents ``token`` in its cookie (a reload, a new tab, a shared link)."""
    from ui import auth

    monkeypatch.setattr(auth, "presented_token", lambda: token)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()


def _signed_in(at: AppTest) -> bool:
    return not at.exception and at.title[0].value != "MineScan: sign in"


def test_a_reload_stays_signed_in_and_the_store_has_only_the_hash(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, token = _sign_in(env)
    con = connect(env / "store.duckdb")
    stored = con.execute("SELECT token_hash, username FROM app_session").fetchall()
    con.close()
    assert stored == [(cs.token_hash(token), "ana")]
    assert (env / "store.duckdb").read_bytes().find(token.encode()) == -1  # the token itself is nowhere in the store
    again = _reload(monkeypatch, token)
    assert _signed_in(again) and again.session_state[state.IDENTITY].username == "ana"


def test_a_stolen_or_forged_token_gets_the_sign_in_form(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, token = _sign_in(env)
    forged, _ = cs.issue_token(b"someone else's secret".ljust(32))
    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "garbage"):
        at = _reload(monkeypatch, bad)
        assert not _signed_in(at) and at.title[0].value == "MineScan: sign in"
        assert state.IDENTITY not in at.session_state


def test_an_idle_session_expires(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, token = _sign_in(env)
    con = connect(env / "store.duckdb")
    con.execute("UPDATE app_session SET last_seen = last_seen - INTERVAL 9 HOUR")
    con.close()
    at = _reload(monkeypatch, token)
    assert at.title[0].value == "MineScan: sign in"
    assert any("8 hours without activity" in i.value for i in at.info)
    monkeypatch.setenv("MINESCAN_SESSION_IDLE_HOURS", "12")  # the limit is the deployment's choice
    assert _signed_in(_reload(monkeypatch, token))


def test_sign_out_revokes_the_token(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at, token = _sign_in(env)
    next(b for b in at.button if b.label == "Sign out").click().run()
    assert at.title[0].value == "MineScan: sign in"
    assert any("Max-Age=0" in e.proto.body for e in at.get("html"))  # the browser is told to drop the cookie
    con = connect(env / "store.duckdb")
    assert con.execute("SELECT revoked_why FROM app_session").fetchall() == [("signed out in the app",)]
    con.close()
    again = _reload(monkeypatch, token)
    assert again.title[0].value == "MineScan: sign in"
    assert any("signed out in the app" in i.value for i in again.info)


def test_disabling_a_user_ends_their_session_at_once(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at, token = _sign_in(env)
    update_user(env / "data" / "users.json", "ana", disabled=True)
    at.run()  # the next click in the open tab
    assert at.title[0].value == "MineScan: sign in" and state.IDENTITY not in at.session_state
    assert any("disabled" in i.value for i in at.info)
    assert _reload(monkeypatch, token).title[0].value == "MineScan: sign in"
    update_user(env / "data" / "users.json", "ana", disabled=False)
    assert _signed_in(_reload(monkeypatch, token))  # not revoked in the store: the app only refused it


def test_the_command_line_disable_revokes_every_open_session(env: Path) -> None:
    import subprocess
    import sys

    _sign_in(env)
    out = subprocess.run(
        [sys.executable, "-m", "cli", "users", "disable", "ana"], cwd=ROOT, capture_output=True, text=True,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "1 open sign-in(s) ended" in out.stdout
    con = connect(env / "store.duckdb")
    assert con.execute("SELECT revoked_why FROM app_session").fetchall() == [("account disabled",)]
    assert ds.get_session(con, con.execute("SELECT token_hash FROM app_session").fetchone()[0]) is not None
    con.close()
