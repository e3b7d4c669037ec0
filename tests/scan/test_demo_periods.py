"""The synthetic demo in two periods: the same grid a year apart, with grown pits, a new dam and a false alarm gone.

The generator tests use a small demo; the scan tests (slow: about 30 s) use the real one (seed 7, 3072 px) and the
shipped models.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from core.demo import DemoPaths, demo_is_complete, make_demo_scene
from core.demo.demo import DONE_FILE, FORMAT_VERSION
from core.imagery.bands import S2_12_BANDS
from core.imagery.geo import WGS84, reproject_geometry
from core.imagery.periods import parse_period, period_of_scene
from core.imagery.raster import open_scene
from core.model_card import DISCOVERY_CLASSES, IMPACT_CLASSES, resolve_model
from core.scan.pipeline import ScanModel, ScanResult, ScanSettings, scan_scene
from core.scan.sites import Site
from core.settings import DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL, DEMO_LATER_SCENE_FILE, DEMO_PERIODS, ROOT
from core.training.evaluation import MATCH_DISTANCE_M

UTM = "EPSG:32723"


def _truth(path: Path) -> dict[str, dict[str, Any]]:
    """Truth features by site ID: properties plus ``outline`` (a shapely geometry in UTM)."""
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    return {
        f["properties"]["site_id"]: {**f["properties"], "outline": reproject_geometry(shape(f["geometry"]), WGS84, UTM)}
        for f in features
    }


def _utm(site: Site) -> BaseGeometry:
    return reproject_geometry(shapely.from_wkt(site.outline_wkt), WGS84, UTM)


def _sites_on(sites: list[Site], outline: BaseGeometry) -> list[Site]:
    return [s for s in sites if _utm(s).distance(outline) <= MATCH_DISTANCE_M]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return make_demo_scene(tmp_path_factory.mktemp("small"), seed=7, size=768)


def test_demo_paths_list_both_periods_in_time_order(tmp_path: Path) -> None:
    paths = DemoPaths.under(tmp_path)
    assert [label for label, _ in paths.period_scenes] == list(DEMO_PERIODS) == ["2024", "2025"]
    assert paths.period_scenes[0][1] == paths.scene and paths.period_scenes[1][1].name == DEMO_LATER_SCENE_FILE
    assert [p for _, p in paths.period_truths] == [paths.truth, paths.later_truth]
    assert parse_period(DEMO_PERIODS[0]) < parse_period(DEMO_PERIODS[1])


def test_the_two_scenes_share_the_grid_and_carry_their_period(small: DemoPaths) -> None:
    infos = [open_scene(path, S2_12_BANDS) for _, path in small.period_scenes]
    assert infos[0].crs == infos[1].crs and infos[0].transform == infos[1].transform
    assert (infos[0].height, infos[0].width) == (infos[1].height, infos[1].width) == (768, 768)
    for (label, _), info in zip(small.period_scenes, infos, strict=True):
        assert period_of_scene(info.tags) == (parse_period(label), "tags")
        assert info.tags["MINESCAN_SYNTHETIC"] == "true"


def test_only_the_changed_sites_differ_between_the_periods(small: DemoPaths) -> None:
    with rasterio.open(small.scene) as a, rasterio.open(small.later_scene) as b:
        first, later = a.read(), b.read()
    assert ((first == 0) == (later == 0)).all()  # the same nodata
    later_truth = _truth(small.later_truth)
    changed = [f["outline"] for f in later_truth.values() if f["change"] != "unchanged"]
    assert changed
    differs = (first != later).any(axis=0)
    rows, cols = np.nonzero(differs)
    with rasterio.open(small.scene) as src:
        xs, ys = rasterio.transform.xy(src.transform, rows, cols)
    near = shapely.union_all(changed).buffer(120)  # the 60 m bands blur a few pixels past a footprint
    assert shapely.contains_xy(near, np.asarray(xs), np.asarray(ys)).all()


def test_the_later_truth_says_what_grew_appeared_and_disappeared(small: DemoPaths) -> None:
    first, later = _truth(small.truth), _truth(small.later_truth)
    collection = json.loads(small.later_truth.read_text(encoding="utf-8"))
    assert (collection["previous_period"], collection["period"]) == DEMO_PERIODS
    assert json.loads(small.truth.read_text(encoding="utf-8"))["period"] == DEMO_PERIODS[0]
    grown = [k for k, f in later.items() if f["change"] == "grown"]
    assert grown and all(later[k]["kind"] == "open_pit_mine" for k in grown)
    for k in grown:
        assert later[k]["area_m2_before"] == first[k]["area_m2"]
        assert 1.35 < later[k]["area_m2"] / first[k]["area_m2"] < 1.65
        assert later[k]["outline"].contains(first[k]["outline"].representative_point())
    (new,) = [k for k, f in later.items() if f["change"] == "new"]
    assert new not in first and later[new]["kind"] == "tailings_dam" and later[new]["target"]
    assert later[new]["area_m2_before"] is None and not later[new]["registered"]
    (gone,) = [k for k, f in later.items() if f["change"] == "disappeared"]
    assert not later[gone]["present"] and later[gone]["area_m2"] == 0 and not later[gone]["target"]
    for k, f in first.items():
        if k not in grown:
            assert later[k]["change"] == "unchanged" and later[k]["area_m2"] == f["area_m2"], k


def test_completeness_needs_both_periods_and_the_current_format(small: DemoPaths, tmp_path: Path) -> None:
    root = tmp_path / "demo"
    shutil.copytree(small.root, root)
    zero = {"discovery": dict.fromkeys(DISCOVERY_CLASSES, 0), "impact": dict.fromkeys(IMPACT_CLASSES, 0)}
    done = {"format_version": FORMAT_VERSION, "parameters": {"n_train_scenes": 0}, "counts": {"patches": zero}}
    (root / DONE_FILE).write_text(json.dumps(done), encoding="utf-8")
    assert demo_is_complete(root) and DemoPaths.under(root).scene_files_exist()
    (root / DONE_FILE).write_text(json.dumps({**done, "format_version": FORMAT_VERSION - 1}), encoding="utf-8")
    assert not demo_is_complete(root)
    (root / DONE_FILE).write_text(json.dumps(done), encoding="utf-8")
    DemoPaths.under(root).later_scene.unlink()
    assert not demo_is_complete(root) and not DemoPaths.under(root).scene_files_exist()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return make_demo_scene(tmp_path_factory.mktemp("demo"), seed=7, size=3072)


@pytest.fixture(scope="module")
def scans(demo: DemoPaths) -> dict[str, ScanResult]:
    from models.bundle import load_bundle

    disc, imp = (
        load_bundle(resolve_model(n, [ROOT / "models"])) for n in (DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL)
    )
    models = ScanModel(disc.card, disc.predict), ScanModel(imp.card, imp.predict)
    return {label: scan_scene(path, *models, ScanSettings()) for label, path in demo.period_scenes}


@pytest.mark.slow
def test_the_demo_changes_are_the_planned_ones(demo: DemoPaths) -> None:
    later = _truth(demo.later_truth)
    changes = {c: sorted(k for k, f in later.items() if f["change"] == c) for c in ("grown", "new", "disappeared")}
    assert changes == {"grown": ["T03", "T07", "T08"], "new": ["T29"], "disappeared": ["F01"]}
    others = shapely.union_all([f["outline"] for k, f in later.items() if k != "T29" and f["kind"] != "nodata"])
    assert later["T29"]["outline"].distance(others) >= 2000.0  # on empty land, 2 km from every other site


@pytest.mark.slow
def test_the_shipped_model_sees_what_changed_and_nothing_else(
    demo: DemoPaths, scans: dict[str, ScanResult], capsys: pytest.CaptureFixture[str]
) -> None:
    first, later = (scans[label].sites for label in DEMO_PERIODS)
    truth = _truth(demo.later_truth)
    before = _truth(demo.truth)
    report = []
    for k in ("T03", "T07", "T08"):
        (a,), (b,) = _sites_on(first, before[k]["outline"]), _sites_on(later, truth[k]["outline"])
        report.append(f"{k} {a.area_km2:.3f} -> {b.area_km2:.3f} km2")
        assert b.area_km2 > a.area_km2, k
    assert not _sites_on(first, truth["T29"]["outline"]) and len(_sites_on(later, truth["T29"]["outline"])) == 1
    assert len(_sites_on(first, truth["F01"]["outline"])) == 1 and not _sites_on(later, truth["F01"]["outline"])
    changed = shapely.union_all([truth[k]["outline"] for k in ("T03", "T07", "T08", "T29", "F01")])
    steady = [[s for s in sites if _utm(s).distance(changed) > MATCH_DISTANCE_M] for sites in (first, later)]
    assert len(steady[0]) == len(steady[1]) >= 25
    for site in steady[0]:
        here = shapely.Point(site.lon, site.lat)
        assert any(shapely.Point(s.lon, s.lat).distance(here) < 1e-3 for s in steady[1]), site  # within ~100 m
    with capsys.disabled():
        print(f"\n[demo periods] {len(first)} sites in {DEMO_PERIODS[0]}, {len(later)} in {DEMO_PERIODS[1]}; {report}")
