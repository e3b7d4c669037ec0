"""What a store is for: the synthetic demo, or real work (never both)."""

from __future__ import annotations

import duckdb

from core.settings import DEMO_REGISTER_FILE
from core.wording.translate import _
from db.connection import count_of


def store_kind(con: duckdb.DuckDBPyConnection) -> str:
    """'demo' (synthetic demo only), 'work' (real work), or 'empty' (nothing stored and not yet marked)."""
    row = con.execute("SELECT value FROM store_info WHERE key = 'kind'").fetchone()
    if row:
        return str(row[0])
    used = count_of(con, "SELECT (SELECT count(*) FROM scan) + (SELECT count(*) FROM register_snapshot)")
    return "work" if used else "empty"


def mark_store(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Record what the store is for (once: a later call with another kind is ignored)."""
    if kind not in ("demo", "work"):
        raise ValueError(_("a store is 'demo' or 'work'; got {kind!r}").format(kind=kind))
    con.execute("INSERT INTO store_info VALUES ('kind', ?) ON CONFLICT DO NOTHING", [kind])


def demo_mixed_with_real(con: duckdb.DuckDBPyConnection) -> bool:
    """True for a demo store that also holds a real register or a scan of real imagery (from before the split)."""
    if store_kind(con) != "demo":
        return False
    return (
        count_of(
            con,
            """SELECT (SELECT count(*) FROM register_snapshot WHERE source_file <> ?)
                + (SELECT count(*) FROM scan WHERE NOT synthetic)""",
            [DEMO_REGISTER_FILE],
        )
        > 0
    )
