"""Accounts, password hashes, roles and the users command."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

import pytest

from cli.main import main
from core.access.users import (
    AuthError,
    Identity,
    PermissionDenied,
    add_user,
    authenticate,
    can,
    hash_password,
    identity_for_email,
    load_users,
    require,
    update_user,
    verify_password,
)


def test_hashes_are_salted_and_verify_only_the_right_password() -> None:
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first != second and first.startswith("scrypt$")
    assert verify_password("correct horse battery", first) and verify_password("correct horse battery", second)
    assert not verify_password("correct horse batterY", first)
    assert not verify_password("anything", "not-a-hash") and not verify_password("x", "scrypt$1$2$3$%%%$%%%")


def test_the_users_file_keeps_no_password_and_only_its_owner_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    add_user(path, "ana", "reviewer", password="correct horse battery", display_name="Ana <b>Auditora</b>")
    text = path.read_text()
    assert "correct horse battery" not in text and "scrypt$" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_users(path)["ana"].display_name == "Ana <b>Auditora</b>"  # kept as text; pages escape it


def test_sign_in_does_not_tell_unknown_users_from_wrong_passwords(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    add_user(path, "ana", "reviewer", password="correct horse battery")
    users = load_users(path)
    assert authenticate(users, "ana", "correct horse battery") == Identity("ana", "reviewer", "", "password")
    assert authenticate(users, " ANA ", "correct horse battery").username == "ana"
    for name, password in (("ana", "wrong"), ("nobody", "correct horse battery"), ("ana", "")):
        with pytest.raises(AuthError) as err:
            authenticate(users, name, password)
        assert str(err.value) == "unknown username or wrong password"
    update_user(path, "ana", disabled=True)
    with pytest.raises(AuthError, match="disabled"):
        authenticate(load_users(path), "ana", "correct horse battery")


def test_bad_accounts_are_refused_with_reasons(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    cases = [
        (("Ana Maria", "reviewer"), {"password": "correct horse battery"}, "lowercase letters"),
        (("ana", "admin"), {"password": "correct horse battery"}, "unknown role 'admin'"),
        (("ana", "reviewer"), {"password": "short"}, "at least 10 characters"),
        (("ana", "reviewer"), {}, "give a password"),
        (("ana", "reviewer"), {"email": "not-an-email"}, "not an e-mail address"),
    ]
    for args, kwargs, message in cases:
        with pytest.raises(AuthError, match=message):
            add_user(path, *args, **kwargs)
    add_user(path, "ana", "reviewer", email="Ana@TCU.gov.br")
    with pytest.raises(AuthError, match="exists"):
        add_user(path, "ana", "manager", password="correct horse battery")
    with pytest.raises(AuthError, match="belongs to another user"):
        add_user(path, "bia", "manager", email="ana@tcu.gov.br")
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(AuthError, match="not a MineScan users file"):
        load_users(tmp_path / "broken.json")


def test_oidc_users_get_their_role_from_the_file_by_email(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    add_user(path, "ana", "supervisor", email="ana@tcu.gov.br")
    users = load_users(path)
    assert identity_for_email(users, "ANA@tcu.gov.br") == Identity("ana", "supervisor", "", "oidc")
    with pytest.raises(AuthError, match="users add NAME --role reviewer --email bia@x.org"):
        identity_for_email(users, "bia@x.org")
    with pytest.raises(AuthError, match="unknown username"):
        authenticate(users, "ana", "")  # an OIDC-only account has no password to guess


def test_roles_and_capabilities() -> None:
    reviewer, supervisor, manager = (Identity(r, r, "", "password") for r in ("reviewer", "supervisor", "manager"))
    assert can(reviewer, "decide") and can(supervisor, "decide") and not can(manager, "decide")
    assert can(supervisor, "supervise") and not can(reviewer, "supervise")
    assert can(manager, "export") and can(manager, "view_dashboard") and not can(manager, "scan")
    assert not can(None, "export") and not can(supervisor, "no_such_action")
    with pytest.raises(PermissionDenied, match="reviewer is a reviewer; 'import register' needs the role supervisor"):
        require(reviewer, "import_register")


def test_users_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MINESCAN_DATA", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["users", "add", "ana", "--role", "reviewer", "--password-stdin"]) == 0
    assert main(["users", "add", "bia", "--role", "manager", "--email", "bia@tcu.gov.br"]) == 0
    assert main(["users", "add", "caio"]) == 2
    assert "give the role with --role" in capsys.readouterr().err
    assert main(["users", "set-role", "ana", "--role", "supervisor"]) == 0
    assert main(["users", "disable", "bia"]) == 0
    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "ana" in out and "supervisor" in out and "DISABLED" in out and "correct horse" not in out
    data = json.loads((tmp_path / "users.json").read_text())
    assert {u["username"]: u["role"] for u in data["users"]} == {"ana": "supervisor", "bia": "manager"}
    # The demo account is only made in an empty users file.
    assert main(["users", "demo"]) == 0 and "already has users" in capsys.readouterr().out


def test_demo_account_prints_a_working_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MINESCAN_DATA", str(tmp_path))
    assert main(["users", "demo"]) == 0
    password = capsys.readouterr().out.split("password ")[1].split(" ")[0]
    assert authenticate(load_users(tmp_path / "users.json"), "demo", password).role == "supervisor"
    assert stat.S_IMODE((tmp_path / "demo-credentials.txt").stat().st_mode) == 0o600
