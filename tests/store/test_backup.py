"""Backup and restore of the store: everything comes back, ids continue, bad targets and damaged backups refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.register.matching import MatchSettings
from core.scan.pipeline import ScanSettings
from db.backup import MANIFEST, backup_store, restore_store
from db.connection import StoreError
from db.reviews import add_review
from db.store import Store
from db.workflows import scan_into_store
from tests.fakes import fake_discovery, fake_impact
from tests.store_workers import planted_scene

TABLES = ("scan", "site", "site_match", "review", "register_snapshot", "registered_site", "schema_version")


def _dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    return store.read(
        lambda con: {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}  # noqa: S608
    )


@pytest.fixture()
def filled(tmp_path: Path) -> Store:
    store = Store(tmp_path / "store.duckdb")
    scan_into_store(
        store, planted_scene(tmp_path / "s.tif", 900), fake_discovery(), fake_impact(), ScanSettings(), MatchSettings()
    )
    sites = store.read(lambda con: [r[0] for r in con.execute("SELECT id FROM site").fetchall()])
    for k, site in enumerate(sites):
        note = "<script>alert('x')</script>; DROP TABLE review; -- ção" if k == 0 else f"note {k}"
        store.write(lambda con, s=site, n=note: add_review(con, s, "ana", "confirmed", note=n))
    return store


def test_backup_and_restore_give_back_every_row_and_ids_continue(filled: Store, tmp_path: Path, capsys) -> None:
    from cli.main import main

    assert main(["backup", str(tmp_path / "bk"), "--db", str(filled.path)]) == 0
    assert "Backed up" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "bk" / MANIFEST).read_text())
    assert manifest["rows"]["review"] > 0 and manifest["schema_version"] >= 2
    assert main(["restore", str(tmp_path / "bk"), "--to", str(tmp_path / "restored.duckdb")]) == 0
    restored = Store(tmp_path / "restored.duckdb")
    assert _dump(restored) == _dump(filled)
    # New rows after a restore get new ids (sequences were restored too), and the views work.
    site = restored.read(lambda con: con.execute("SELECT min(id) FROM site").fetchone()[0])
    old_max = restored.read(lambda con: con.execute("SELECT max(id) FROM review").fetchone()[0])
    new_id = restored.write(lambda con: add_review(con, site, "bia", "rejected"))
    assert new_id > old_max
    latest = restored.read(
        lambda con: con.execute("SELECT reviewer FROM latest_review WHERE site_id = ?", [site]).fetchone()
    )
    assert latest == ("bia",)


def test_restore_never_overwrites_and_damaged_backups_are_refused(filled: Store, tmp_path: Path) -> None:
    info = backup_store(filled, tmp_path / "bk")
    with pytest.raises(StoreError, match="not empty"):
        backup_store(filled, tmp_path / "bk")
    with pytest.raises(StoreError, match="exists: restore into a new file"):
        restore_store(info.folder, filled.path)
    with pytest.raises(StoreError, match="not a MineScan backup"):
        restore_store(tmp_path, tmp_path / "x.duckdb")
    # A manifest that disagrees with the data (a lost or truncated table file) is refused, and no store is left.
    manifest = json.loads((info.folder / MANIFEST).read_text())
    manifest["rows"]["review"] += 1
    (info.folder / MANIFEST).write_text(json.dumps(manifest))
    target = tmp_path / "bad.duckdb"
    with pytest.raises(StoreError, match="does not match the backup.*review"):
        restore_store(info.folder, target)
    assert not target.exists() and not list(tmp_path.glob("bad.duckdb*"))
