"""SQL for Earth Engine export tasks: what was started, by whom, with which recipe, and its last known state."""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pandas as pd

from core.imagery.earth_engine.transfer import TaskStatus
from core.imagery.provenance import ImageryProvenance


def record_task(
    con: duckdb.DuckDBPyConnection,
    *,
    task_id: str,
    region: str,
    tile_id: str,
    destination: str,
    target: str,
    file_prefix: str,
    provenance: ImageryProvenance,
    params: dict[str, Any],
    started_by: str | None,
) -> None:
    """Remember an export task just started (state READY until its status is read)."""
    con.execute(
        """INSERT INTO imagery_task (task_id, region, tile_id, destination, target, file_prefix, provenance_json,
               params_json, state, started_by)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'READY', ?)""",
        [
            task_id,
            region,
            tile_id,
            destination,
            target,
            file_prefix,
            provenance.to_json(),
            json.dumps(params, sort_keys=True),
            started_by,
        ],
    )


def tasks(con: duckdb.DuckDBPyConnection, *, unfinished_only: bool = False) -> pd.DataFrame:
    """The recorded export tasks, newest first."""
    where = "WHERE state NOT IN ('COMPLETED', 'SUCCEEDED', 'FAILED', 'CANCELLED')" if unfinished_only else ""
    return con.execute(
        f"""SELECT task_id, region, tile_id, destination, target, file_prefix, state, error, destination_uris,
                   started_by, started_at, updated_at, provenance_json
            FROM imagery_task {where} ORDER BY started_at DESC, id DESC"""  # noqa: S608 - fixed text only
    ).df()


def update_statuses(con: duckdb.DuckDBPyConnection, statuses: list[TaskStatus]) -> int:
    """Store the states Earth Engine reported; return how many tasks changed state."""
    changed = 0
    for status in statuses:
        row = con.execute(
            """UPDATE imagery_task SET state = ?, error = ?, destination_uris = ?, updated_at = current_timestamp
               WHERE task_id = ? AND (state <> ? OR coalesce(error, '') <> ?) RETURNING id""",
            [
                status.state,
                status.error or None,
                json.dumps(list(status.destination_uris)),
                status.task_id,
                status.state,
                status.error,
            ],
        ).fetchall()
        changed += len(row)
    return changed


def task_provenance(con: duckdb.DuckDBPyConnection, task_id: str) -> ImageryProvenance | None:
    """The recipe recorded for a task (to tag its exported files), or None for an unknown task id."""
    row = con.execute("SELECT provenance_json FROM imagery_task WHERE task_id = ?", [task_id]).fetchone()
    return ImageryProvenance.from_json(str(row[0])) if row else None
