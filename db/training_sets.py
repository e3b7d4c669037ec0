"""Training sets in the store: the decided sites of chosen scans, and the record of every set built from them
(which windows, from which reviews, scans and scenes; counts by class and reason)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from core.training.review_set_files import ScanInput, SiteInput
from core.training.review_sets import ReviewRow, effective_decisions
from core.wording.translate import _
from db.connection import StoreError, count_of, returned_id, transaction

REVIEWS_SQL = """
SELECT r.id, r.site_id, r.decision, r.reason, coalesce(r.kind, 'decision') AS kind, r.reviewer,
       row_number() OVER (ORDER BY r.decided_at, r.id) AS ord
FROM review r JOIN site s ON s.id = r.site_id
WHERE s.scan_id IN (SELECT unnest($scan_ids))
"""


def decided_scans(con: duckdb.DuckDBPyConnection, scan_ids: list[int]) -> list[ScanInput]:
    """The scans ``scan_ids`` with each site's effective decision (an override signs off) and every site point of
    their scenes (background windows keep away from all of them).

    Raises:
        StoreError: a scan that does not exist.
    """
    known = set(con.execute("SELECT id FROM scan WHERE id IN (SELECT unnest($ids))", {"ids": scan_ids}).fetchall())
    missing = sorted(set(scan_ids) - {k for (k,) in known})
    if missing:
        raise StoreError(_("there is no scan {scan_ids} in the store").format(scan_ids=", ".join(map(str, missing))))
    rows = [
        ReviewRow(int(i), int(site), str(d), r, str(k), str(who), int(o))
        for i, site, d, r, k, who, o in con.execute(REVIEWS_SQL, {"scan_ids": scan_ids}).fetchall()
    ]
    decided = effective_decisions(rows)
    sites = con.execute(
        """SELECT s.id, s.scan_id, s.lon, s.lat, s.outline_wkt, c.scene_path
           FROM site s JOIN scan c ON c.id = s.scan_id WHERE s.scan_id IN (SELECT unnest($ids)) ORDER BY s.id""",
        {"ids": scan_ids},
    ).fetchall()
    paths = dict(con.execute("SELECT id, scene_path FROM scan WHERE id IN (SELECT unnest($ids))",
                             {"ids": scan_ids}).fetchall())  # fmt: skip
    neighbours = con.execute(
        """SELECT c.scene_path, s.lon, s.lat FROM site s JOIN scan c ON c.id = s.scan_id
           WHERE c.scene_path IN (SELECT scene_path FROM scan WHERE id IN (SELECT unnest($ids)))""",
        {"ids": scan_ids},
    ).fetchall()
    out = []
    for scan_id in sorted(set(scan_ids)):
        mine = [
            SiteInput(int(sid), d.review_id, d.decision, d.reason, d.kind == "override", float(lon), float(lat), wkt)
            for sid, scan, lon, lat, wkt, _path in sites
            if scan == scan_id and (d := decided.get(int(sid))) is not None
        ]
        around = [(float(lon), float(lat)) for path, lon, lat in neighbours if path == paths[scan_id]]
        out.append(ScanInput(scan_id, Path(paths[scan_id]), mine, around))
    return out


def start_training_set(con: duckdb.DuckDBPyConnection, name: str, source: str, bands: tuple[str, ...],
                       created_by: str, model_name: str) -> int:  # fmt: skip
    """Record a training set being built for ``model_name``; return its id."""
    with transaction(con):
        row = con.execute(
            """INSERT INTO training_set (name, source, bands, status, created_by, model_name)
               VALUES ($name, $source, $bands, 'building', $by, $model) RETURNING id""",
            {"name": name, "source": source, "bands": ",".join(bands), "by": created_by, "model": model_name},
        ).fetchone()
    return returned_id(row)


def finish_training_set(con: duckdb.DuckDBPyConnection, set_id: int, folder: Path, manifest: dict[str, Any]) -> None:
    """Record the built set: its folder, fingerprint, counts, skipped scans (or points) and every window."""
    items = manifest["items"]
    rows = [
        (set_id, i, it["file"], it["label"], it["reason"], it["scan_id"], it["site_id"], it["review_id"], it["place"],
         it["row"], it["col"], it["sha256"])
        for i, it in enumerate(items)
    ]  # fmt: skip
    with transaction(con):
        con.executemany("INSERT INTO training_set_item VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute(
            """UPDATE training_set SET status = 'ready', folder = $folder, fingerprint = $fp, counts_json = $counts,
                      skipped_json = $skipped WHERE id = $id""",
            {"folder": str(folder), "fp": manifest["fingerprint"], "counts": json.dumps(manifest["counts"]),
             "skipped": json.dumps(manifest["skipped_scans"] + manifest.get("skipped_points", []), default=str),
             "id": set_id},
        )  # fmt: skip


def fail_training_set(con: duckdb.DuckDBPyConnection, set_id: int, message: str) -> None:
    """Record why a set could not be built."""
    with transaction(con):
        con.execute(
            "UPDATE training_set SET status = 'failed', message = $m WHERE id = $id", {"m": message, "id": set_id}
        )


def training_sets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every training set, newest first."""
    return con.execute(
        """SELECT id, name, model_name, source, status, bands, counts_json, fingerprint, folder, created_by, created_at,
                  message
           FROM training_set ORDER BY id DESC"""
    ).df()


def training_set(con: duckdb.DuckDBPyConnection, set_id: int) -> dict[str, Any]:
    """One ready training set.

    Raises:
        StoreError: no such set, or it is not ready (still building or failed).
    """
    row = con.execute(
        "SELECT id, name, status, bands, folder, fingerprint, message, model_name FROM training_set WHERE id = $id",
        {"id": set_id},
    ).fetchone()
    if row is None:
        raise StoreError(_("there is no training set {set_id}").format(set_id=set_id))
    sid, name, status, bands, folder, fp, message, model_name = row
    if status != "ready":
        if message:
            raise StoreError(_("training set {set_id} is {status}: {message}").format(set_id=set_id, status=status,
                                                                                      message=message))  # fmt: skip
        raise StoreError(_("training set {set_id} is {status}").format(set_id=set_id, status=status))
    return {"id": sid, "name": name, "bands": tuple(bands.split(",")), "folder": Path(folder), "fingerprint": fp,
            "model_name": model_name}  # fmt: skip


def training_set_items(con: duckdb.DuckDBPyConnection, set_id: int) -> pd.DataFrame:
    """The windows of a training set as recorded."""
    return con.execute("SELECT * FROM training_set_item WHERE training_set_id = $id ORDER BY item", {"id": set_id}).df()


def reviews_in_sets(con: duckdb.DuckDBPyConnection) -> int:
    """How many distinct reviews some training set learned from."""
    return count_of(con, "SELECT count(DISTINCT review_id) FROM training_set_item WHERE review_id IS NOT NULL")
