"""A campaign decided from masks, and places found on the ground whatever the scenes' CRS."""

from __future__ import annotations

import numpy as np
import shapely
from affine import Affine

from core.imagery.geo import from_wgs84
from core.training.mask_decisions import decide_from_mask, distance_to_tailings
from core.training.review_sets import Window, assign_places

#: 10 m pixels of a UTM grid, top-left at (500000, 8000000).
GRID = Affine(10, 0, 500_000, 0, -10, 8_000_000)


def _box(col0: int, row0: int, col1: int, row1: int) -> str:
    x0, y0 = GRID * (col0, row0)
    x1, y1 = GRID * (col1, row1)
    return shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)).wkt


def test_sites_on_beside_and_away_from_tailings_are_decided_as_a_reviewer_would() -> None:
    mask = np.zeros((200, 200), bool)
    mask[50:70, 50:70] = True
    distance = distance_to_tailings(mask, (10.0, 10.0))
    on = decide_from_mask(_box(60, 60, 90, 90), GRID, distance)
    assert (on.decision, on.reason, on.distance_m) == ("confirmed", "tailings_visible", 0.0)
    beside = decide_from_mask(_box(85, 50, 95, 60), GRID, distance)  # 15 px = 150 m east of the tailings
    assert beside.decision == "unsure" and beside.reason is None and 140 <= beside.distance_m <= 160
    far = decide_from_mask(_box(150, 150, 170, 170), GRID, distance)
    assert far.decision == "rejected" and far.reason == "other" and far.distance_m > 270
    assert "270 m" in far.note
    # No tailings in the scene at all: everything is rejected.
    empty = distance_to_tailings(np.zeros((50, 50), bool), (10.0, 10.0))
    assert decide_from_mask(_box(10, 10, 20, 20), GRID, empty).decision == "rejected"


def _window(i: int, lon: float, lat: float, crs: str) -> Window:
    x, y = from_wgs84(crs, [lon], [lat])
    return Window(1, 0, 0, float(x[0]), float(y[0]), "mine", "tailings_visible", i, i, lon=lon, lat=lat)


def test_places_join_windows_by_ground_distance_across_crs_and_utm_zones() -> None:
    # Two windows 1.1 km apart across the UTM 22S/23S boundary (45 W), one in degrees; one window 5.5 km away.
    windows = [
        _window(1, -45.005, -19.9, "EPSG:32722"),
        _window(2, -44.995, -19.9, "EPSG:32723"),
        _window(3, -45.0, -19.9, "EPSG:4326"),
        _window(4, -45.0, -19.95, "EPSG:4326"),
    ]
    places = [w.place for w in assign_places(windows, 2_000.0)]
    assert places[0] == places[1] == places[2] and places[3] != places[0]
    # In degrees a 2 km gap would have joined everything; in metres of two zones, nothing: neither happens.
    assert len(set(places)) == 2
