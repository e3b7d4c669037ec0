"""Opening the store and the one transaction helper; DuckDB errors become :class:`StoreError`.

Every other ``db`` module takes a connection from here (or from :class:`db.store.Store`) and binds its parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from core.errors import MineScanError
from core.wording.translate import N_, _
from db.schema import migrate

#: The connection type other layers may name (they never import DuckDB themselves).
Connection = duckdb.DuckDBPyConnection


class StoreError(MineScanError):
    """The store refused a change (a constraint, a missing row) or cannot be opened."""

    title = N_("The store refused this change")


def connect(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store at ``path`` and bring its schema up to date.

    Raises:
        StoreError: the file is locked by another process or is not a DuckDB database.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path))
    except duckdb.IOException as err:
        message = _(
            "the store {path} cannot be opened: {error}. If the MineScan app or another command is using it, stop "
            "that first (DuckDB allows one writing process per file)."
        )
        raise StoreError(message.format(path=path, error=str(err).splitlines()[0][:200])) from None
    except duckdb.Error as err:
        message = _("{path} is not a MineScan store: {error}")
        raise StoreError(message.format(path=path, error=str(err).splitlines()[0][:200])) from None
    migrate(con)
    return con


#: Connections (by id) inside a transaction: a nested ``transaction`` joins the outer one.
_in_transaction: set[int] = set()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing; DuckDB errors become :class:`StoreError` with the database's reason. Nested calls on the
    same connection join the outermost transaction (so composite work commits once)."""
    if id(con) in _in_transaction:
        yield
        return
    con.execute("BEGIN TRANSACTION")
    _in_transaction.add(id(con))
    try:
        yield
        con.execute("COMMIT")
    except duckdb.Error as err:
        _rollback(con)
        raise StoreError(reason_of(err)) from None
    except BaseException:
        _rollback(con)
        raise
    finally:
        _in_transaction.discard(id(con))


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass  # a failed COMMIT has already ended the transaction


def returned_id(row: tuple[Any, ...] | None) -> int:
    """The id an ``INSERT ... RETURNING id`` gave back."""
    if row is None:
        raise StoreError(_("the database returned no id for the new row"))
    return int(row[0])


def reason_of(err: duckdb.Error) -> str:
    text = str(err).strip().splitlines()[0]
    return text.split("Error: ", 1)[-1][:300]


def count_of(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> int:
    """The single number a ``SELECT count(*) ...`` gives (parameters positional or named)."""
    row = con.execute(sql, params if isinstance(params, Mapping) else list(params)).fetchone()
    return int(row[0]) if row else 0
