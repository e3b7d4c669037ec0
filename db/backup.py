"""Backup and restore of the whole store with DuckDB's EXPORT / IMPORT DATABASE, checked by row counts.

A backup is a folder: DuckDB's ``schema.sql`` and ``load.sql`` with one Parquet file per table, plus
``minescan_backup.json`` (schema version, row counts, time). A restore builds a *new* store file from it and
checks every table's row count against the manifest; it never writes over an existing store.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.wording.translate import _
from db.connection import StoreError
from db.schema import MIGRATIONS, migrate
from db.store import Store

MANIFEST = "minescan_backup.json"


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds."""

    folder: Path
    schema_version: int
    rows: dict[str, int]
    created_at: str


def _table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY table_name"
        ).fetchall()
    ]
    counts = {}
    for name in names:
        row = con.table(name).aggregate("count(*)").fetchone()
        counts[name] = int(row[0]) if row else 0
    return counts


def backup_store(store: Store, folder: Path) -> BackupInfo:
    """Export the store into ``folder`` (new or empty) in one consistent snapshot; return what it holds.

    Raises:
        StoreError: the folder holds files already, or the export failed.
    """
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        message = _("{folder} is not empty: back up into a new folder so that no earlier backup is mixed in")
        raise StoreError(message.format(folder=folder))
    folder.mkdir(parents=True, exist_ok=True)

    def export(con: duckdb.DuckDBPyConnection) -> tuple[int, dict[str, int]]:
        row = con.execute("SELECT max(version) FROM schema_version").fetchone()
        counts = _table_counts(con)
        con.execute(f"EXPORT DATABASE '{_sql_path(folder)}' (FORMAT parquet)")
        return int(row[0]) if row and row[0] is not None else 0, counts

    try:
        version, counts = store.read(export)
    except duckdb.Error as err:
        shutil.rmtree(folder, ignore_errors=True)
        message = _("the backup into {folder} failed: {error}")
        raise StoreError(message.format(folder=folder, error=str(err).splitlines()[0][:300])) from None
    info = BackupInfo(folder, version, counts, datetime.now(UTC).isoformat(timespec="seconds"))
    (folder / MANIFEST).write_text(
        json.dumps({"schema_version": version, "rows": counts, "created_at": info.created_at}, indent=2) + "\n",
        encoding="utf-8",
    )
    return info


def read_backup(folder: Path) -> BackupInfo:
    """The manifest of a backup folder.

    Raises:
        StoreError: not a MineScan backup, or one from a newer MineScan.
    """
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file() or not (folder / "schema.sql").is_file() or not (folder / "load.sql").is_file():
        message = _("{folder} is not a MineScan backup (it needs {manifest}, schema.sql and load.sql)")
        raise StoreError(message.format(folder=folder, manifest=MANIFEST))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        info = BackupInfo(folder, int(data["schema_version"]), dict(data["rows"]), str(data["created_at"]))
    except (ValueError, KeyError, TypeError) as err:
        raise StoreError(_("{path} is damaged: {error}").format(path=path, error=err)) from None
    if info.schema_version > len(MIGRATIONS):
        message = _("the backup is at schema version {version}, newer than this MineScan ({known})")
        raise StoreError(message.format(version=info.schema_version, known=len(MIGRATIONS)))
    return info


def restore_store(folder: Path, target: Path) -> BackupInfo:
    """Build a new store at ``target`` from a backup and check every table's row count; return the manifest.

    The new file is written beside the target and moved into place only once it checks out.

    Raises:
        StoreError: the target exists, the backup is not one, or the restored counts differ from the manifest.
    """
    info = read_backup(folder)
    target = Path(target)
    if target.exists():
        message = _("{target} exists: restore into a new file (then point MINESCAN_DB at it), never over a store")
        raise StoreError(message.format(target=target))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".restoring")
    partial.unlink(missing_ok=True)
    con = duckdb.connect(str(partial))
    try:
        con.execute(f"IMPORT DATABASE '{_sql_path(Path(folder))}'")
        counts = _table_counts(con)
        if counts != info.rows:
            differ = {k: (info.rows.get(k), counts.get(k)) for k in set(info.rows) | set(counts)
                      if info.rows.get(k) != counts.get(k)}  # fmt: skip
            message = _("the restored store does not match the backup (table: backup, restored): {differ}")
            raise StoreError(message.format(differ=differ))
        migrate(con)  # a backup from an older MineScan is brought up to date
    except duckdb.Error as err:
        con.close()
        partial.unlink(missing_ok=True)
        message = _("the restore from {folder} failed: {error}")
        raise StoreError(message.format(folder=folder, error=str(err).splitlines()[0][:300])) from None
    except BaseException:
        con.close()
        partial.unlink(missing_ok=True)
        raise
    con.close()
    partial.replace(target)
    return info


def _sql_path(path: Path) -> str:
    """A folder path as an SQL string literal body (EXPORT/IMPORT take no parameters)."""
    return str(path.resolve()).replace("'", "''")
