"""How the app and command-line runs share one DuckDB file: short-lived connections, retried with backoff.

DuckDB lets one process at a time open a file (even for reading) while it is open read-write. MineScan therefore
never holds the store open: every page run, decision, scan checkpoint and import opens it, does its work in one
transaction, and closes it. A process that finds the file locked waits and retries with growing, jittered pauses
(10 ms doubling to 0.5 s) for up to ``wait_s`` seconds before it gives up with a clear message. Inside one process
all connections share one database instance (DuckDB's instance cache), so threads never lock each other out; a
write transaction that collides with another thread's (DuckDB's optimistic concurrency) is retried whole.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb

from core.wording.translate import _, localise_number
from db.connection import StoreError, transaction
from db.schema import migrate

T = TypeVar("T")

#: How long a command waits for the store by default (the app's page runs hold it for well under a second).
DEFAULT_WAIT_S = 120.0
_FIRST_PAUSE_S = 0.01
_MAX_PAUSE_S = 0.5
_CONFLICT_RETRIES = 20
_migrated: set[str] = set()
_migrate_lock = threading.Lock()
#: Opening and closing happen one at a time within a process: DuckDB shares one database instance between a
#: process's connections, and a thread opening the file while another closes the last connection ("Unique file
#: handle conflict ... already attached") would otherwise fail a decision.
_handle_lock = threading.Lock()


def is_lock_error(err: BaseException) -> bool:
    """True when DuckDB refused to open a file because another process holds it."""
    text = str(err)
    return isinstance(err, duckdb.IOException) and ("lock" in text.lower())


def is_handle_race(err: BaseException) -> bool:
    """True for DuckDB's in-process attach race (an instance closing while another connection opens): retry."""
    text = str(err).lower()
    return "unique file handle conflict" in text or "already attached" in text


def close(con: duckdb.DuckDBPyConnection) -> None:
    """Close a store connection (serialised with opening; see ``_handle_lock``)."""
    with _handle_lock:
        con.close()


def is_conflict(err: BaseException) -> bool:
    """True for DuckDB's write-write conflict between two open transactions (safe to retry the whole work)."""
    return isinstance(err, duckdb.TransactionException) or "conflict" in str(err).lower()


def _first_line(err: BaseException) -> str:
    return str(err).strip().splitlines()[0][:300] if str(err).strip() else type(err).__name__


@dataclass(frozen=True)
class Store:
    """The store file and how long to wait for it; open it with :meth:`connect` or :meth:`write`."""

    path: Path
    wait_s: float = DEFAULT_WAIT_S

    def open(self) -> duckdb.DuckDBPyConnection:
        """An open connection (waiting for the file if another process holds it); the caller closes it."""
        deadline = time.monotonic() + self.wait_s
        pause = _FIRST_PAUSE_S
        while True:
            try:
                return self._connect_once()
            except duckdb.IOException as err:
                if not is_lock_error(err):
                    message = _("the store {path} cannot be opened: {error}")
                    raise StoreError(message.format(path=self.path, error=_first_line(err))) from None
                if time.monotonic() >= deadline:
                    message = _(
                        "the store {path} stayed busy for {seconds} s: another process holds it (a long scan or "
                        "import from the command line, or a second app). Try again when it has finished."
                    )
                    seconds = localise_number(f"{self.wait_s:g}")
                    raise StoreError(message.format(path=self.path, seconds=seconds)) from None
            except duckdb.Error as err:
                if not is_handle_race(err) or time.monotonic() >= deadline:
                    message = _("{path} is not a MineScan store: {error}")
                    raise StoreError(message.format(path=self.path, error=_first_line(err))) from None
            time.sleep(min(pause, max(0.0, deadline - time.monotonic())) * random.uniform(0.5, 1.0))
            pause = min(pause * 2, _MAX_PAUSE_S)

    def _connect_once(self) -> duckdb.DuckDBPyConnection:
        path = Path(self.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with _handle_lock:
            con = duckdb.connect(str(path))
        key = str(path.resolve())
        if key not in _migrated:
            with _migrate_lock:
                if key not in _migrated:
                    try:
                        migrate(con)
                    except BaseException:
                        close(con)
                        raise
                    _migrated.add(key)
        return con

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for a short piece of work; closed (and the file released) on exit."""
        con = self.open()
        try:
            yield con
        finally:
            close(con)

    def write(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``work(con)`` in one transaction; retry it whole when another thread's transaction conflicts."""
        for attempt in range(_CONFLICT_RETRIES):
            with self.connect() as con:
                try:
                    with transaction(con):
                        return work(con)
                except StoreError as err:
                    if not is_conflict(err) or attempt == _CONFLICT_RETRIES - 1:
                        raise
            time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
        raise AssertionError("unreachable")

    def read(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """Run ``work(con)`` on a short-lived connection and return its result."""
        with self.connect() as con:
            return work(con)
