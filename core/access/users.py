"""Who may do what: users, roles, salted password hashes, and the permission check every action makes.

Users live in a JSON file (``settings.users_path()``) managed from the command line. Passwords are stored only as
scrypt hashes with a random salt per user. When a deployment configures OpenID Connect, the provider proves who
someone is and this file still says what their role is (matched by e-mail).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

from core.errors import MineScanError
from core.wording.translate import N_, _

Role = Literal["reviewer", "supervisor", "manager"]
ROLES: tuple[Role, ...] = ("reviewer", "supervisor", "manager")
#: What each role may do, in words (English, marked: show it as ``_(ROLE_HELP[role])``).
ROLE_HELP = {
    "reviewer": N_("decides sites in the triage queue; scans scenes"),
    "supervisor": N_(
        "everything a reviewer does, plus signing off or overriding decisions, the disagreements queue, "
        "register imports"
    ),
    "manager": N_("the dashboard and exports only"),
}
#: The roles as a sentence names them (lower case; the codes stay what ``--role`` takes).
ROLE_WORDS = {"reviewer": N_("reviewer"), "supervisor": N_("supervisor"), "manager": N_("manager")}
#: Every action and the roles allowed to take it. Pages and workflows check these on the server.
CAPABILITIES: dict[str, frozenset[str]] = {
    "decide": frozenset({"reviewer", "supervisor"}),
    "scan": frozenset({"reviewer", "supervisor"}),
    "supervise": frozenset({"supervisor"}),
    "import_register": frozenset({"supervisor"}),
    "view_dashboard": frozenset({"reviewer", "supervisor", "manager"}),
    "export": frozenset({"reviewer", "supervisor", "manager"}),
    "view_models": frozenset({"reviewer", "supervisor", "manager"}),
    "train_model": frozenset({"supervisor"}),
    "promote_model": frozenset({"supervisor"}),
}
#: The actions as a message names them.
CAPABILITY_WORDS = {
    "decide": N_("decide"),
    "scan": N_("scan"),
    "supervise": N_("supervise"),
    "import_register": N_("import register"),
    "view_dashboard": N_("view dashboard"),
    "export": N_("export"),
    "view_models": N_("view models"),
    "train_model": N_("train model"),
    "promote_model": N_("promote model"),
}
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD_LEN = 10
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class AuthError(MineScanError):
    """Sign-in failed or a user file is unusable."""

    title = N_("Sign-in problem")


class PermissionDenied(MineScanError):
    """The signed-in role may not take this action."""

    title = N_("Not allowed")


@dataclass(frozen=True)
class User:
    """One account. ``password_hash`` is empty for users who sign in only through OpenID Connect."""

    username: str
    role: Role
    display_name: str = ""
    email: str = ""
    password_hash: str = ""
    disabled: bool = False


@dataclass(frozen=True)
class Identity:
    """The signed-in person, as every decision records them. ``method``: 'password' or 'oidc'."""

    username: str
    role: Role
    display_name: str
    method: str

    @property
    def label(self) -> str:
        """``Name (role)`` for the sidebar."""
        return _("{name} ({role})").format(name=self.display_name or self.username, role=role_word(self.role))


def role_word(role: str) -> str:
    """A role as a sentence names it, in the current language (an unknown code as it is)."""
    return _(ROLE_WORDS[role]) if role in ROLE_WORDS else role


def can(identity: Identity | None, capability: str) -> bool:
    """Whether ``identity`` may take ``capability`` (unknown capabilities are refused)."""
    return identity is not None and identity.role in CAPABILITIES.get(capability, frozenset())


def require(identity: Identity | None, capability: str) -> Identity:
    """Return ``identity`` if it may take ``capability``.

    Raises:
        PermissionDenied: not signed in, or a role without the capability (the message names who may).
    """
    if identity is None:
        raise PermissionDenied(_("sign in first"))
    if not can(identity, capability):
        allowed = ", ".join(role_word(r) for r in sorted(CAPABILITIES.get(capability, ()))) or _("nobody")
        action = _(CAPABILITY_WORDS[capability]) if capability in CAPABILITY_WORDS else capability.replace("_", " ")
        message = _("{username} is a {role}; '{capability}' needs the role {allowed}")
        raise PermissionDenied(
            message.format(
                username=identity.username, role=role_word(identity.role), capability=action, allowed=allowed
            )
        )
    return identity


# --- passwords --------------------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str) -> str:
    """A salted scrypt hash as ``scrypt$n$r$p$salt$hash`` (base64)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (constant-time comparison); False for malformed hashes."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), dklen=len(expected), n=int(n), r=int(r), p=int(p)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


_DUMMY_HASH = hash_password(secrets.token_hex(8))


