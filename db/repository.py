"""All SQL of MineScan. Functions take a connection and plain values and return plain values or DataFrames.

Parameters are always bound. Reviews are append-only: there is no function that updates or deletes one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from core.errors import MineScanError
from core.imagery_provenance import IMAGERY_EXPORT_COLUMNS, ImageryProvenance, provenance_from_record
from core.matching import MatchSettings, SiteMatch
from core.queue import IMPACT_ORDER, STATUS_ORDER, QueueFilter
from core.register import RegisterEntry, RegisterImport
from core.review import DECISIONS, REASONS
from core.scan import TileOutput
from core.sites import NOT_RATED_NO_DATA, NOT_RATED_NO_MODEL, Site
from db.schema import migrate


class StoreError(MineScanError):
    """The store refused a change (a constraint, a missing row) or cannot be opened."""

    title = "The store refused this change"


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
        raise StoreError(
            f"the store {path} cannot be opened: {str(err).splitlines()[0][:200]}. If the MineScan app or another "
            f"command is using it, stop that first (DuckDB allows one writing process per file)."
        ) from None
    except duckdb.Error as err:
        raise StoreError(f"{path} is not a MineScan store: {str(err).splitlines()[0][:200]}") from None
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
        raise StoreError(_reason(err)) from None
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


def _returned_id(row: tuple[Any, ...] | None) -> int:
    """The id an ``INSERT ... RETURNING id`` gave back."""
    if row is None:
        raise StoreError("the database returned no id for the new row")
    return int(row[0])


def _reason(err: duckdb.Error) -> str:
    text = str(err).strip().splitlines()[0]
    return text.split("Error: ", 1)[-1][:300]


# --- scans and sites -------------------------------------------------------------------------------------------


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
) -> int:
    """Record a scan as running (by ``runner``, host:pid); return its id.

    ``imagery_json`` is where the scene's pixels came from (:meth:`core.imagery_provenance.ImageryProvenance.to_json`).
    """
    west, south, east, north = bounds_lonlat
    row = con.execute(
        """INSERT INTO scan (scene_id, scene_path, scene_crs, west, south, east, north, synthetic,
               discovery_model, discovery_version, impact_model, impact_version, params_json, status, tiles_total,
               runner, imagery_json)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?) RETURNING id""",
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
        ],
    ).fetchone()
    return _returned_id(row)


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
        done = _count(con, "SELECT count(*) FROM scan_tile WHERE scan_id = ?", [scan_id])
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
        raise StoreError(f"there is no scan {scan_id}")
    return dict(df.iloc[0].to_dict())


def scan_imagery(con: duckdb.DuckDBPyConnection, scan_id: int) -> ImageryProvenance:
    """Where the pixels of a scan's scene came from (scans from before this was recorded: synthetic or unknown).

    Raises:
        StoreError: there is no such scan.
    """
    row = con.execute("SELECT imagery_json, synthetic FROM scan WHERE id = ?", [scan_id]).fetchone()
    if row is None:
        raise StoreError(f"there is no scan {scan_id}")
    return provenance_from_record(row[0], synthetic=bool(row[1]))


def _imagery_by_scan(con: duckdb.DuckDBPyConnection, scan_ids: Sequence[int]) -> dict[int, ImageryProvenance]:
    """The imagery of each of these scans, by scan id."""
    rows = con.execute(
        "SELECT id, imagery_json, synthetic FROM scan WHERE id IN (SELECT unnest(CAST(? AS BIGINT[])))",
        [sorted({int(i) for i in scan_ids})],
    ).fetchall()
    return {int(i): provenance_from_record(text, synthetic=bool(synthetic)) for i, text, synthetic in rows}


def _with_imagery_summary(con: duckdb.DuckDBPyConnection, scans: pd.DataFrame) -> pd.DataFrame:
    """``scans`` (with an ``id`` column) plus an ``imagery`` column: the one-line summary of each scan's imagery."""
    imagery = _imagery_by_scan(con, scans["id"].tolist())
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
        """SELECT id, scene_id, discovery_model || ' v' || discovery_version AS discovery_model,
                  CASE WHEN impact_model = '' THEN 'none' ELSE impact_model || ' v' || impact_version END
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


def insert_sites(
    con: duckdb.DuckDBPyConnection, scan_id: int, sites: Sequence[Site], double_review_share: float = 0.0
) -> int:
    """Store the sites of a scan, all or nothing; sites already stored by an identical scan are skipped.

    A share ``double_review_share`` of the new sites (chosen by a hash of their id: stable, spread over the queue)
    is marked for double review: two reviewers decide them blind to each other.

    Returns:
        The number of new sites.
    """
    rows = [
        [
            scan_id,
            s.scene_id,
            s.discovery_model,
            s.discovery_version,
            s.impact_model or "",
            s.impact_version or "",
            s.lon,
            s.lat,
            s.area_km2,
            s.p_max,
            s.p_mean,
            s.cell_count,
            s.impact_class,
            json.dumps(dict(s.impact_probs)) if s.impact_probs else None,
            s.outline_wkt,
        ]
        for s in sites
    ]
    before = _count(con, "SELECT count(*) FROM site")
    with transaction(con):
        if rows:
            con.executemany(
                """INSERT INTO site (scan_id, scene_id, discovery_model, discovery_version, impact_model,
                       impact_version, lon, lat, area_km2, p_max, p_mean, cell_count, impact_class,
                       impact_probs_json, outline_wkt)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
                rows,
            )
        if double_review_share > 0:
            con.execute(
                """INSERT INTO double_review (site_id) SELECT id FROM site
                   WHERE scan_id = ? AND hash(id) % 1000 < ? ON CONFLICT DO NOTHING""",
                [scan_id, round(1000 * double_review_share)],
            )
    return _count(con, "SELECT count(*) FROM site") - before


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> int:
    row = con.execute(sql, list(params)).fetchone()
    return int(row[0]) if row else 0


