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
from core.wording.translate import _, ngettext


def _read_password(args: argparse.Namespace) -> str:
    """A new password from standard input (--password-stdin, for scripts) or typed twice at a prompt."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(_("New password: "))
    if first != getpass.getpass(_("Repeat it: ")):
        raise MineScanError(_("the two passwords differ; nothing was changed"))
    return first


def _list(path: Any) -> int:
    accounts = u.load_users(path)
    print(
        ngettext("Users file: {file} ({n} user(s))", "Users file: {file} ({n} user(s))", len(accounts)).format(
            file=path, n=len(accounts)
        )
    )
    for user in accounts.values():
        how = ", ".join(x for x in (_("password") if user.password_hash else "", user.email and "OIDC") if x)
        sign_in = (_("sign-in: {how} DISABLED") if user.disabled else _("sign-in: {how}")).format(how=how)
        print(f"  {user.username:<20} {user.role:<10} {user.email or '-':<30} {sign_in}")
    return 0


def _demo(path: Any) -> int:
    if u.load_users(path):
        print(_("{file} already has users; the demo account is only created in an empty users file.").format(file=path))
        return 0
    password = secrets.token_urlsafe(9)
    u.add_user(path, "demo", "supervisor", password=password, display_name="Demo supervisor")
    note = settings.data_dir() / "demo-credentials.txt"
    note.write_text(f"username: demo\npassword: {password}\n", encoding="utf-8")
    note.chmod(0o600)
    print(
        _("Created the demo account: sign in as 'demo' with password {password} (also in {file}).").format(
            password=password, file=note
        )
    )
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
    return " " + ngettext("{n} open sign-in(s) ended.", "{n} open sign-in(s) ended.", count).format(n=count)


def cmd_users(args: argparse.Namespace) -> int:
    """Manage the accounts and roles of the app."""
    path = settings.users_path()
    if args.action == "list":
        return _list(path)
    if args.action == "demo":
        return _demo(path)
    if not args.username:
        raise MineScanError(_("'users {action}' needs a username").format(action=args.action))
    if args.action == "add":
        if not args.role:
            raise MineScanError(_("give the role with --role: {roles}").format(roles=", ".join(u.ROLES)))
        password = _read_password(args) if (args.password_stdin or not args.email) else ""
        user = u.add_user(
            path, args.username, args.role, password=password, email=args.email or "", display_name=args.name or ""
        )
        print(
            _("Added {username} as {role} ({what}).").format(
                username=user.username, role=user.role, what=_(u.ROLE_HELP[user.role])
            )
        )
    elif args.action == "set-role":
        if not args.role:
            raise MineScanError(_("give the new role with --role"))
        changed = u.update_user(path, args.username, role=args.role)
        print(_("{username} is now a {role}.").format(username=changed.username, role=args.role))
    elif args.action == "passwd":
        u.update_user(path, args.username, password=_read_password(args))
        print(_("Password of {username} changed.").format(username=args.username))
    elif args.action in ("disable", "enable"):
        u.update_user(path, args.username, disabled=args.action == "disable")
        ended = _revoke_sessions(args.username) if args.action == "disable" else ""
        done = (
            _("{username} disabled: decisions already made stay, with their name.{ended}")
            if args.action == "disable"
            else _("{username} enabled: decisions already made stay, with their name.{ended}")
        )
        print(done.format(username=args.username, ended=ended))
    return 0


def add_parsers(sub: Any) -> None:
    """``users``."""
    p = sub.add_parser("users", help=_("accounts and roles of the app: list, add, set-role, passwd, disable, enable"))
    p.add_argument("action", choices=["list", "add", "set-role", "passwd", "disable", "enable", "demo"])
    p.add_argument("username", nargs="?")
    p.add_argument("--role", choices=["reviewer", "supervisor", "manager"], default=None)
    p.add_argument("--email", help=_("the e-mail an OpenID Connect provider vouches for (OIDC sign-in)"))
    p.add_argument("--name", help=_("display name"))
    p.add_argument("--password-stdin", action="store_true", help=_("read the password from standard input"))
    p.set_defaults(func=cmd_users)
