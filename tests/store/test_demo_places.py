"""The two-period demo through the store: the same places in 2024 and 2025, the grown pits' growth, the new dam
and the gone false alarm under the persistence rule, 2024 decisions carried to 2025 (grown places back in the
queue), and ``places list`` as an auditor gets it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from cli.main import main
from core.access.users import Identity
from core.demo import DemoPaths
from core.imagery.geo import WGS84, reproject_geometry
from core.review.queue import QueueFilter
from db.places import place_rows
from db.queue import queue_page
from db.store import Store
from db.workflows import decide
from tests.conftest import copy_demo_store

ANA = Identity("ana", "reviewer", "Ana", "password")
GROWN, NEW, GONE = ("T03", "T07", "T08"), "T29", "F01"


@pytest.fixture(scope="module")
def demo(two_period_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, DemoPaths]:
    """A copy of the session's two-period demo store (the tests here decide sites)."""
    store = Store(copy_demo_store(two_period_demo, tmp_path_factory.mktemp("demo-places") / "store.duckdb"))
    return store, DemoPaths.under(two_period_demo / "demo")


def _truth(paths: DemoPaths) -> dict[str, shapely.Geometry]:
    """Truth outlines (UTM) by site id, of both periods (the later one's wins: grown pits are bigger)."""
    out = {}
    for path in (paths.truth, paths.later_truth):
        for f in json.loads(path.read_text())["features"]:
            out[f["properties"]["site_id"]] = reproject_geometry(shape(f["geometry"]), WGS84, "EPSG:32723")
    return out


def _place_of(places: pd.DataFrame, truth: shapely.Geometry) -> pd.Series:
    near = [k for k, w in enumerate(places["outline_wkt"]) if _utm(w).distance(truth) <= 270]
    assert len(near) == 1, f"{len(near)} places near the truth outline"
    return places.iloc[near[0]]


def _utm(wkt: str) -> shapely.Geometry:
    return reproject_geometry(shapely.from_wkt(wkt), WGS84, "EPSG:32723")


def test_the_same_places_are_seen_in_both_periods(demo: tuple[Store, DemoPaths]) -> None:
    store, paths = demo
    places = store.read(place_rows)
    truth = _truth(paths)
    both = places[(places["first_period"] == "2024") & (places["last_period"] == "2025")]
    # 31 sites in each period: 30 at the same places, one gone (the bare field), one new (the dam).
    assert len(places) == 32 and len(both) == 30
    assert (both["persistence"] == "confirmed").all()
    for site_id in GROWN:
        p = _place_of(places, truth[site_id])
        assert p["growth_ha"] > 5 and p["area_ha_2025"] > p["area_ha_2024"], (site_id, p.to_dict())
    steady = both[~both["place_id"].isin([_place_of(places, truth[s])["place_id"] for s in GROWN])]
    assert (steady["growth_ha"].abs() < 1e-9).all()  # nothing else changed between the two years
    dam = _place_of(places, truth[NEW])
    assert (dam["first_period"], dam["persistence"], bool(dam["new_in_latest"])) == ("2025", "provisional", True)
    assert dam["match_status"] == "unregistered"
    field = _place_of(places, truth[GONE])
    assert (field["last_period"], field["persistence"], bool(field["gone"])) == ("2024", "not_confirmed", True)


