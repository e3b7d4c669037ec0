"""The ground truth of a synthetic scene as GeoJSON (WGS84 lon/lat), with areas measured in the scene CRS."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import mapping

from core.demo.later_period import PeriodChanges
from core.demo.planting import PlantedFeature
from core.demo.scene import SyntheticScene

TRUTH_NAME = "MineScan synthetic demo ground truth (invented sites, not real data)"
_DECIMALS = 7


def _lonlat(transformer: Transformer, scene: SyntheticScene, rc: tuple[float, float]) -> tuple[float, float]:
    x, y = scene.transform @ (rc[1], rc[0])
    lon, lat = transformer.transform(x, y)
    return round(lon, _DECIMALS), round(lat, _DECIMALS)


def _feature(
    transformer: Transformer, scene: SyntheticScene, feat: PlantedFeature, register_ids: Mapping[str, str]
) -> dict[str, Any]:
    """One planted feature as a GeoJSON feature (outline in lon/lat, area in m² of the scene CRS)."""
    poly_xy = feat.polygon_xy(scene.transform)
    poly_ll = shapely.set_precision(
        shapely.transform(poly_xy, lambda xy: _transform_xy(transformer, xy)), 10.0**-_DECIMALS
    )
    lon, lat = _lonlat(transformer, scene, feat.centre_rc)
    props: dict[str, Any] = {
        "site_id": feat.site_id,
        "kind": feat.kind,
        "target": feat.target,
        "impact": feat.impact,
        "registered": feat.site_id in register_ids,
        "register_id": register_ids.get(feat.site_id),
        "area_m2": round(float(poly_xy.area), 1),
        "centre_lon": lon,
        "centre_lat": lat,
    }
    if feat.kind == "tailings_dam" and feat.dam_rc is not None:
        props["dam_lon"], props["dam_lat"] = _lonlat(transformer, scene, feat.dam_rc)
        props["mine_site_id"] = feat.linked_site_id
    return {"type": "Feature", "properties": props, "geometry": mapping(poly_ll)}


def _head(scene: SyntheticScene, scene_file: str, period: str | None) -> dict[str, Any]:
    head: dict[str, Any] = {
        "type": "FeatureCollection",
        "name": TRUTH_NAME,
        "synthetic": True,
        "description": "Planted targets (target=true) and confusers of a synthetic MineScan scene.",
        "scene_file": scene_file,
        "scene_crs": scene.crs.to_string(),
        "seed": scene.seed,
    }
    if period is not None:
        head["period"] = period
    return head


def truth_collection(
    scene: SyntheticScene, scene_file: str, register_ids: Mapping[str, str], period: str | None = None
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of every planted feature of ``scene``.

    Args:
        scene: the generated scene.
        scene_file: file name of the written scene, recorded in the collection.
        register_ids: register ID per site ID of the dams that are in the register.
        period: the scene's acquisition period label, recorded when given.
    """
    transformer = Transformer.from_crs(scene.crs, "EPSG:4326", always_xy=True)
    features = [_feature(transformer, scene, feat, register_ids) for feat in scene.features]
    return {**_head(scene, scene_file, period), "features": features}


def later_truth_collection(
    scene: SyntheticScene,
    changes: PeriodChanges,
    scene_file: str,
    register_ids: Mapping[str, str],
    periods: tuple[str, str],
    earlier_truth_file: str,
) -> dict[str, Any]:
    """The truth of a later period's ``scene``: every feature present then, and those gone since ``periods[0]``.

    Each feature says its ``change`` (``unchanged``, ``grown``, ``new`` or ``disappeared``), whether it is
    ``present`` in this period, and ``area_m2_before`` (its area in the earlier period; None for a new one). A
    feature gone keeps its earlier outline, with ``area_m2`` 0.
    """
    transformer = Transformer.from_crs(scene.crs, "EPSG:4326", always_xy=True)
    before = {f.site_id: round(float(f.polygon_xy(scene.transform).area), 1) for f in changes.earlier}
    features = []
    for feat in scene.features:
        out = _feature(transformer, scene, feat, register_ids)
        change = "grown" if feat.site_id in changes.grown else "new" if feat.site_id in changes.new else "unchanged"
        out["properties"].update(change=change, present=True, area_m2_before=before.get(feat.site_id))
        features.append(out)
    for feat in changes.gone:
        out = _feature(transformer, scene, feat, register_ids)
        area = out["properties"]["area_m2"]
        out["properties"].update(area_m2=0.0, change="disappeared", present=False, area_m2_before=area)
        features.append(out)
    head = _head(scene, scene_file, periods[1])
    head["description"] += f" Changes since {periods[0]} ({earlier_truth_file}) are in each feature's 'change'."
    head.update(previous_period=periods[0], previous_truth=earlier_truth_file)
    return {**head, "features": features}


def _transform_xy(transformer: Transformer, xy: np.ndarray) -> np.ndarray:
    lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def write_truth(path: Path, collection: Mapping[str, Any]) -> Path:
    """Write the collection as UTF-8 GeoJSON, one feature per line."""
    head = {k: v for k, v in collection.items() if k != "features"}
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection.get("features", [])]
    text = json.dumps(head, ensure_ascii=False, indent=1)[:-2] + ',\n "features": [\n' + ",\n".join(lines) + "\n]}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
