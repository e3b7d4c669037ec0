"""Each person's own settings in the store (for now their language), kept by username."""

from __future__ import annotations

import duckdb

from db.sessions import utc_now


def person_language(con: duckdb.DuckDBPyConnection, username: str) -> str | None:
    """The language ``username`` chose in the app (``pt_BR``, ``en``), or None when they never chose one."""
    row = con.execute("SELECT language FROM person_setting WHERE username = ?", [username]).fetchone()
    return str(row[0]) if row and row[0] else None


def set_person_language(con: duckdb.DuckDBPyConnection, username: str, language: str | None) -> None:
    """Keep ``language`` as ``username``'s choice (None: follow the browser again)."""
    con.execute(
        "INSERT INTO person_setting (username, language, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (username) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at",
        [username, language, utc_now()],
    )
