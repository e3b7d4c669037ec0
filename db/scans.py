"""Scans: started, checkpointed tile by tile, finished or failed, with the imagery they read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from core.imagery.periods import Period
from core.imagery.provenance import ImageryProvenance, provenance_from_record
from core.scan.tiles import TileOutput
from core.wording.translate import _
from db.connection import StoreError, count_of, returned_id, transaction


def start_scan(
    con: duckdb.DuckDBPyConnection,
    *,
    scene_id: str,
    scene_path: str,
    scene_crs: str,
    bounds_lonlat: tuple[float, float, float, float],
    synthetic: bool,
    discovery: tuple[str, str],
    impact: tuple[str, str] | None,
    params: dict[str, Any],
    tiles_total: int,
    runner: str | None = None,
    imagery_json: str | None = None,
    period: Period | None = None,
    period_source: str | None = None,
) -> int:
    """Record a scan as running (by ``runner``, host:pid); return its id.

    ``imagery_json`` is where the scene's pixels came from (:meth:`core.imagery.provenance.ImageryProvenance.to_json`);
    ``period`` when they were seen (None: undated) and ``period_source`` how that is known
    (:data:`core.imagery.periods.PERIOD_SOURCES`).
    """
    west, south, east, north = bounds_lonlat
    row = con.execute(
        """INSERT INTO scan (scene_id, scene_path, scene_crs, west, south, east, north, synthetic,
               discovery_model, discovery_version, impact_model, impact_version, params_json, status, tiles_total,
               runner, imagery_json, period_label, period_start, period_end, period_source)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [
            scene_id,
            scene_path,
            scene_crs,
            west,
            south,
            east,
            north,
            synthetic,
            *discovery,
            *(impact or ("", "")),
            json.dumps(params),
            tiles_total,
            runner,
            imagery_json,
            period.label if period else None,
            period.start if period else None,
            period.end if period else None,
            period_source if period else None,
        ],
    ).fetchone()
    return returned_id(row)


