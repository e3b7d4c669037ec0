"""Scoring sites against ground truth: found targets, false sites, their kinds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shapely.geometry import box

from core.scan.sites import Site
from core.training.evaluation import evaluate_sites, load_truth

# ~1 km squares near Itabirito (lon -43.8, lat -20.25); 0.01 deg ~ 1 km.


def _site(lon: float, lat: float, half: float = 0.0012) -> Site:
    return Site(
        lon=lon,
        lat=lat,
        outline_wkt=box(lon - half, lat - half, lon + half, lat + half).wkt,
        area_km2=0.07,
        p_max=0.9,
        p_mean=0.8,
        cell_count=1,
        cells=((0, 0),),
    )


def _truth(tmp_path: Path) -> Path:
    feats = [
        ("T1", "open_pit_mine", True, box(-43.80, -20.25, -43.79, -20.24)),
        ("T2", "tailings_dam", True, box(-43.70, -20.25, -43.69, -20.24)),
        ("C1", "irrigation_dam", False, box(-43.60, -20.25, -43.595, -20.245)),
        ("N1", "nodata", False, box(-43.50, -20.30, -43.45, -20.25)),
    ]
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"site_id": i, "kind": k, "target": t},
                "geometry": json.loads(json.dumps(g.__geo_interface__)),
            }
            for i, k, t, g in feats
        ],
    }
    path = tmp_path / "truth.geojson"
    path.write_text(json.dumps(data))
    return path


def test_found_missed_and_false_sites(tmp_path: Path) -> None:
    truth = load_truth(_truth(tmp_path))
    sites = [
        _site(-43.795, -20.245),  # inside T1
        _site(-43.6975, -20.2535),  # just south of T2: its edge ~ 230 m from T2, within one cell
        _site(-43.5975, -20.2475),  # on the irrigation dam
        _site(-43.00, -20.00),  # on nothing
    ]
    ev = evaluate_sites(sites, truth, scanned_km2=400.0)
    assert (ev.targets, ev.found, ev.sites, ev.false_sites) == (2, 2, 4, 2)
    assert ev.recall == 1.0 and ev.false_sites_per_100km2 == pytest.approx(0.5)
    assert ev.false_site_kinds == {"irrigation_dam": 1, "background": 1}


def test_a_site_600_m_away_does_not_count(tmp_path: Path) -> None:
    truth = load_truth(_truth(tmp_path))
    ev = evaluate_sites([_site(-43.795, -20.2585)], truth, scanned_km2=100.0)  # ~ 850 m south of T1's edge
    assert ev.found == 0 and ev.missed == ("T1", "T2") and ev.false_sites == 1


def test_no_sites_means_zero_recall(tmp_path: Path) -> None:
    ev = evaluate_sites([], load_truth(_truth(tmp_path)), scanned_km2=100.0)
    assert ev.recall == 0.0 and ev.false_sites == 0 and "0/2 targets" in ev.summary()
