"""``users``: the app's accounts and roles (the users file; passwords are kept as salted hashes only)."""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from typing import Any

from core import settings
from core.access import users as u
from core.errors import MineScanError


def _read_password(args: argparse.Namespace) -> str:
    """A new password from standard input (--password-stdin, for scripts) or typed twice at a prompt."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Repeat it: "):
        raise MineScanError("the two passwords differ; nothing was changed")
    return first


def _list(path: Any) -> int:
    accounts = u.load_users(path)
    print(f"Users file: {path} ({len(accounts)} user(s))")
    for user in accounts.values():
        how = ", ".join(x for x in ("password" if user.password_hash else "", user.email and "OIDC") if x)
        state = " DISABLED" if user.disabled else ""
        print(f"  {user.username:<20} {user.role:<10} {user.email or '-':<30} sign-in: {how}{state}")
    return 0


def _demo(path: Any) -> int:
    if u.load_users(path):
        print(f"{path} already has users; the demo account is only created in an empty users file.")
        return 0
    password = secrets.token_urlsafe(9)
    u.add_user(path, "demo", "supervisor", password=password, display_name="Demo supervisor")
    note = settings.data_dir() / "demo-credentials.txt"
    note.write_text(f"username: demo\npassword: {password}\n", encoding="utf-8")
    note.chmod(0o600)
    print(f"Created the demo account: sign in as 'demo' with password {password} (also in {note}).")
    return 0


def _revoke_sessions(username: str) -> str:
    """End the disabled user's open sign-ins in the store, if there is one."""
    if not settings.db_path().exists():
        return ""
    from db.sessions import revoke_user_sessions
    from db.store import Store

    count = Store(settings.db_path(), wait_s=20).write(
        lambda con: revoke_user_sessions(con, username, "account disabled")
    )
    return f" {count} open sign-in(s) ended."


def cmd_users(args: argparse.Namespace) -> int:
    """Manage the accounts and roles of the app."""
    path = settings.users_path()
    if args.action == "list":
        return _list(path)
    if args.action == "demo":
        return _demo(path)
    if not args.username:
        raise MineScanError(f"'users {args.action}' needs a username")
    if args.action == "add":
        if not args.role:
            raise MineScanError(f"give the role with --role: {', '.join(u.ROLES)}")
        password = _read_password(args) if (args.password_stdin or not args.email) else ""
        user = u.add_user(
            path, args.username, args.role, password=password, email=args.email or "", display_name=args.name or ""
        )
        print(f"Added {user.username} as {user.role} ({u.ROLE_HELP[user.role]}).")
    elif args.action == "set-role":
        if not args.role:
            raise MineScanError("give the new role with --role")
        print(f"{u.update_user(path, args.username, role=args.role).username} is now a {args.role}.")
    elif args.action == "passwd":
        u.update_user(path, args.username, password=_read_password(args))
        print(f"Password of {args.username} changed.")
    elif args.action in ("disable", "enable"):
        u.update_user(path, args.username, disabled=args.action == "disable")
        ended = _revoke_sessions(args.username) if args.action == "disable" else ""
        print(f"{args.username} {args.action}d: decisions already made stay, with their name.{ended}")
    return 0


def add_parsers(sub: Any) -> None:
    """``users``."""
    p = sub.add_parser("users", help="accounts and roles of the app: list, add, set-role, passwd, disable, enable")
    p.add_argument("action", choices=["list", "add", "set-role", "passwd", "disable", "enable", "demo"])
    p.add_argument("username", nargs="?")
    p.add_argument("--role", choices=["reviewer", "supervisor", "manager"], default=None)
    p.add_argument("--email", help="the e-mail an OpenID Connect provider vouches for (OIDC sign-in)")
    p.add_argument("--name", help="display name")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=cmd_users)