def save_tile(con: duckdb.DuckDBPyConnection, scan_id: int, tile: TileOutput) -> int:
    """Checkpoint one finished tile of a running scan and its progress, together; return the tiles done."""
    n_classes = 0 if tile.impact is None else int(tile.impact.shape[-1])
    with transaction(con):
        con.execute(
            """INSERT INTO scan_tile (scan_id, tile_index, rows, cols, impact_classes, p_mine, impact, valid_px)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                scan_id,
                tile.index,
                tile.p_mine.shape[0],
                tile.p_mine.shape[1],
                n_classes,
                np.ascontiguousarray(tile.p_mine, dtype="<f4").tobytes(),
                None if tile.impact is None else np.ascontiguousarray(tile.impact, dtype="<f4").tobytes(),
                tile.valid_px,
            ],
        )
        done = count_of(con, "SELECT count(*) FROM scan_tile WHERE scan_id = ?", [scan_id])
        con.execute("UPDATE scan SET tiles_done = ? WHERE id = ?", [done, scan_id])
    return done


def saved_tiles(con: duckdb.DuckDBPyConnection, scan_id: int) -> dict[int, TileOutput]:
    """The tiles an interrupted scan had finished, by tile index."""
    rows = con.execute(
        """SELECT tile_index, rows, cols, impact_classes, p_mine, impact, valid_px FROM scan_tile
           WHERE scan_id = ? ORDER BY tile_index""",
        [scan_id],
    ).fetchall()
    out = {}
    for index, n_r, n_c, n_k, p_blob, i_blob, valid_px in rows:
        p_mine = np.frombuffer(p_blob, dtype="<f4").reshape(n_r, n_c).astype(np.float32)
        impact = None
        if i_blob is not None:
            impact = np.frombuffer(i_blob, dtype="<f4").reshape(n_r, n_c, n_k).astype(np.float32)
        out[int(index)] = TileOutput(index=int(index), p_mine=p_mine, impact=impact, valid_px=int(valid_px))
    return out


def scan_record(con: duckdb.DuckDBPyConnection, scan_id: int) -> dict[str, Any]:
    """One scan's row as a dict.

    Raises:
        StoreError: there is no such scan.
    """
    df = con.execute("SELECT * FROM scan WHERE id = ?", [scan_id]).df()
    if df.empty:
        raise StoreError(_("there is no scan {scan_id}").format(scan_id=scan_id))
    return dict(df.iloc[0].to_dict())


def scan_imagery(con: duckdb.DuckDBPyConnection, scan_id: int) -> ImageryProvenance:
    """Where the pixels of a scan's scene came from (scans from before this was recorded: synthetic or unknown).

    Raises:
        StoreError: there is no such scan.
    """
    row = con.execute("SELECT imagery_json, synthetic FROM scan WHERE id = ?", [scan_id]).fetchone()
    if row is None:
        raise StoreError(_("there is no scan {scan_id}").format(scan_id=scan_id))
    return provenance_from_record(row[0], synthetic=bool(row[1]))


def imagery_by_scan(con: duckdb.DuckDBPyConnection, scan_ids: Sequence[int]) -> dict[int, ImageryProvenance]:
    """The imagery of each of these scans, by scan id."""
    rows = con.execute(
        "SELECT id, imagery_json, synthetic FROM scan WHERE id IN (SELECT unnest(CAST(? AS BIGINT[])))",
        [sorted({int(i) for i in scan_ids})],
    ).fetchall()
    return {int(i): provenance_from_record(text, synthetic=bool(synthetic)) for i, text, synthetic in rows}


def _with_imagery_summary(con: duckdb.DuckDBPyConnection, scans: pd.DataFrame) -> pd.DataFrame:
    """``scans`` (with an ``id`` column) plus an ``imagery`` column: the one-line summary of each scan's imagery."""
    imagery = imagery_by_scan(con, scans["id"].tolist())
    summaries = [imagery[int(i)].summary() if int(i) in imagery else "" for i in scans["id"]]
    return scans.assign(imagery=pd.Series(summaries, index=scans.index, dtype=object))


def set_scan_runner(con: duckdb.DuckDBPyConnection, scan_id: int, runner: str) -> None:
    """Record which process (host:pid) is running a scan now."""
    con.execute("UPDATE scan SET runner = ?, status = 'running', message = NULL WHERE id = ?", [runner, scan_id])


def unfinished_scans(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Scans that were interrupted (still 'running' with no live process) or failed, newest first, with a summary
    of their imagery."""
    scans = con.execute(
        """SELECT id, scene_id, scene_path, discovery_model, impact_model, status, tiles_done, tiles_total, runner,
                  started_at, message FROM scan WHERE status <> 'finished' ORDER BY id DESC"""
    ).df()
    return _with_imagery_summary(con, scans)


def finished_scans(con: duckdb.DuckDBPyConnection, limit: int = 50) -> pd.DataFrame:
    """The ``limit`` newest finished scans, newest first, with a summary of their imagery (``imagery``)."""
    scans = con.execute(
        """SELECT id, scene_id, discovery_model || '@' || discovery_version AS discovery_model,
                  CASE WHEN impact_model = '' THEN 'none' ELSE impact_model || '@' || impact_version END
                      AS impact_model,
                  sites_found, sites_new, valid_area_km2, finished_at
           FROM scan WHERE status = 'finished' ORDER BY id DESC LIMIT ?""",
        [limit],
    ).df()
    return _with_imagery_summary(con, scans)


def finish_scan(
    con: duckdb.DuckDBPyConnection, scan_id: int, *, valid_area_km2: float, sites_found: int, sites_new: int
) -> None:
    """Mark a scan finished with its totals; its tile checkpoints are no longer needed."""
    with transaction(con):
        con.execute("DELETE FROM scan_tile WHERE scan_id = ?", [scan_id])
        con.execute(
            """UPDATE scan SET status = 'finished', finished_at = current_timestamp, valid_area_km2 = ?,
                   sites_found = ?, sites_new = ?, tiles_done = tiles_total WHERE id = ?""",
            [valid_area_km2, sites_found, sites_new, scan_id],
        )


def fail_scan(con: duckdb.DuckDBPyConnection, scan_id: int, message: str) -> None:
    """Mark a scan failed, keeping the reason."""
    con.execute(
        "UPDATE scan SET status = 'failed', finished_at = current_timestamp, message = ? WHERE id = ?",
        [message[:1000], scan_id],
    )


def all_scans(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every scan, newest first."""
    return con.execute("SELECT * FROM scan ORDER BY id DESC").df()


def scan_scene_path(con: duckdb.DuckDBPyConnection, scan_id: int) -> str | None:
    """The scene file a scan read."""
    row = con.execute("SELECT scene_path FROM scan WHERE id = ?", [scan_id]).fetchone()
    return str(row[0]) if row else None


def scan_summary(con: duckdb.DuckDBPyConnection, scan_id: int) -> pd.DataFrame:
    """Sites of one scan by register status and impact class."""
    return con.execute(
        """SELECT coalesce(m.status, 'not matched') AS status, coalesce(s.impact_class, 'not rated') AS impact,
                  count(*) AS sites
           FROM site s LEFT JOIN site_match m ON m.site_id = s.id WHERE s.scan_id = ? GROUP BY ALL ORDER BY ALL""",
        [scan_id],
    ).df()