def scans(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every scan, newest first."""
    return con.execute("SELECT * FROM scan ORDER BY id DESC").df()


def site_points(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Id, lon and lat of every site."""
    return con.execute("SELECT id, lon, lat FROM site ORDER BY id").df()


# --- registers ---------------------------------------------------------------------------------------------------


def insert_register(con: duckdb.DuckDBPyConnection, imported: RegisterImport, kind: str) -> int:
    """Store an imported register file as a new snapshot, all or nothing; return the snapshot id."""
    report = imported.report()
    with transaction(con):
        row = con.execute(
            """INSERT INTO register_snapshot (kind, source_file, file_format, snapshot_date, rows_read, imported,
                   flagged, rejected, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [
                kind,
                imported.source_file,
                imported.file_format,
                imported.snapshot_date,
                imported.rows_read,
                len(imported.entries),
                int(report["flagged"]["count"]),
                len(imported.rejected),
                json.dumps(report, ensure_ascii=False, default=str),
            ],
        ).fetchone()
        snapshot_id = _returned_id(row)
        rows = [
            [
                snapshot_id,
                kind,
                e.register_id,
                e.name,
                e.owner,
                e.state,
                e.municipality,
                e.main_ore,
                e.height_m,
                e.volume_m3,
                e.construction_method,
                e.risk_category,
                e.potential_damage,
                e.emergency_level,
                e.lon,
                e.lat,
                e.geometry_wkt,
                json.dumps(e.raw, ensure_ascii=False),
                ",".join(e.flags),
                e.source_line,
            ]
            for e in imported.entries
        ]
        if rows:
            con.executemany(
                """INSERT INTO registered_site (snapshot_id, kind, register_id, name, owner, state, municipality,
                       main_ore, height_m, volume_m3, construction_method, risk_category, potential_damage,
                       emergency_level, lon, lat, geometry_wkt, raw_json, flags, source_line)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )
    return snapshot_id


def previous_snapshot_id(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> int | None:
    """The snapshot of the same kind imported just before ``snapshot_id``, if any."""
    row = con.execute(
        """SELECT max(p.id) FROM register_snapshot p JOIN register_snapshot s ON s.kind = p.kind
           WHERE s.id = ? AND p.id < s.id""",
        [snapshot_id],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def snapshots(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every imported register snapshot, newest first."""
    return con.execute(
        """SELECT id, kind, source_file, file_format, snapshot_date, imported_at, rows_read, imported, flagged,
               rejected FROM register_snapshot ORDER BY id DESC"""
    ).df()


def snapshot_entries(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> pd.DataFrame:
    """The entries of one snapshot."""
    return con.execute("SELECT * FROM registered_site WHERE snapshot_id = ? ORDER BY id", [snapshot_id]).df()


def snapshot_register_entries(con: duckdb.DuckDBPyConnection, snapshot_id: int) -> list[RegisterEntry]:
    """The entries of one snapshot as records (for diffs between snapshots)."""
    rows = snapshot_entries(con, snapshot_id)
    if rows.empty and _count(con, "SELECT count(*) FROM register_snapshot WHERE id = ?", [snapshot_id]) == 0:
        raise StoreError(f"there is no register snapshot {snapshot_id}")
    fields = RegisterEntry.__dataclass_fields__
    out = []
    for row in rows.to_dict("records"):
        values: dict[str, Any] = {k: (None if pd.isna(v) else v) for k, v in row.items() if k in fields}
        values["raw"] = json.loads(row["raw_json"])
        values["flags"] = tuple(f for f in str(row["flags"] or "").split(",") if f)
        values["source_line"] = int(row["source_line"] or 0)
        out.append(RegisterEntry(**values))
    return out


def current_register(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The entries that count now: the newest dam snapshot, and every mine and reference layer."""
    return con.execute(
        """SELECT r.* FROM registered_site r
           WHERE r.snapshot_id = (SELECT max(id) FROM register_snapshot WHERE kind = 'dam') OR r.kind <> 'dam'
           ORDER BY r.id"""
    ).df()


def register_near(
    con: duckdb.DuckDBPyConnection, lons: Sequence[float], lats: Sequence[float], margin_deg: float = 0.3
) -> pd.DataFrame:
    """The current register's entries within ``margin_deg`` of the box around the given points (for a map)."""
    if not len(lons):
        return current_register(con).iloc[0:0]
    west, east = float(min(lons)) - margin_deg, float(max(lons)) + margin_deg
    south, north = float(min(lats)) - margin_deg, float(max(lats)) + margin_deg
    return con.execute(
        """SELECT r.* FROM registered_site r
           WHERE (r.snapshot_id = (SELECT max(id) FROM register_snapshot WHERE kind = 'dam') OR r.kind <> 'dam')
             AND (r.lon IS NULL OR (r.lon BETWEEN ? AND ? AND r.lat BETWEEN ? AND ?))
           ORDER BY r.id""",
        [west, east, south, north],
    ).df()


def replace_matches(
    con: duckdb.DuckDBPyConnection, site_ids: Sequence[int], matches: Sequence[SiteMatch], settings: MatchSettings
) -> None:
    """Replace every stored match (derived data) with freshly computed ones, all or nothing."""
    rows = [
        [
            int(i),
            m.status,
            m.nearest_dam,
            m.nearest_dam_m,
            m.nearest_mine,
            m.nearest_mine_m,
            m.inside_registered,
            m.inside_reference,
            settings.radius_m,
            settings.off_target_radius_m,
        ]
        for i, m in zip(site_ids, matches, strict=True)
    ]
    with transaction(con):
        con.execute("DELETE FROM site_match")
        if rows:
            con.executemany(
                """INSERT INTO site_match (site_id, status, nearest_dam, nearest_dam_m, nearest_mine, nearest_mine_m,
                       inside_registered, inside_reference, radius_m, off_target_radius_m)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )


# --- reviews -----------------------------------------------------------------------------------------------------


def add_review(
    con: duckdb.DuckDBPyConnection,
    site_id: int,
    reviewer: str,
    decision: str,
    reason: str | None = None,
    note: str | None = None,
    seconds_spent: float | None = None,
    role: str | None = None,
    kind: str = "decision",
) -> int:
    """Append a decision on a site (earlier decisions stay in the history); return the review id.

    ``reviewer`` and ``role`` come from the signed-in identity (:func:`db.workflows.decide` checks the role).

    Raises:
        StoreError: unknown decision or reason code, empty reviewer, or a site that does not exist.
    """
    if decision not in DECISIONS:
        raise StoreError(f"unknown decision {decision!r}; use one of {', '.join(DECISIONS)}")
    if reason is not None and reason not in REASONS:
        raise StoreError(f"unknown reason code {reason!r}; use one of {', '.join(REASONS)}")
    if kind not in REVIEW_KINDS:
        raise StoreError(f"unknown review kind {kind!r}; use one of {', '.join(REVIEW_KINDS)}")
    if not reviewer or not reviewer.strip():
        raise StoreError("a decision needs the reviewer's name")
    if _count(con, "SELECT count(*) FROM site WHERE id = ?", [site_id]) == 0:
        raise StoreError(f"there is no site {site_id} to review")
    with transaction(con):
        row = con.execute(
            """INSERT INTO review (site_id, reviewer, decision, reason, note, seconds_spent, role, kind)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [site_id, reviewer.strip(), decision, reason, note, seconds_spent, role, kind],
        ).fetchone()
    return _returned_id(row)


#: 'decision': a reviewer's call; 'override': a supervisor's final word (signs off a disagreement or corrects).
REVIEW_KINDS = ("decision", "override")

PAIRS_SQL = """
WITH firsts AS (
    SELECT r.site_id, r.reviewer, r.decision, r.decided_at, r.id
    FROM review r JOIN double_review d ON d.site_id = r.site_id
    WHERE r.kind = 'decision'
    QUALIFY row_number() OVER (PARTITION BY r.site_id, r.reviewer ORDER BY r.decided_at, r.id) = 1
), ordered AS (
    SELECT *, row_number() OVER (PARTITION BY site_id ORDER BY decided_at, id) AS k FROM firsts
), overrides AS (
    SELECT site_id, decision, reviewer FROM review WHERE kind = 'override'
    QUALIFY row_number() OVER (PARTITION BY site_id ORDER BY decided_at DESC, id DESC) = 1
)
SELECT a.site_id, a.reviewer AS reviewer_1, a.decision AS decision_1, b.reviewer AS reviewer_2,
       b.decision AS decision_2, o.decision AS override_decision, o.reviewer AS override_by
FROM ordered a JOIN ordered b ON b.site_id = a.site_id AND b.k = 2
LEFT JOIN overrides o ON o.site_id = a.site_id
WHERE a.k = 1
ORDER BY a.site_id
"""


def double_review_pairs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Double-reviewed sites decided by two reviewers: each one's first decision, and any supervisor override."""
    return con.execute(PAIRS_SQL).df()


def disagreements(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Double-reviewed sites whose two reviewers disagreed and that no supervisor has signed off yet."""
    pairs = double_review_pairs(con)
    return pairs[(pairs["decision_1"] != pairs["decision_2"]) & pairs["override_decision"].isna()]


def review_history(con: duckdb.DuckDBPyConnection, site_id: int) -> pd.DataFrame:
    """Every decision on a site, oldest first."""
    return con.execute("SELECT * FROM review WHERE site_id = ? ORDER BY decided_at, id", [site_id]).df()


# --- exports -----------------------------------------------------------------------------------------------------

#: One row per site with its register match and latest decision. Two parameters: the 'not rated' texts.
SITE_ROWS_SQL = """
SELECT s.id AS site_id, s.scan_id, s.scene_id, s.lon, s.lat, s.area_km2, s.p_max, s.p_mean, s.cell_count,
       s.impact_class,
       CASE WHEN s.impact_class IS NOT NULL THEN s.impact_class
            WHEN s.impact_model = '' THEN CAST(? AS VARCHAR) ELSE CAST(? AS VARCHAR) END AS impact_rating,
       m.status AS match_status,
       d.register_id AS nearest_dam_id, d.name AS nearest_dam_name, d.owner AS nearest_dam_owner,
       m.nearest_dam_m, mi.register_id AS nearest_mine_id, m.nearest_mine_m,
       d.state AS nearest_dam_state, d.main_ore AS nearest_dam_ore, d.risk_category AS nearest_dam_risk,
       d.potential_damage AS nearest_dam_damage,
       coalesce(pr.register_id, pf.register_id) AS inside_polygon_id,
       r.decision, r.reason, r.note, r.reviewer, r.decided_at,
       s.discovery_model || ' v' || s.discovery_version AS discovery_model,
       CASE WHEN s.impact_model = '' THEN '' ELSE s.impact_model || ' v' || s.impact_version END AS impact_model,
       s.outline_wkt
FROM site s
LEFT JOIN site_match m ON m.site_id = s.id
LEFT JOIN registered_site d ON d.id = m.nearest_dam
LEFT JOIN registered_site mi ON mi.id = m.nearest_mine
LEFT JOIN registered_site pr ON pr.id = m.inside_registered
LEFT JOIN registered_site pf ON pf.id = m.inside_reference
LEFT JOIN latest_review r ON r.site_id = s.id
"""
_NOT_RATED = [NOT_RATED_NO_MODEL, NOT_RATED_NO_DATA]
#: The same rows for a list of site ids (a third parameter), filtered before the joins.
_SITE_ROWS_OF_IDS_SQL = SITE_ROWS_SQL.replace(
    "FROM site s", "FROM (SELECT * FROM site WHERE id IN (SELECT unnest(CAST(? AS BIGINT[])))) s"
)

EXPORT_SQL = f"""
{SITE_ROWS_SQL}
WHERE (CAST(? AS BIGINT) IS NULL OR s.scan_id = ?)
  AND (CAST(? AS VARCHAR) IS NULL OR m.status = ?)
  AND (CAST(? AS VARCHAR) IS NULL OR coalesce(r.decision, 'undecided') = ?)
ORDER BY s.id
"""


def export_rows(
    con: duckdb.DuckDBPyConnection,
    *,
    scan_id: int | None = None,
    status: str | None = None,
    decision: str | None = None,
) -> pd.DataFrame:
    """One row per site with its register match and latest decision; ``decision`` may be 'undecided'.

    ``impact_rating`` is the impact class, or says why a site has none (no impact model, or no valid patch).
    The ``imagery_*`` columns (:data:`core.imagery_provenance.IMAGERY_EXPORT_COLUMNS`) say where the pixels of the
    scan that found the site came from.
    """
    params = [*_NOT_RATED, scan_id, scan_id, status, status, decision, decision]
    rows = con.execute(EXPORT_SQL, params).df()
    # One recipe per scan, not per site: a scan's imagery is parsed once however many sites it found.
    imagery = {k: v.export_fields() for k, v in _imagery_by_scan(con, rows["scan_id"].unique().tolist()).items()}
    for column in IMAGERY_EXPORT_COLUMNS:
        values = [imagery[int(k)][column] if int(k) in imagery else None for k in rows["scan_id"]]
        rows[column] = pd.Series(values, index=rows.index, dtype=object)
    return rows


# --- the triage queue --------------------------------------------------------------------------------------------

#: Double-review sites fewer than two reviewers have decided ('blind'), and one reviewer's own latest decisions.
#: One parameter: the reviewer.
_BLIND_OWN_SQL = """
blind AS (
    SELECT d.site_id FROM double_review d
    LEFT JOIN review r ON r.site_id = d.site_id AND r.kind = 'decision'
    GROUP BY d.site_id HAVING count(DISTINCT r.reviewer) < 2
), own AS (
    SELECT site_id, decision, reason, note, reviewer, decided_at FROM review WHERE reviewer = ?
    QUALIFY row_number() OVER (PARTITION BY site_id ORDER BY decided_at DESC, id DESC) = 1
)"""
#: The columns the queue filters and sorts on, as one reviewer sees them (on blind sites only their own decision).
#: Parameters: the reviewer. Narrow on purpose: ranking 100,000 sites must not drag their outlines along.
_SLIM_SQL = f"""
WITH {_BLIND_OWN_SQL}, slim AS (
    SELECT s.id AS site_id, s.scan_id, s.lon, s.lat, s.p_max, s.area_km2, s.impact_class, m.status AS match_status,
           d.state AS nearest_dam_state,
           CASE WHEN b.site_id IS NULL THEN r.decision ELSE o.decision END AS decision
    FROM site s
    LEFT JOIN site_match m ON m.site_id = s.id
    LEFT JOIN registered_site d ON d.id = m.nearest_dam
    LEFT JOIN latest_review r ON r.site_id = s.id
    LEFT JOIN blind b ON b.site_id = s.id
    LEFT JOIN own o ON o.site_id = s.id
)
"""  # noqa: S608
_QUEUE_WHERE = """
WHERE (CAST(? AS BIGINT) IS NULL OR scan_id = ?)
  AND (len(CAST(? AS VARCHAR[])) = 0 OR list_contains(CAST(? AS VARCHAR[]), nearest_dam_state))
  AND (len(CAST(? AS VARCHAR[])) = 0 OR list_contains(CAST(? AS VARCHAR[]), match_status))
  AND (len(CAST(? AS VARCHAR[])) = 0 OR list_contains(CAST(? AS VARCHAR[]), coalesce(impact_class, 'not rated')))
  AND (CAST(? AS BOOLEAN) IS NULL OR (decision IS NOT NULL) = CAST(? AS BOOLEAN))
"""
# Composed of the constant fragments above only; every value is a bound parameter.
QUEUE_RANK_SQL = f"""{_SLIM_SQL}
SELECT site_id FROM slim {_QUEUE_WHERE}
ORDER BY (decision IS NOT NULL),
         coalesce(list_position(CAST(? AS VARCHAR[]), match_status), 99),
         coalesce(list_position(CAST(? AS VARCHAR[]), impact_class), 99),
         p_max DESC, area_km2 DESC, site_id
LIMIT ? OFFSET ?"""  # noqa: S608 -- a top-N sort: numbering every row with a window function costs 3x
QUEUE_COUNT_SQL = f"{_SLIM_SQL} SELECT count(*) FROM slim {_QUEUE_WHERE}"  # noqa: S608
QUEUE_DENSITY_SQL = f"""{_SLIM_SQL}
SELECT (floor(lon / ?) + 0.5) * ? AS lon, (floor(lat / ?) + 0.5) * ? AS lat, count(*) AS sites,
       count(*) FILTER (WHERE decision IS NULL) AS undecided
FROM slim {_QUEUE_WHERE} GROUP BY ALL"""  # noqa: S608
#: Full rows of the given sites as one reviewer sees them. Parameters: reviewer, the 'not rated' texts, site ids.
QUEUE_ROWS_SQL = f"""
WITH {_BLIND_OWN_SQL}, base AS ({_SITE_ROWS_OF_IDS_SQL})
SELECT base.* REPLACE (
           CASE WHEN b.site_id IS NULL THEN base.decision ELSE o.decision END AS decision,
           CASE WHEN b.site_id IS NULL THEN base.reason ELSE o.reason END AS reason,
           CASE WHEN b.site_id IS NULL THEN base.note ELSE o.note END AS note,
           CASE WHEN b.site_id IS NULL THEN base.reviewer ELSE o.reviewer END AS reviewer,
           CASE WHEN b.site_id IS NULL THEN base.decided_at ELSE o.decided_at END AS decided_at),
       b.site_id IS NOT NULL AS blind
FROM base LEFT JOIN blind b ON b.site_id = base.site_id LEFT JOIN own o ON o.site_id = base.site_id
"""  # noqa: S608


def _filter_params(f: QueueFilter) -> list[Any]:
    states, statuses, impacts = list(f.states), list(f.statuses), list(f.impacts)
    return [f.scan_id, f.scan_id, states, states, statuses, statuses, impacts, impacts, f.decided, f.decided]


def queue_page(
    con: duckdb.DuckDBPyConnection, reviewer: str, queue: QueueFilter, *, limit: int, offset: int = 0
) -> tuple[pd.DataFrame, int]:
    """One page of the ranked triage queue as ``reviewer`` sees it, with a ``rank`` column, and the total count.

    The order is :data:`core.queue.RANKING_EXPLAINED` (undecided first; register status; impact; P(mine); area).
    On double-review sites fewer than two reviewers have decided (``blind``), only the reviewer's own decision.
    """
    order = [list(STATUS_ORDER), list(IMPACT_ORDER)]
    ranks = con.execute(QUEUE_RANK_SQL, [reviewer, *_filter_params(queue), *order, limit, offset]).fetchall()
    total = _count(con, QUEUE_COUNT_SQL, [reviewer, *_filter_params(queue)])
    ids = [int(r[0]) for r in ranks]
    rows = con.execute(QUEUE_ROWS_SQL, [reviewer, *_NOT_RATED, ids]).df()
    rank = {site_id: offset + k for k, site_id in enumerate(ids, start=1)}
    page = rows.assign(rank=rows["site_id"].map(rank).astype("int64")).sort_values("rank", ignore_index=True)
    return page, total


def queue_density(
    con: duckdb.DuckDBPyConnection, reviewer: str, queue: QueueFilter, cell_deg: float = 0.25
) -> pd.DataFrame:
    """Every site the filter keeps, counted on a ``cell_deg`` grid (lon, lat of the cell centre, sites, undecided):
    the whole queue on the map at the cost of a few thousand points."""
    cell = [cell_deg] * 4
    return con.execute(QUEUE_DENSITY_SQL, [reviewer, *cell, *_filter_params(queue)]).df()


def queue_version(con: duckdb.DuckDBPyConnection) -> tuple[int, ...]:
    """A token that changes whenever the queue could: a decision, new sites, a register import, double review."""
    row = con.execute(
        """SELECT (SELECT coalesce(max(id), 0) FROM review), (SELECT coalesce(max(id), 0) FROM site),
                  (SELECT coalesce(max(id), 0) FROM register_snapshot), (SELECT count(*) FROM double_review),
                  (SELECT count(*) FROM site_match)"""
    ).fetchone()
    return tuple(int(v) for v in row) if row else ()


def queue_choices(con: duckdb.DuckDBPyConnection) -> tuple[list[int], list[str]]:
    """The scans (newest first) and the states of nearest dams the queue can be filtered by."""
    scans = [int(r[0]) for r in con.execute("SELECT DISTINCT scan_id FROM site ORDER BY 1 DESC").fetchall()]
    states = [
        str(r[0])
        for r in con.execute(
            """SELECT DISTINCT d.state FROM site_match m JOIN registered_site d ON d.id = m.nearest_dam
               WHERE d.state IS NOT NULL ORDER BY 1"""
        ).fetchall()
    ]
    return scans, states


# --- app views -----------------------------------------------------------------------------------------------------


def scan_scene_path(con: duckdb.DuckDBPyConnection, scan_id: int) -> str | None:
    """The scene file a scan read."""
    row = con.execute("SELECT scene_path FROM scan WHERE id = ?", [scan_id]).fetchone()
    return str(row[0]) if row else None


def has_sites(con: duckdb.DuckDBPyConnection) -> bool:
    """True once any scan stored a site."""
    return _count(con, "SELECT count(*) FROM site") > 0


def status_decision_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Number of sites per register status and latest decision ('undecided' when none)."""
    return con.execute(
        """SELECT coalesce(m.status, 'not matched') AS status, coalesce(r.decision, 'undecided') AS decision,
                  count(*) AS sites
           FROM site s LEFT JOIN site_match m ON m.site_id = s.id LEFT JOIN latest_review r ON r.site_id = s.id
           GROUP BY ALL ORDER BY ALL"""
    ).df()


def reviewer_throughput(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Decisions per reviewer and day, with the median seconds spent."""
    return con.execute(
        """SELECT CAST(decided_at AS DATE) AS day, reviewer, count(*) AS decisions,
                  median(seconds_spent) AS median_seconds
           FROM review GROUP BY ALL ORDER BY day, reviewer"""
    ).df()


def site_impact_probs(con: duckdb.DuckDBPyConnection, site_id: int) -> dict[str, float]:
    """The impact model's mean probabilities for a site ({} when it was not rated)."""
    row = con.execute("SELECT impact_probs_json FROM site WHERE id = ?", [site_id]).fetchone()
    return dict(json.loads(row[0])) if row and row[0] else {}


def scan_summary(con: duckdb.DuckDBPyConnection, scan_id: int) -> pd.DataFrame:
    """Sites of one scan by register status and impact class."""
    return con.execute(
        """SELECT coalesce(m.status, 'not matched') AS status, coalesce(s.impact_class, 'not rated') AS impact,
                  count(*) AS sites
           FROM site s LEFT JOIN site_match m ON m.site_id = s.id WHERE s.scan_id = ? GROUP BY ALL ORDER BY ALL""",
        [scan_id],
    ).df()


# --- what the store is for ---------------------------------------------------------------------------------------

#: The demo register's file name (core.synthetic.DemoPaths): the one register a demo store may hold.
DEMO_REGISTER_FILE = "anm_register_demo.csv"


def store_kind(con: duckdb.DuckDBPyConnection) -> str:
    """'demo' (synthetic demo only), 'work' (real work), or 'empty' (nothing stored and not yet marked)."""
    row = con.execute("SELECT value FROM store_info WHERE key = 'kind'").fetchone()
    if row:
        return str(row[0])
    used = _count(con, "SELECT (SELECT count(*) FROM scan) + (SELECT count(*) FROM register_snapshot)")
    return "work" if used else "empty"


def mark_store(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Record what the store is for (once: a later call with another kind is ignored)."""
    if kind not in ("demo", "work"):
        raise ValueError(f"a store is 'demo' or 'work'; got {kind!r}")
    con.execute("INSERT INTO store_info VALUES ('kind', ?) ON CONFLICT DO NOTHING", [kind])


def demo_mixed_with_real(con: duckdb.DuckDBPyConnection) -> bool:
    """True for a demo store that also holds a real register or a scan of real imagery (from before the split)."""
    if store_kind(con) != "demo":
        return False
    return _count(
        con,
        """SELECT (SELECT count(*) FROM register_snapshot WHERE source_file <> ?)
                + (SELECT count(*) FROM scan WHERE NOT synthetic)""",
        [DEMO_REGISTER_FILE],
    ) > 0
