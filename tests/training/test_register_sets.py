"""A cold start from the register: dam and background windows of the Earth Engine composite (offline client, fake
download server) written as a training set the trainer reads, recorded in the store; and the ways it refuses."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import shapely
from rasterio.io import MemoryFile

from cli.main import main
from core import settings
from core.access.users import add_user
from core.errors import TrainingDataError
from core.imagery.bands import S2_12_BANDS
from core.imagery.earth_engine.connection import EarthEngineUnavailable
from core.imagery.earth_engine.recipe import NODATA, PAPER_DATES, make_recipe
from core.imagery.geo import from_wgs84, haversine_m
from core.imagery.raster import open_scene, read_scene
from core.model_card import DISCOVERY_CLASSES, ModelCard
from core.register import RegisterEntry, RegisterImport
from core.training.patches import load_patch_folder
from core.training.register_points import REGISTER_DAM, RegisterSetSettings
from core.training.review_set_files import read_manifest
from db.register_sets import build_register_set, plan_register_set
from db.registers import insert_register
from db.store import Store
from db.training_sets import training_set, training_set_items, training_sets
from tests.earth_engine_helpers import fake_pixels, serve_chunk

# Inside the tests' small Earth Engine region south of Brumadinho (-44.16, -20.16, -44.07, -20.08).
REGION = (-44.16, -20.16, -44.07, -20.08)
BOUNDS = ",".join(str(v) for v in REGION)
DAMS = {  # register id: (name, lon, lat)
    "101": ("B1 North", -44.120, -20.120),
    "102": ("B1 South", -44.119, -20.121),  # 150 m from B1 North: one place with it
    "103": ("Forquilha", -44.090, -20.100),
    "104": ("Far away", -44.300, -20.300),  # outside the region
    "105": ("No coordinates", None, None),
    "106": ("B1 North again", -44.120, -20.120),  # the same point twice
}
MINE_POINT = (-44.140, -20.090)
AREA = shapely.box(-44.085, -20.155, -44.075, -20.145)  # a known mining area (reference outline)
MIN_M = 2_000.0


def _entry(kind: str, rid: str, name: str | None, lon: float | None, lat: float | None,
           wkt: str | None = None) -> RegisterEntry:  # fmt: skip
    return RegisterEntry(kind, rid, name, None, "MG", None, None, None, None, None, None, None, None, lon, lat, wkt,
                         {}, (), 1)  # fmt: skip


def _import(store: Store, kind: str, entries: list[RegisterEntry]) -> None:
    imported = RegisterImport(f"{kind}.csv", "csv", None, tuple(entries), (), len(entries))
    store.write(lambda con: insert_register(con, imported, kind))


@pytest.fixture
def store(env: Path) -> Store:
    """A work store with a small dam register, a registered mine and a known mining area."""
    s = Store(env / "store.duckdb")
    _import(s, "dam", [_entry("dam", rid, name, lon, lat) for rid, (name, lon, lat) in DAMS.items()])
    _import(s, "mine", [_entry("mine", "M1", "Mina", *MINE_POINT)])
    c = AREA.representative_point()
    _import(s, "reference", [_entry("reference", "A1", "Garimpo", c.x, c.y, AREA.wkt)])
    return s


def _served(ee: Any) -> Any:
    """The fake download server: each URL answered with the GeoTIFF of the window just asked for."""
    return lambda url: serve_chunk(ee.recorded.downloads[-1])


def _build(store: Store, ee: Any, fetch: Any, rules: RegisterSetSettings | None = None) -> tuple[int, Any]:
    rules = rules or RegisterSetSettings()
    recipe = make_recipe(*PAPER_DATES)
    plan = plan_register_set(store, rules, "register_discovery", [REGION])
    return build_register_set(store, ee, recipe, plan, "cold start", "sofia", settings.training_sets_dir(),
                              "register_discovery", rules, fetch=fetch)  # fmt: skip


def test_dams_and_background_become_a_training_set(store: Store, offline_ee: Any) -> None:
    set_id, built = _build(store, offline_ee, _served(offline_ee))
    manifest = read_manifest(built.folder)
    items = manifest["items"]
    assert isinstance(items, list)
    dams = [i for i in items if i["label"] == "mine"]
    background = [i for i in items if i["label"] == "not_mine"]

    # Positives: exactly the dams inside the region with coordinates, once per point; each says which dam it is.
    assert sorted(i["register_id"] for i in dams) == ["101", "102", "103"]
    assert {i["dam_name"] for i in dams} == {"B1 North", "B1 South", "Forquilha"}
    assert all(i["reason"] == REGISTER_DAM and i["register_entry"] for i in dams)
    why = {(s["dam"], s["why"]) for s in manifest["skipped_points"]}  # type: ignore[union-attr]
    assert why == {("105", "no_coordinates"), ("106", "duplicate_point")}
    assert manifest["counts"]["dams_outside_region"] == 1  # type: ignore[index]

    # Negatives: as many, inside the region, >= 2 km from every dam (also the one outside), the mine and the area.
    assert len(background) == 3 and all(i["reason"] == "background" and i["origin"] == "background" for i in background)
    lon, lat = np.array([i["lon"] for i in background]), np.array([i["lat"] for i in background])
    assert ((lon >= REGION[0]) & (lon <= REGION[2]) & (lat >= REGION[1]) & (lat <= REGION[3])).all()
    located = [(x, y) for _, x, y in DAMS.values() if x is not None]
    for x, y in [*located, MINE_POINT]:
        assert haversine_m(lon, lat, x, y).min() >= MIN_M
    gx, gy = from_wgs84("EPSG:32723", lon, lat)
    area_utm = shapely.transform(AREA, lambda xy: np.column_stack(from_wgs84("EPSG:32723", xy[:, 0], xy[:, 1])))
    assert min(area_utm.distance(shapely.Point(px, py)) for px, py in zip(gx, gy, strict=True)) >= MIN_M * 0.999
    nearest = [min(haversine_m(i["lon"], i["lat"], x, y) for x, y in located) for i in background]
    assert [i["nearest_dam_m"] for i in background] == pytest.approx(nearest, abs=1.0)

    # Every window: 12 bands in the paper's order, 201 x 201 px at 10 m, the point in its centre pixel, pixels from
    # the composite at that place (the fake server encodes position), nodata kept as nodata.
    for item in items:
        path = built.folder / item["file"]
        info = open_scene(path, S2_12_BANDS)
        assert (info.width, info.height, info.file_bands) == (201, 201, S2_12_BANDS)
        assert info.transform.a == 10 and info.transform.e == -10 and info.transform.c % 10 == 0
        x, y = from_wgs84(info.crs.to_wkt(), np.array([item["lon"]]), np.array([item["lat"]]))
        col, row = ~info.transform @ (float(x[0]), float(y[0]))
        assert (int(row), int(col)) == (100, 100) == (item["row"], item["col"])
        scene = read_scene(path, S2_12_BANDS)
        cx, cy = info.transform @ (100.5, 100.5)
        assert scene.data[100, 100, 7] == pytest.approx(fake_pixels(np.array(cx), np.array(cy), 7), abs=1e-4)
        assert not scene.valid[:3, :3].any() and scene.valid.mean() > 0.99
    requests = offline_ee.recorded.downloads
    assert len(requests) == len(items) and all(r["dimensions"] == [201, 201] for r in requests)

    # The store and the manifest agree; the set is recorded as coming from the register.
    recorded = store.read(lambda con: training_set(con, set_id))
    rows = store.read(lambda con: training_set_items(con, set_id))
    listed = store.read(training_sets)
    assert recorded["fingerprint"] == manifest["fingerprint"] and recorded["bands"] == S2_12_BANDS
    assert rows["file"].tolist() == [i["file"] for i in items] and rows["scan_id"].isna().all()
    assert listed.loc[0, "source"] == "register" and listed.loc[0, "status"] == "ready"
    assert json.loads(listed.loc[0, "counts_json"]) == manifest["counts"]
    assert manifest["counts"]["by_class"] == {"mine": 3, "not_mine": 3}  # type: ignore[index]

    # The trainer's view: two classes, grouped by place; the two B1 dams share one.
    patches = load_patch_folder(built.folder, S2_12_BANDS, DISCOVERY_CLASSES)
    assert patches.x.shape == (6, 201, 201, 12)
    place = {i["register_id"]: i["place"] for i in dams}
    assert place["101"] == place["102"] != place["103"]
    assert set(patches.groups) == {i["place"] for i in items}


def _nodata_chunk(params: dict[str, Any]) -> bytes:
    width, height = params["dimensions"]
    with MemoryFile() as memfile:
        with memfile.open(driver="GTiff", width=width, height=height, count=12, dtype="float32", crs=params["crs"],
                          transform=rasterio.Affine(*params["crs_transform"])) as dst:  # fmt: skip
            dst.write(np.full((12, height, width), NODATA, dtype="float32"))
        return bytes(memfile.read())


def test_a_window_without_clear_sky_is_left_out_and_counted(store: Store, offline_ee: Any) -> None:
    calls = {"n": 0}

    def fetch(url: str) -> bytes:
        calls["n"] += 1
        params = offline_ee.recorded.downloads[-1]
        return _nodata_chunk(params) if calls["n"] == 3 else serve_chunk(params)

    set_id, built = _build(store, offline_ee, fetch)
    manifest = built.manifest
    assert manifest["counts"]["by_class"] == {"mine": 2, "not_mine": 3}
    assert manifest["counts"]["skipped"] == {"duplicate_point": 1, "no_coordinates": 1, "no_valid_pixels": 1}
    gone = [s for s in manifest["skipped_points"] if s["why"] == "no_valid_pixels"]
    assert gone[0]["dam"] == "103" and gone[0]["valid_share"] == 0
    row = store.read(lambda con: con.execute("SELECT skipped_json FROM training_set WHERE id = ?", [set_id]).fetchone())
    assert {s["why"] for s in json.loads(row[0])} == {"duplicate_point", "no_coordinates", "no_valid_pixels"}


def test_earth_engine_failing_midway_records_the_set_as_failed_and_leaves_no_folder(
    store: Store, offline_ee: Any
) -> None:
    calls = {"n": 0}

    def fetch(url: str) -> bytes:
        calls["n"] += 1
        if calls["n"] == 4:
            raise EarthEngineUnavailable("Earth Engine could not be reached to download pixels (test)")
        return serve_chunk(offline_ee.recorded.downloads[-1])

    with pytest.raises(EarthEngineUnavailable, match="could not be reached"):
        _build(store, offline_ee, fetch)
    listed = store.read(training_sets)
    assert listed["status"].tolist() == ["failed"] and "could not be reached" in listed.loc[0, "message"]
    root = settings.training_sets_dir()
    assert not root.exists() or list(root.iterdir()) == []


def test_no_dams_is_a_clear_message_and_records_nothing(env: Path) -> None:
    empty = Store(env / "empty.duckdb")
    with pytest.raises(TrainingDataError, match="no registered dam.*registry import FILE --kind dam"):
        plan_register_set(empty, RegisterSetSettings(), "register_discovery")
    assert empty.read(training_sets).empty


def test_no_dam_in_the_region_is_a_clear_message(store: Store) -> None:
    with pytest.raises(TrainingDataError, match="none of the 6 registered dams.*inside -43.5,-19.5,-43.4,-19.4"):
        plan_register_set(store, RegisterSetSettings(), "register_discovery", [(-43.5, -19.5, -43.4, -19.4)])


def test_the_demo_store_is_refused(env: Path) -> None:
    from db.store_kind import mark_store

    demo = Store(env / "demo.duckdb")
    demo.write(lambda con: mark_store(con, "demo"))
    with pytest.raises(TrainingDataError, match="demo store: its register's dams are invented"):
        plan_register_set(demo, RegisterSetSettings(), "register_discovery")


def _users() -> None:
    add_user(settings.users_path(), "sofia", "supervisor", password="a long enough password")
    add_user(settings.users_path(), "ana", "reviewer", password="a long enough password")


def test_without_an_account_the_command_says_what_to_do_and_records_nothing(
    store: Store, no_account: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _users()
    argv = ["training-set", "from-register", "--by", "sofia", "--region", BOUNDS, "--db", str(store.path)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "3 dam window(s) and 3 background window(s) to fetch" in captured.out
    assert "Error: Google Earth Engine is not available. Earth Engine is not configured" in captured.err
    assert "MINESCAN_EE_SERVICE_ACCOUNT_KEY" in captured.err and "earthengine authenticate" in captured.err
    assert "Traceback" not in captured.err
    assert store.read(training_sets).empty and not settings.training_sets_dir().exists()


def test_a_reviewer_may_not_build_one(store: Store, no_account: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _users()
    assert main(["training-set", "from-register", "--by", "ana", "--db", str(store.path)]) == 2
    assert "supervisor" in capsys.readouterr().err


def test_the_command_builds_a_set_the_trainer_reads(
    store: Store, no_account: Path, offline_ee: Any, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    import core.imagery.earth_engine.connection as connection
    import core.imagery.earth_engine.transfer as transfer

    _users()
    monkeypatch.setenv("MINESCAN_EE_PROJECT", "test-project")
    monkeypatch.setenv("MINESCAN_EE_CREDENTIALS", "stored")
    monkeypatch.setattr(connection, "connect", lambda config: offline_ee)
    monkeypatch.setattr(transfer, "_fetch_url", _served(offline_ee))
    db = str(store.path)
    argv = ["training-set", "from-register", "--by", "sofia", "--region", BOUNDS, "--paper-dates",
            "--background", "4", "--seed", "3", "--db", db]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "Training set 1 in" in out and "(3 dams); by class {'mine': 3, 'not_mine': 4}" in out
    assert "train --kind discovery --from-training-set 1 --name register_discovery" in out
    manifest = read_manifest(settings.training_sets_dir() / "0001")
    assert manifest["imagery"]["start"] == "2018-01-01" and manifest["imagery"]["bands"] == list(S2_12_BANDS)  # type: ignore[index]
    assert main(["training-set", "list", "--db", db]) == 0
    listed = capsys.readouterr().out
    assert "   1  register " in listed and "ready" in listed and "'mine': 3, 'not_mine': 4" in listed

    started = time.monotonic()
    train = ["train", "--kind", "discovery", "--from-training-set", "1", "--name", "register_discovery",
             "--epochs", "1", "--folds", "0", "--batch-size", "4", "--db", db]  # fmt: skip
    assert main(train) == 0, capsys.readouterr().err
    card = ModelCard.load(settings.user_models_dir() / "register_discovery" / "1")
    assert card.bands == S2_12_BANDS and card.training["training_set"] == 1
    assert card.training["data_fingerprint"] == manifest["fingerprint"]
    with capsys.disabled():
        print(f"\n[training on a set from the register, 1 epoch] {time.monotonic() - started:.1f} s")


def test_the_real_anm_register_around_brumadinho(env: Path, shared_data: Path, offline_ee: Any) -> None:
    """The 2025 SIGBM export: every dam with coordinates inside the region gets a window (one per point), and no
    background window comes within 2 km of any of the register's 916 dams."""
    from core.register import read_register
    from core.register.matching import MatchSettings
    from db.workflows import import_register

    path = shared_data / "sigbm" / "sigbm_download_2025-10-17.xlsx"
    region = (-44.2, -20.2, -43.9, -20.0)
    real = Store(env / "real.duckdb")
    import_register(real, path, "dam", MatchSettings())
    entries = read_register(path).entries
    w, s, e, n = region
    inside = {x.register_id for x in entries if x.lon is not None and w <= x.lon <= e and s <= x.lat <= n}  # type: ignore[operator]
    rules = RegisterSetSettings()
    plan = plan_register_set(real, rules, "register_discovery", [region])
    duplicates = {str(d["dam"]) for d in plan.skipped if d["why"] == "duplicate_point"}
    assert {p.register_id for p in plan.positives} | duplicates == inside and len(inside) > 20
    _, built = build_register_set(real, offline_ee, make_recipe(*PAPER_DATES), plan, "real", "sofia",
                                  settings.training_sets_dir(), "register_discovery", rules,
                                  fetch=_served(offline_ee))  # fmt: skip
    items = built.manifest["items"]
    background = [i for i in items if i["label"] == "not_mine"]
    assert len(background) == len(plan.positives) == built.manifest["counts"]["dams"]
    lon = np.array([x.lon for x in entries if x.lon is not None])
    lat = np.array([x.lat for x in entries if x.lon is not None])
    assert min(haversine_m(lon, lat, i["lon"], i["lat"]).min() for i in background) >= MIN_M
