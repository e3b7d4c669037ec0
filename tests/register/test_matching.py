"""Matching sites with the register: golden distances, the status rules, polygons, speed at scale."""

from __future__ import annotations

import time

import numpy as np
import pytest
from shapely.geometry import box

from core.imagery.geo import haversine_m
from core.register.matching import (
    OFF_TARGET,
    REGISTERED,
    UNREGISTERED,
    MatchSettings,
    PointLayer,
    PolygonLayer,
    match_sites,
    nearest,
)

NONE = PolygonLayer(np.array([], np.int64), [])


def _layer(points: list[tuple[float, float]], first_id: int = 1) -> PointLayer:
    lon, lat = np.array(points, float).T
    return PointLayer(np.arange(first_id, first_id + len(points)), lon, lat)


def test_nearest_distance_is_the_great_circle_one() -> None:
    dams = _layer([(-43.9, -20.0), (-44.1184, -20.1194), (-60.0, -3.0)])
    idx, metres = nearest(np.array([-43.4668, -44.0]), np.array([-20.2060, -20.1]), dams)
    assert idx.tolist() == [0, 1]
    expected = haversine_m(
        np.array([-43.4668, -44.0]),
        np.array([-20.2060, -20.1]),
        np.array([-43.9, -44.1184]),
        np.array([-20.0, -20.1194]),
    )
    np.testing.assert_allclose(metres, expected, rtol=1e-9)


def test_status_rules_at_the_radii() -> None:
    # Points due north of a dam at -43.9, -20.0: 1 deg of latitude = 111,195 m on the mean sphere.
    dams = _layer([(-43.9, -20.0)])
    offsets_m = [0.0, 999.0, 1001.0, 2999.0, 3001.0, 50_000.0]
    lat = -20.0 + np.array(offsets_m) / 111_195.0
    lon = np.full(len(lat), -43.9)
    out = match_sites(lon, lat, dams, PointLayer.empty(), NONE, NONE, MatchSettings(1000, 3000))
    assert [m.status for m in out] == [REGISTERED, REGISTERED, OFF_TARGET, OFF_TARGET, UNREGISTERED, UNREGISTERED]
    assert out[1].nearest_dam == 1 and out[1].nearest_dam_m == pytest.approx(999.0, abs=0.5)
    assert out[0].nearest_mine is None and out[0].nearest_mine_m is None


def test_inside_a_registered_polygon_is_registered_whatever_the_points() -> None:
    concession = PolygonLayer(np.array([7]), [box(-44.0, -20.1, -43.8, -19.9).wkt])
    reference = PolygonLayer(np.array([9]), [box(-43.95, -20.05, -43.85, -19.95).wkt])
    out = match_sites(
        np.array([-43.9, -45.0]),
        np.array([-20.0, -20.0]),
        PointLayer.empty(),
        PointLayer.empty(),
        concession,
        reference,
        MatchSettings(),
    )
    assert out[0].status == REGISTERED and out[0].inside_registered == 7 and out[0].inside_reference == 9
    assert out[1].status == UNREGISTERED and out[1].inside_registered is None


def test_mines_count_like_dams() -> None:
    out = match_sites(
        np.array([-43.9]),
        np.array([-20.0]),
        PointLayer.empty(),
        _layer([(-43.9, -20.004)], 50),
        NONE,
        NONE,
        MatchSettings(),
    )
    assert (
        out[0].status == REGISTERED and out[0].nearest_mine == 50 and out[0].nearest_mine_m == pytest.approx(445, abs=2)
    )


def test_bad_radii_are_refused() -> None:
    with pytest.raises(ValueError, match="radius_m <= off_target_radius_m; got 2000.0 and 1000.0"):
        MatchSettings(2000.0, 1000.0)


def test_100k_sites_against_thousands_of_register_entries(capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    dams = PointLayer(np.arange(5000), rng.uniform(-60, -40, 5000), rng.uniform(-25, -2, 5000))
    mines = PointLayer(np.arange(20000), rng.uniform(-60, -40, 20000), rng.uniform(-25, -2, 20000))
    lon, lat = rng.uniform(-60, -40, 100_000), rng.uniform(-25, -2, 100_000)
    started = time.perf_counter()
    out = match_sites(lon, lat, dams, mines, NONE, NONE, MatchSettings())
    seconds = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n[matching] 100,000 sites x (5,000 dams + 20,000 mines): {seconds:.2f} s")
    assert len(out) == 100_000
    k = 12345  # spot-check one site against brute force
    brute = haversine_m(np.full(5000, lon[k]), np.full(5000, lat[k]), dams.lon, dams.lat)
    assert out[k].nearest_dam == int(np.argmin(brute)) and out[k].nearest_dam_m == pytest.approx(brute.min(), rel=1e-9)
