"""Earth Engine use cases shared by the CLI and the app: start exports and remember them, follow them, ready
their files for scanning. ``ee`` is the initialised client (core.imagery.earth_engine.connection.connect)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from core.imagery.earth_engine.plan import ImageryPlan
from core.imagery.earth_engine.requests import export_params
from core.imagery.earth_engine.transfer import exported_files, start_export, tag_exported_file, task_statuses
from core.imagery.provenance import ImageryProvenance
from db.imagery_tasks import record_task, tasks, update_statuses
from db.store import Store

FINISHED_STATES = ("COMPLETED", "SUCCEEDED", "FAILED", "CANCELLED")


@dataclass(frozen=True)
class StartedExport:
    """One export task started for one tile and period."""

    task_id: str
    tile_id: str
    file_name: str
    period: str = ""


def start_exports(
    store: Store, ee: Any, plan: ImageryPlan, destination: str, target: str, started_by: str | None
) -> list[StartedExport]:
    """Start one export task per scene (tile and period) of ``plan``; each is recorded in the store as soon as it
    is started."""
    started: list[StartedExport] = []
    for scene in plan.scenes:
        recipe, tile = scene.recipe, scene.tile
        task_id = start_export(ee, recipe, tile, destination, target)
        provenance = recipe.provenance(crs=tile.crs, region=tile.region, tile=tile.tile_id)
        params = export_params(recipe, tile, destination, target)

        def remember(
            con: Any,
            tile: Any = tile,
            task_id: str = task_id,
            record: Any = provenance,
            params: dict[str, Any] = params,
            prefix: str = scene.file_prefix,
        ) -> None:
            record_task(
                con,
                task_id=task_id,
                region=tile.region,
                tile_id=tile.tile_id,
                destination=destination,
                target=target,
                file_prefix=prefix,
                provenance=record,
                params=params,
                started_by=started_by,
            )

        store.write(remember)
        started.append(StartedExport(task_id, tile.tile_id, f"{scene.file_prefix}.tif", scene.period.label))
    return started


def refresh_tasks(store: Store, ee: Any) -> int:
    """Ask Earth Engine for the state of every unfinished recorded task; return how many changed."""
    pending = store.read(lambda con: tasks(con, unfinished_only=True))
    if pending.empty:
        return 0
    statuses = task_statuses(ee, [str(t) for t in pending["task_id"]])
    return int(store.write(lambda con: update_statuses(con, statuses)))


def recorded_tasks(store: Store) -> pd.DataFrame:
    """The recorded export tasks, newest first."""
    return store.read(lambda con: tasks(con))


def tag_exported(store: Store, folder: Path) -> list[tuple[Path, str]]:
    """Write band names and recipe into every file of a recorded export found under ``folder``.

    Returns (file, task id) for each file made ready to scan.
    """
    done: list[tuple[Path, str]] = []
    for row in recorded_tasks(store).itertuples():
        record = ImageryProvenance.from_json(str(row.provenance_json))
        for path in exported_files(folder, str(row.file_prefix)):
            tag_exported_file(path, record)
            done.append((path, str(row.task_id)))
    return done
