"""Sign-in sessions in the store: the token hashes, their last use, their revocation, and the signing secret."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import duckdb

from core.access.sessions import SessionRecord

_SECRET_NAME = "session_signing_key"


def utc_now() -> datetime:
    """Now, as the naive UTC time the store keeps."""
    return datetime.now(UTC).replace(tzinfo=None)


def signing_secret(con: duckdb.DuckDBPyConnection) -> bytes:
    """The store's secret for signing session tokens, created on first use (kept in the store, never shown)."""
    row = con.execute("SELECT value FROM app_secret WHERE name = ?", [_SECRET_NAME]).fetchone()
    if row:
        return bytes(row[0])
    con.execute(
        "INSERT INTO app_secret (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [_SECRET_NAME, secrets.token_bytes(32)],
    )
    row = con.execute("SELECT value FROM app_secret WHERE name = ?", [_SECRET_NAME]).fetchone()
    assert row is not None
    return bytes(row[0])


def create_session(con: duckdb.DuckDBPyConnection, token_hash: str, username: str, method: str) -> None:
    """Store a new session (its token's hash only)."""
    now = utc_now()
    con.execute(
        "INSERT INTO app_session (token_hash, username, method, created_at, last_seen) VALUES (?, ?, ?, ?, ?)",
        [token_hash, username, method, now, now],
    )


def get_session(con: duckdb.DuckDBPyConnection, token_hash: str) -> SessionRecord | None:
    """The stored session with this token hash, if any."""
    row = con.execute(
        """SELECT token_hash, username, method, created_at, last_seen, revoked_at, revoked_why
           FROM app_session WHERE token_hash = ?""",
        [token_hash],
    ).fetchone()
    return SessionRecord(*row) if row else None


def touch_session(con: duckdb.DuckDBPyConnection, token_hash: str) -> None:
    """Record that the session was used now (what the idle limit counts from)."""
    con.execute("UPDATE app_session SET last_seen = ? WHERE token_hash = ? AND revoked_at IS NULL",
                [utc_now(), token_hash])  # fmt: skip


def revoke_session(con: duckdb.DuckDBPyConnection, token_hash: str, why: str) -> None:
    """End one session now (sign-out)."""
    con.execute(
        "UPDATE app_session SET revoked_at = ?, revoked_why = ? WHERE token_hash = ? AND revoked_at IS NULL",
        [utc_now(), why, token_hash],
    )


def revoke_user_sessions(con: duckdb.DuckDBPyConnection, username: str, why: str) -> int:
    """End every open session of ``username`` (the account was disabled); how many were open."""
    row = con.execute(
        """UPDATE app_session SET revoked_at = ?, revoked_why = ?
           WHERE username = ? AND revoked_at IS NULL RETURNING token_hash""",
        [utc_now(), why, username],
    ).fetchall()
    return len(row)
