"""Where a set from the register puts its windows (pure): dams, background away from dams, mines and mining
areas, seeded; and the window on the 10 m grid around a point."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from core.errors import TrainingDataError
from core.imagery.earth_engine.windows import window_tile
from core.imagery.geo import from_wgs84, haversine_m
from core.training.register_points import (
    RegisteredDam,
    RegisterLayers,
    RegisterSetSettings,
    area_distances_m,
    plan_points,
)

DAMS = [RegisteredDam(i, f"D{i}", f"Dam {i}", -44.0 + 0.05 * i, -20.0 + 0.03 * i) for i in range(4)]


def test_settings_refuse_a_distance_that_puts_a_dam_inside_a_background_window() -> None:
    with pytest.raises(ValueError, match=r"at least 1\.42 km .*2\.01 km window.*got 1 km"):
        RegisterSetSettings(min_distance_m=1_000)
    with pytest.raises(ValueError, match="background_radius_m must exceed"):
        RegisterSetSettings(background_radius_m=2_000)
    with pytest.raises(ValueError, match="odd"):
        RegisterSetSettings(window_px=200)


def test_background_around_the_dams_keeps_its_distance_and_is_seeded() -> None:
    mine = (-43.93, -19.97)
    area = shapely.box(-43.99, -20.01, -43.98, -20.0).wkt
    layers = RegisterLayers(DAMS, (mine,), (area,))
    plan = plan_points(layers, RegisterSetSettings(background=20, seed=1))
    assert [p.register_id for p in plan.positives] == ["D0", "D1", "D2", "D3"] and len(plan.negatives) == 20
    lon, lat = np.array([p.lon for p in plan.negatives]), np.array([p.lat for p in plan.negatives])
    to_dams = np.stack([haversine_m(lon, lat, d.lon, d.lat) for d in DAMS], axis=1)
    assert to_dams.min() >= 2_000 and (to_dams.min(axis=1) <= 10_000).all()  # near some dam, away from all
    assert haversine_m(lon, lat, *mine).min() >= 2_000
    assert area_distances_m(lon, lat, [area], 5_000).min() >= 2_000
    assert [p.nearest_dam_m for p in plan.negatives] == pytest.approx(to_dams.min(axis=1), abs=0.1)
    assert [p.nearest_dam for p in plan.negatives] == [f"D{i}" for i in to_dams.argmin(axis=1)]
    pairwise = haversine_m(lon[:, None], lat[:, None], lon[None], lat[None]) + np.eye(len(lon)) * 1e9
    assert pairwise.min() >= 2_000  # background windows never overlap either
    again = plan_points(layers, RegisterSetSettings(background=20, seed=1))
    other = plan_points(layers, RegisterSetSettings(background=20, seed=2))
    assert again.negatives == plan.negatives and other.negatives != plan.negatives


def test_a_region_full_of_dams_has_no_room_for_background() -> None:
    crowded = [RegisteredDam(i, str(i), None, -44.0 + 0.01 * (i % 5), -20.0 + 0.01 * (i // 5)) for i in range(25)]
    with pytest.raises(TrainingDataError, match="no room for background windows in -44,-20,-43.96,-19.96"):
        plan_points(RegisterLayers(crowded), RegisterSetSettings(), [(-44.0, -20.0, -43.96, -19.96)])


def test_points_near_a_frozen_evaluation_site_stay_out() -> None:
    frozen = [(DAMS[1].lon, DAMS[1].lat + 0.01)]  # about 1.1 km from dam D1
    plan = plan_points(RegisterLayers(DAMS), RegisterSetSettings(background=30), avoid=frozen)  # type: ignore[list-item]
    assert "D1" not in {p.register_id for p in plan.positives}
    assert {(s["dam"], s["why"]) for s in plan.skipped} == {("D1", "near_evaluation_site")}
    lon, lat = np.array([p.lon for p in plan.negatives]), np.array([p.lat for p in plan.negatives])
    assert haversine_m(lon, lat, *frozen[0]).min() >= RegisterSetSettings().place_gap_m


def test_distance_to_an_area_is_measured_on_the_ground() -> None:
    # A square 0.01° east of the point on the equator: its west edge is 1,113 m away; inside is 0; far is inf.
    square = shapely.box(0.01, -0.005, 0.02, 0.005).wkt
    got = area_distances_m(np.array([0.0, 0.015, -0.2]), np.array([0.0, 0.0, 0.0]), [square], 5_000)
    assert got[0] == pytest.approx(float(haversine_m(0.0, 0.0, 0.01, 0.0)), rel=1e-3)
    assert got[1] == 0 and math.isinf(got[2])


def test_the_window_is_on_the_10_m_grid_with_the_point_in_its_centre_pixel() -> None:
    tile = window_tile(-44.12, -20.12, 201)
    assert (tile.width_px, tile.height_px, tile.crs) == (201, 201, "EPSG:32723")
    assert tile.x0 % 10 == 0 and tile.y1 % 10 == 0
    x, y = from_wgs84(tile.crs, np.array([-44.12]), np.array([-20.12]))
    assert int((x[0] - tile.x0) // 10) == 100 and int((tile.y1 - y[0]) // 10) == 100
    with pytest.raises(ValueError, match="odd"):
        window_tile(-44.12, -20.12, 200)
