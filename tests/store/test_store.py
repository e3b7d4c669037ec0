"""The DuckDB store: migrations, idempotent re-scans, constraints, append-only reviews, all-or-nothing imports."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from shapely.geometry import box

from core.register import RegisterEntry, RegisterImport
from core.register.matching import MatchSettings
from core.scan.sites import Site
from db.connection import StoreError, connect
from db.exports import export_rows
from db.registers import insert_register, snapshots
from db.reviews import add_review, review_history
from db.scans import start_scan
from db.schema import MIGRATIONS, migrate
from db.sites import insert_sites, site_points
from db.workflows import rematch


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return connect(tmp_path / "test.duckdb")


def _site(lon: float, lat: float, scene: str = "s1") -> Site:
    return Site(
        lon=lon,
        lat=lat,
        outline_wkt=box(lon - 0.001, lat - 0.001, lon + 0.001, lat + 0.001).wkt,
        area_km2=0.05,
        p_max=0.9,
        p_mean=0.8,
        cell_count=1,
        cells=((0, 0),),
        impact_class="high_impact",
        impact_probs=(("high_impact", 0.8), ("low_impact", 0.1), ("no_ore", 0.1)),
        scene_id=scene,
        discovery_model="m",
        discovery_version="1",
        impact_model="i",
        impact_version="1",
    )


def _scan(con: duckdb.DuckDBPyConnection) -> int:
    return start_scan(
        con,
        scene_id="s1",
        scene_path="/x/s1.tif",
        scene_crs="EPSG:32723",
        bounds_lonlat=(-44.0, -20.5, -43.5, -20.0),
        synthetic=True,
        discovery=("m", "1"),
        impact=("i", "1"),
        params={"threshold": 0.6},
        tiles_total=4,
    )


def _entry(register_id: str, lon: float | None, lat: float | None, kind: str = "dam", **kw: object) -> RegisterEntry:
    fields: dict[str, object] = dict(
        kind=kind,
        register_id=register_id,
        name=f"Barragem {register_id}",
        owner="Mineração Ltda.",
        state="MG",
        municipality="ITABIRITO",
        main_ore="Minério de Ferro",
        height_m=30.0,
        volume_m3=1e6,
        construction_method="Etapa única",
        risk_category="Baixa",
        potential_damage="Alta",
        emergency_level="Sem emergência",
        lon=lon,
        lat=lat,
        geometry_wkt=None,
        raw={"ID": register_id},
        flags=(),
        source_line=2,
    )
    return RegisterEntry(**{**fields, **kw})  # type: ignore[arg-type]


def _import(*entries: RegisterEntry, name: str = "reg.csv") -> RegisterImport:
    return RegisterImport(
        source_file=name,
        file_format="sigbm_detailed_csv",
        snapshot_date="2025-10-17",
        entries=tuple(entries),
        rejected=(),
        rows_read=len(entries),
    )


def test_migrations_are_applied_once(tmp_path: Path) -> None:
    path = tmp_path / "m.duckdb"
    connect(path).close()
    con = duckdb.connect(str(path))
    assert migrate(con) == len(MIGRATIONS)
    assert con.execute("SELECT count(*) FROM schema_version").fetchone() == (len(MIGRATIONS),)


def test_rescanning_the_same_scene_does_not_duplicate_sites(con: duckdb.DuckDBPyConnection) -> None:
    sites = [_site(-43.8, -20.2), _site(-43.7, -20.3)]
    assert insert_sites(con, _scan(con), sites) == 2
    assert insert_sites(con, _scan(con), sites) == 0
    assert insert_sites(con, _scan(con), [*sites, _site(-43.6, -20.1)]) == 1
    assert len(site_points(con)) == 3


def test_a_latitude_of_95_is_refused_and_nothing_of_the_batch_is_stored(con: duckdb.DuckDBPyConnection) -> None:
    scan_id = _scan(con)
    with pytest.raises(StoreError, match="lat"):
        insert_sites(con, scan_id, [_site(-43.8, -20.2), replace(_site(-43.8, -20.2), lat=95.0)])
    assert site_points(con).empty


def test_reviews_are_checked(con: duckdb.DuckDBPyConnection) -> None:
    insert_sites(con, _scan(con), [_site(-43.8, -20.2)])
    site_id = int(site_points(con)["id"][0])
    with pytest.raises(StoreError, match="there is no site 999"):
        add_review(con, 999, "ana", "confirmed")
    with pytest.raises(StoreError, match="unknown decision 'maybe'"):
        add_review(con, site_id, "ana", "maybe")
    with pytest.raises(StoreError, match="unknown reason code 'aliens'"):
        add_review(con, site_id, "ana", "rejected", reason="aliens")
    with pytest.raises(StoreError, match="reviewer's name"):
        add_review(con, site_id, "  ", "confirmed")
    with pytest.raises(duckdb.ConstraintException, match="CHECK constraint"):  # the schema refuses it too
        con.execute("INSERT INTO review (site_id, reviewer, decision) VALUES (?, 'x', 'maybe')", [site_id])


def test_latest_review_is_the_status_and_history_stays(con: duckdb.DuckDBPyConnection) -> None:
    insert_sites(con, _scan(con), [_site(-43.8, -20.2), _site(-43.7, -20.3)])
    first, second = site_points(con)["id"].tolist()
    add_review(con, first, "ana", "rejected", reason="irrigation_dam", note="farm dam, see 2019 image")
    add_review(con, first, "bruno", "confirmed", reason="tailings_visible", note='Dam "B1", São João;\nok')
    rows = export_rows(con).set_index("site_id")
    assert rows.loc[first, "decision"] == "confirmed" and rows.loc[first, "reviewer"] == "bruno"
    assert rows.loc[first, "note"] == 'Dam "B1", São João;\nok'
    assert rows.loc[second, "decision"] is None or str(rows.loc[second, "decision"]) in ("None", "nan")
    assert review_history(con, first)["decision"].tolist() == ["rejected", "confirmed"]
    assert len(export_rows(con, decision="undecided")) == 1
    assert len(export_rows(con, decision="confirmed")) == 1


def test_register_snapshot_is_all_or_nothing(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(StoreError, match="lat"):
        insert_register(con, _import(_entry("1", -43.8, -20.2), _entry("2", -43.8, 95.0)), "dam")
    assert snapshots(con).empty
    assert con.execute("SELECT count(*) FROM registered_site").fetchone() == (0,)


def test_matching_uses_the_newest_dam_snapshot(con: duckdb.DuckDBPyConnection) -> None:
    insert_sites(con, _scan(con), [_site(-43.8, -20.2), _site(-43.7, -20.3), _site(-43.6, -20.4)])
    old = _import(_entry("10", -43.8, -20.2035), _entry("11", -43.7, -20.315), name="2022.xlsx")  # 390 m, 1.7 km
    insert_register(con, old, "dam")
    rematch(con, MatchSettings())
    status = export_rows(con).set_index("lon")["match_status"]
    assert status.tolist() == ["unregistered", "possibly_off_target", "registered"][::-1] or status.to_dict() == {
        -43.8: "registered",
        -43.7: "possibly_off_target",
        -43.6: "unregistered",
    }
    new = _import(_entry("11", -43.7, -20.3005), name="2025.xlsx")  # dam 10 removed, dam 11 corrected
    insert_register(con, new, "dam")
    rematch(con, MatchSettings())
    rows = export_rows(con).set_index("lon")
    # Dam 10 left the register: its site is now 14.8 km from the nearest dam.
    assert rows["match_status"].to_dict() == {-43.8: "unregistered", -43.7: "registered", -43.6: "unregistered"}
    assert rows.loc[-43.7, "nearest_dam_id"] == "11" and rows.loc[-43.7, "nearest_dam_m"] == pytest.approx(55, abs=2)


def test_mine_polygons_and_reference_outlines(con: duckdb.DuckDBPyConnection) -> None:
    insert_sites(con, _scan(con), [_site(-43.8, -20.2), _site(-43.0, -20.0)])
    concession = _entry("830.123/2010", None, None, kind="mine", geometry_wkt=box(-43.9, -20.3, -43.7, -20.1).wkt)
    insert_register(con, _import(replace(concession, lon=-43.8, lat=-20.2)), "mine")
    watch = _entry("amw-1", -43.0, -20.0, kind="reference", geometry_wkt=box(-43.01, -20.01, -42.99, -19.99).wkt)
    insert_register(con, _import(watch), "reference")
    rematch(con, MatchSettings())
    rows = export_rows(con).set_index("lon")
    assert rows.loc[-43.8, "match_status"] == "registered" and rows.loc[-43.8, "inside_polygon_id"] == "830.123/2010"
    assert rows.loc[-43.0, "match_status"] == "unregistered" and rows.loc[-43.0, "inside_polygon_id"] == "amw-1"


def test_a_locked_store_gives_a_clear_message(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "locked.duckdb"
    connect(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(path)!r}); print('ok', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(StoreError, match="another command is using it|DuckDB allows one writing process"):
            connect(path)
    finally:
        holder.kill()
