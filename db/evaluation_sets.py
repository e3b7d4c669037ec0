"""Each model's frozen evaluation set: decided sites held out of every training set, scored before and after."""

from __future__ import annotations

from pathlib import Path

import duckdb

from db.connection import transaction


def freeze_sites(con: duckdb.DuckDBPyConnection, model_name: str, held_out: dict[int, int], set_id: int) -> None:
    """Record the sites (site id -> the review they were decided by) as ``model_name``'s evaluation set."""
    with transaction(con):
        con.executemany(
            "INSERT INTO evaluation_site (model_name, site_id, review_id, training_set_id) VALUES (?, ?, ?, ?)",
            [(model_name, site, review, set_id) for site, review in sorted(held_out.items())],
        )


def frozen_points(con: duckdb.DuckDBPyConnection, model_name: str) -> list[tuple[float, float]]:
    """Where the model's evaluation sites are (lon, lat): training windows keep away from them."""
    rows = con.execute(
        "SELECT s.lon, s.lat FROM evaluation_site e JOIN site s ON s.id = e.site_id WHERE e.model_name = $m",
        {"m": model_name},
    ).fetchall()
    return [(float(lon), float(lat)) for lon, lat in rows]


def frozen_cases(con: duckdb.DuckDBPyConnection, model_name: str) -> dict[Path, list[tuple[int, str, str, str]]]:
    """The model's evaluation cases by scene file: (site id, decision, reason, outline WKT in WGS84), with the
    decision they were frozen with (later decisions do not move the yardstick)."""
    rows = con.execute(
        """SELECT c.scene_path, s.id, r.decision, coalesce(r.reason, r.decision), s.outline_wkt
           FROM evaluation_site e JOIN site s ON s.id = e.site_id JOIN review r ON r.id = e.review_id
           JOIN scan c ON c.id = s.scan_id WHERE e.model_name = $m ORDER BY c.scene_path, s.id""",
        {"m": model_name},
    ).fetchall()
    out: dict[Path, list[tuple[int, str, str, str]]] = {}
    for path, site, decision, reason, wkt in rows:
        out.setdefault(Path(path), []).append((int(site), str(decision), str(reason), str(wkt)))
    return out