def test_the_maps_change_view_shows_the_grown_pits_the_new_dam_and_the_gone_field(
    demo: tuple[Store, DemoPaths],
) -> None:
    from core.review.map_time import CHANGE, PERIOD, MapView, change_counts, rows_for_view
    from db.place_map import map_periods, period_scan, place_sightings
    from db.places import requeue_rule

    store, paths = demo
    truth = _truth(paths)
    places = store.read(place_rows)
    page, total = store.read(lambda con: queue_page(con, "ana", QueueFilter(decided=None), limit=100))
    assert total == 32
    assert store.read(map_periods) == ["2024", "2025"]
    seen = store.read(lambda con: place_sightings(con, page["place_id"].tolist()))
    rule = store.read(requeue_rule)
    change = rows_for_view(page, seen, MapView(CHANGE, before="2024", after="2025"), rule).set_index("place_id")
    kinds = {k: change.loc[_place_of(places, truth[k])["place_id"], "change"] for k in (*GROWN, NEW, GONE)}
    assert kinds == {**dict.fromkeys(GROWN, "grown"), NEW: "new", GONE: "gone"}
    assert change_counts(change) == {"new": 1, "grown": 3, "stable": 27, "gone": 1}
    later = store.read(lambda con: period_scan(con, "2025"))
    grown = change.loc[_place_of(places, truth[GROWN[0]])["place_id"]]
    assert int(grown["scan_id"]) == later and _utm(grown["outline_wkt"]).area > _utm(grown["before_wkt"]).area
    in_2024 = rows_for_view(page, seen, MapView(PERIOD, period="2024"), rule)
    assert len(in_2024) == 31 and _place_of(places, truth[NEW])["place_id"] not in set(in_2024["place_id"])


def test_2024_decisions_carry_to_2025_and_only_grown_and_new_places_come_back(
    demo: tuple[Store, DemoPaths],
) -> None:
    store, paths = demo
    truth = _truth(paths)
    sites = store.read(
        lambda con: con.execute(
            "SELECT s.id, s.outline_wkt FROM site s JOIN scan c ON c.id = s.scan_id WHERE c.period_label = '2024'"
        ).fetchall()
    )
    for site_id, wkt in sites:
        target = any(_utm(wkt).distance(truth[k]) <= 0 for k in truth if k.startswith("T"))
        decide(store, ANA, int(site_id), *(("confirmed", "mine_visible") if target else ("rejected", "other")))
    reviews = store.read(lambda con: con.execute("SELECT * FROM review ORDER BY id").df())
    page, total = store.read(lambda con: queue_page(con, "ana", QueueFilter(decided=False), limit=100))
    places = store.read(place_rows)
    expected = {_place_of(places, truth[k])["place_id"] for k in (*GROWN, NEW)}
    assert set(page["place_id"]) == expected and total == 4
    for row in page.itertuples():
        if row.place_id == _place_of(places, truth[NEW])["place_id"]:
            assert not row.changed and pd.isna(row.earlier_decision)
        else:  # a grown pit: decided in 2024, back because it grew beyond 5 ha
            assert row.changed and row.earlier_decision == "confirmed" and row.earlier_period == "2024"
    new_first = store.read(lambda con: queue_page(con, "ana", QueueFilter(decided=False, order="new"), limit=1))
    assert new_first[0].iloc[0]["place_id"] == _place_of(places, truth[NEW])["place_id"]
    assert store.read(lambda con: con.execute("SELECT * FROM review ORDER BY id").df()).equals(reviews)


def test_places_list_writes_one_row_per_place_with_its_area_per_period(
    demo: tuple[Store, DemoPaths], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store, _ = demo
    out = tmp_path / "places.csv"
    assert main(["places", "list", "--db", str(store.path), "--format", "csv", "--out", str(out)]) == 0
    assert "32 place(s) written" in capsys.readouterr().out
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 32
    wanted = {"place_id", "first_period", "last_period", "area_ha_2024", "area_ha_2025", "growth_ha", "latest_decision",
              "persistence"}  # fmt: skip
    assert wanted <= set(rows[0])
    gone = [r for r in rows if r["last_period"] == "2024"]
    assert len(gone) == 1 and gone[0]["area_ha_2025"] == "" and float(gone[0]["area_ha_2024"]) > 0
    geo = tmp_path / "places.geojson"
    assert main(["places", "list", "--db", str(store.path), "--format", "geojson", "--out", str(geo)]) == 0
    features = json.loads(geo.read_text())["features"]
    assert len(features) == 32 and features[0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert main(["places", "rule", "--db", str(store.path)]) == 0
    assert "50 % or 5 ha" in capsys.readouterr().out
