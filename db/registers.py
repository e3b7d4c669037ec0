"""Register snapshots (ANM SIGBM dams, mines, reference layers), their entries, and the sites' matches.

A snapshot is never changed after import; matching writes one row per site in ``site_match``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from core.register import RegisterEntry, RegisterImport
from core.register.matching import MatchSettings, SiteMatch
from core.wording.translate import _
from db.connection import StoreError, count_of, returned_id, transaction


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
        snapshot_id = returned_id(row)
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
    if rows.empty and count_of(con, "SELECT count(*) FROM register_snapshot WHERE id = ?", [snapshot_id]) == 0:
        raise StoreError(_("there is no register snapshot {snapshot_id}").format(snapshot_id=snapshot_id))
    fields = RegisterEntry.__dataclass_fields__
    out = []
    for row in rows.to_dict("records"):
        values: dict[str, Any] = {k: (None if pd.isna(v) else v) for k, v in row.items() if k in fields}
        values["raw"] = json.loads(row["raw_json"])
        values["flags"] = tuple(f for f in str(row["flags"] or "").split(",") if f)
        values["source_line"] = int(row["source_line"] or 0)
        out.append(RegisterEntry(**values))
    return out


#: The register entries that count now, as a condition on ``registered_site r``: the newest dam snapshot, and every
#: mine and reference layer.
CURRENT_REGISTER_SQL = "(r.kind <> 'dam' OR r.snapshot_id = (SELECT max(id) FROM register_snapshot WHERE kind = 'dam'))"


def current_register(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The entries that count now: the newest dam snapshot, and every mine and reference layer."""
    return con.execute(
        f"SELECT r.* FROM registered_site r WHERE {CURRENT_REGISTER_SQL} ORDER BY r.id"  # noqa: S608
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
        f"""SELECT r.* FROM registered_site r
           WHERE {CURRENT_REGISTER_SQL}
             AND (r.lon IS NULL OR (r.lon BETWEEN ? AND ? AND r.lat BETWEEN ? AND ?))
           ORDER BY r.id""",  # noqa: S608
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
