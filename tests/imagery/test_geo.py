"""Distances, areas and reprojection: golden numbers."""

from __future__ import annotations

import numpy as np
import pytest
from affine import Affine
from shapely.geometry import box

from core.imagery.geo import geodesic_area_m2, haversine_m, pixel_size_m, to_wgs84, utm_epsg_for


def test_haversine_known_pairs() -> None:
    assert haversine_m(0, 0, 1, 0) == pytest.approx(111_195, rel=1e-4)  # one degree on the equator
    assert haversine_m(0, 0, 90, 0) == pytest.approx(np.pi / 2 * 6_371_008.8, rel=1e-9)
    # Brumadinho (Córrego do Feijão) to Mariana (Fundão), about 69 km apart.
    assert haversine_m(-44.1184, -20.1194, -43.4668, -20.2060) == pytest.approx(68_800, rel=0.01)
    assert float(haversine_m(-43.9, -20.0, -43.9, -20.0)) == 0.0


def test_geodesic_area_of_a_10_km_utm_square() -> None:
    square = box(600_000, 7_780_000, 610_000, 7_790_000)
    lon, lat = to_wgs84("EPSG:32723", *np.array(square.exterior.coords).T)
    from shapely.geometry import Polygon

    area = geodesic_area_m2(Polygon(zip(lon, lat)))
    assert area == pytest.approx(1e8, rel=2e-3)  # UTM scale factor near the zone's centre is ~0.9996


def test_pixel_size_in_metres_for_utm_and_degrees() -> None:
    dx, dy = pixel_size_m("EPSG:32723", Affine(10, 0, 600_000, 0, -10, 7_800_000), 100, 100)
    assert dx == pytest.approx(10, rel=0.01) and dy == pytest.approx(10, rel=0.01)
    deg = 10 / 111_320
    dx, dy = pixel_size_m("EPSG:4326", Affine(deg, 0, -43.9, 0, -deg, -20.0), 100, 100)
    assert dy == pytest.approx(10, rel=0.01) and dx == pytest.approx(10 * np.cos(np.radians(20)), rel=0.01)


def test_utm_zone_of_minas_gerais_and_para() -> None:
    assert utm_epsg_for(-43.9, -20.0) == 32723
    assert utm_epsg_for(-51.9, -6.8) == 32722
    assert utm_epsg_for(10.0, 52.0) == 32632
