"""Candidate sites a scan found: stored once per scan, with their outlines and impact probabilities."""

from __future__ import annotations

import json
from collections.abc import Sequence

import duckdb
import pandas as pd

from core.scan.sites import Site
from db.connection import count_of, transaction
from db.places import build_places


def insert_sites(
    con: duckdb.DuckDBPyConnection,
    scan_id: int,
    sites: Sequence[Site],
    double_review_share: float = 0.0,
    *,
    places: bool = True,
) -> int:
    """Store the sites of a scan, all or nothing; sites already stored by an identical scan are skipped.

    The places are rebuilt in the same transaction (``places=False`` leaves that to a later
    :func:`db.places.build_places`, for bulk loads).

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
    before = count_of(con, "SELECT count(*) FROM site")
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
        if places:
            build_places(con)
    return count_of(con, "SELECT count(*) FROM site") - before


def site_points(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Id, lon and lat of every site."""
    return con.execute("SELECT id, lon, lat FROM site ORDER BY id").df()


def scan_sites(con: duckdb.DuckDBPyConnection, scan_id: int) -> list[tuple[int, str]]:
    """Id and WGS84 outline (WKT) of each site of one scan."""
    rows = con.execute(
        "SELECT id, outline_wkt FROM site WHERE scan_id = $scan ORDER BY id", {"scan": scan_id}
    ).fetchall()
    return [(int(i), str(w)) for i, w in rows]


def has_sites(con: duckdb.DuckDBPyConnection) -> bool:
    """True once any scan stored a site."""
    return count_of(con, "SELECT count(*) FROM site") > 0


def site_impact_probs(con: duckdb.DuckDBPyConnection, site_id: int) -> dict[str, float]:
    """The impact model's mean probabilities for a site ({} when it was not rated)."""
    row = con.execute("SELECT impact_probs_json FROM site WHERE id = ?", [site_id]).fetchone()
    return dict(json.loads(row[0])) if row and row[0] else {}