def check_new_password(password: str) -> None:
    """Raises AuthError when a new password is too short or only spaces."""
    if len(password) < MIN_PASSWORD_LEN or not password.strip():
        raise AuthError(_("a password needs at least {n} characters").format(n=MIN_PASSWORD_LEN))


# --- the users file ---------------------------------------------------------------------------------------------


def load_users(path: Path) -> dict[str, User]:
    """The users in ``path`` by username ({} when the file does not exist yet).

    Raises:
        AuthError: the file is not a MineScan users file.
    """
    path = Path(path)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        users = {u["username"]: User(**u) for u in data["users"]}
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise AuthError(_("{path} is not a MineScan users file: {error}").format(path=path, error=err)) from None
    bad = [u.username for u in users.values() if u.role not in ROLES]
    if bad:
        message = _("{path}: unknown role for {users}; roles are {roles}")
        raise AuthError(message.format(path=path, users=", ".join(bad), roles=", ".join(ROLES)))
    return users


def save_users(path: Path, users: dict[str, User]) -> None:
    """Write the users file atomically, readable by its owner only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    body = json.dumps({"users": [asdict(u) for u in sorted(users.values(), key=lambda u: u.username)]}, indent=2)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(body + "\n")
    os.replace(tmp, path)


def add_user(
    path: Path, username: str, role: str, *, password: str = "", email: str = "", display_name: str = ""
) -> User:
    """Create a user (a password, an e-mail for OpenID Connect, or both).

    Raises:
        AuthError: bad username, role, password or e-mail, or the user exists.
    """
    users = load_users(path)
    if not USERNAME_RE.match(username):
        raise AuthError(
            _("a username is 2-40 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit")
        )
    if username in users:
        raise AuthError(_("user {username} exists; change the role with 'users set-role'").format(username=username))
    if role not in ROLES:
        raise AuthError(_unknown_role(role))
    if not password and not email:
        raise AuthError(_("give a password (local sign-in), an e-mail (OpenID Connect sign-in), or both"))
    if password:
        check_new_password(password)
    email = email.strip().lower()
    if email and (
        not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email) or any(u.email == email for u in users.values())
    ):
        raise AuthError(_("{email!r} is not an e-mail address or belongs to another user").format(email=email))
    user = User(
        username=username,
        role=role,
        display_name=display_name.strip()[:80],
        email=email,
        password_hash=hash_password(password) if password else "",
    )
    users[username] = user
    save_users(path, users)
    return user


def update_user(path: Path, username: str, *, role: str | None = None, password: str | None = None,
                disabled: bool | None = None) -> User:  # fmt: skip
    """Change a user's role, password or disabled flag.

    Raises:
        AuthError: unknown user, role or a too short password.
    """
    users = load_users(path)
    if username not in users:
        raise AuthError(_("there is no user {username}").format(username=username))
    user = users[username]
    if role is not None:
        if role not in ROLES:
            raise AuthError(_unknown_role(role))
        user = replace(user, role=role)
    if password is not None:
        check_new_password(password)
        user = replace(user, password_hash=hash_password(password))
    if disabled is not None:
        user = replace(user, disabled=disabled)
    users[username] = user
    save_users(path, users)
    return user


def authenticate(users: dict[str, User], username: str, password: str) -> Identity:
    """The identity of a user whose password matches.

    Raises:
        AuthError: the same message for an unknown user and a wrong password (no hint which), or a disabled user.
    """
    user = users.get(username.strip().lower())
    # Hash even for unknown users, so that timing does not reveal which usernames exist.
    ok = verify_password(password, user.password_hash if user and user.password_hash else _DUMMY_HASH)
    if user is None or not user.password_hash or not ok:
        raise AuthError(_("unknown username or wrong password"))
    if user.disabled:
        raise AuthError(_disabled(user))
    return Identity(user.username, user.role, user.display_name, "password")


def identity_for_email(users: dict[str, User], email: str | None) -> Identity:
    """The identity of an OpenID Connect user, by the e-mail the provider vouched for.

    Raises:
        AuthError: no e-mail, or no MineScan role for it (the message says how to add one).
    """
    address = (email or "").strip().lower()
    user = next((u for u in users.values() if address and u.email == address), None)
    if user is None:
        message = _(
            "{who} has no MineScan role. An administrator adds it with "
            "'./run cli users add NAME --role reviewer --email {email}'"
        )
        raise AuthError(message.format(who=address or _("this account"), email=address or "ADDRESS"))
    if user.disabled:
        raise AuthError(_disabled(user))
    return Identity(user.username, user.role, user.display_name, "oidc")


def _unknown_role(role: str) -> str:
    return _("unknown role {role!r}; use one of {roles}").format(role=role, roles=", ".join(ROLES))


def _disabled(user: User) -> str:
    return _("the account {username} is disabled; ask an administrator").format(username=user.username)
