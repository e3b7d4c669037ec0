"""Sign-in sessions that survive a reload: signed tokens, kept only as hashes, that lapse when idle or revoked.

A token is ``<random>.<signature>``: 32 random bytes and an HMAC-SHA256 of them under the store's secret, both
base64url. The browser keeps the token in a cookie; the store keeps only its SHA-256, the user, and when it was
last used. A token is good while its signature checks, its hash is stored, it is not revoked, it was used within
the idle limit, and its user still exists and is not disabled. Pure functions: the store and the cookie are at the
edges (db/sessions.py, ui/auth.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.access.users import User
from core.wording.translate import N_, _, localise_number, ngettext

COOKIE_NAME = "minescan_session"
#: How long the browser keeps the cookie; the store's idle limit ends a session much sooner.
COOKIE_MAX_AGE_S = 30 * 24 * 3600
#: A session's last use is written at most this often (a write per click would slow every page).
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionRecord:
    """One stored session (times are naive UTC)."""

    token_hash: str
    username: str
    method: str
    created_at: datetime
    last_seen: datetime
    revoked_at: datetime | None = None
    revoked_why: str | None = None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _sign(body: str, secret: bytes) -> str:
    return _b64(hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest())


def issue_token(secret: bytes) -> tuple[str, str]:
    """A new signed token and the hash the store keeps of it."""
    body = _b64(secrets.token_bytes(32))
    token = f"{body}.{_sign(body, secret)}"
    return token, token_hash(token)


def token_hash(token: str) -> str:
    """The SHA-256 (hex) the store keeps instead of the token."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def signature_ok(token: str, secret: bytes) -> bool:
    """Whether ``token`` was signed with ``secret`` (constant-time; False for anything malformed)."""
    body, dot, signature = token.partition(".")
    if not dot or not body or not signature or len(token) > 200 or not body.isascii():
        return False
    return hmac.compare_digest(_sign(body, secret), signature)


def session_problem(record: SessionRecord | None, user: User | None, now: datetime, idle: timedelta) -> str | None:
    """Why a stored session no longer signs anyone in, or None while it does (the words are shown to the user)."""
    if record is None:
        return _("this sign-in is not known (it was ended, or it never was)")
    if record.revoked_at is not None:
        # The store keeps why in English, as the code marked it (ui.auth.SIGNED_OUT_WHY): translated here.
        return _("this sign-in was ended ({why})").format(why=_(record.revoked_why or N_("revoked")))
    if user is None:
        return _("the account {username} no longer exists").format(username=record.username)
    if user.disabled:
        return _("the account {username} is disabled").format(username=record.username)
    if now - record.last_seen > idle:
        hours = idle.total_seconds() / 3600
        # One hour reads "hour"; any other span (0.5, 1.5, 8) reads "hours".
        message = ngettext(
            "the session ended after {hours} hour without activity",
            "the session ended after {hours} hours without activity",
            1 if hours == 1 else 2,
        )
        return message.format(hours=localise_number(f"{hours:g}"))
    return None


def needs_touch(record: SessionRecord, now: datetime) -> bool:
    """Whether the session's last use should be written now."""
    return now - record.last_seen >= TOUCH_EVERY


def cookie_script(token: str | None, *, secure: bool, max_age_s: int = COOKIE_MAX_AGE_S) -> str:
    """The ``<script>`` that stores ``token`` in the browser's session cookie (or deletes it for None).

    The token holds only base64url characters and a dot (checked here), so nothing else can reach the script.
    """
    if token is not None and not all(c.isalnum() or c in "-_." for c in token):
        raise ValueError("a session token holds only base64url characters and one dot")
    value, age = (token, max_age_s) if token else ("", 0)
    flags = f"; Path=/; Max-Age={age}; SameSite=Strict" + ("; Secure" if secure else "")
    return f'<script>document.cookie = "{COOKIE_NAME}={value}{flags}";</script>'
