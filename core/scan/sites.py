"""Candidate sites: 8-connected groups of positive grid cells, with outline, area and scores."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import shapely
from affine import Affine
from scipy import ndimage
from shapely.geometry import Point, box

from core.imagery.geo import geodesic_area_m2, geometry_to_wgs84, to_wgs84
from core.model_card import ModelCard
from core.wording.translate import N_

NO_ORE = "no_ore"
#: What exports and the app say for a site without impact class, by cause.
#: English, marked for translation (translate where shown: ``_(NOT_RATED_NO_MODEL)``).
NOT_RATED_NO_MODEL = N_("not rated: scanned without an impact model")
NOT_RATED_NO_DATA = N_("not rated: too little valid data for the impact model")


@dataclass(frozen=True)
class Site:
    """One candidate site. Coordinates are WGS84 lon/lat; ``outline_wkt`` is a lon/lat (Multi)Polygon."""

    lon: float
    lat: float
    outline_wkt: str
    area_km2: float
    p_max: float
    p_mean: float
    cell_count: int
    cells: tuple[tuple[int, int], ...]
    impact_class: str | None = None
    impact_probs: tuple[tuple[str, float], ...] = ()
    scene_id: str = ""
    discovery_model: str = ""
    discovery_version: str = ""
    impact_model: str | None = None
    impact_version: str | None = None

    def with_scene(self, scene_id: str, discovery: ModelCard, impact: ModelCard | None) -> Site:
        """The same site labelled with its scene and the models that found it."""
        return replace(
            self,
            scene_id=scene_id,
            discovery_model=discovery.name,
            discovery_version=discovery.version,
            impact_model=impact.name if impact else None,
            impact_version=impact.version if impact else None,
        )

    def as_row(self) -> dict[str, object]:
        """Flat, JSON-friendly properties (no geometry)."""
        row: dict[str, object] = {
            "scene_id": self.scene_id,
            "lon": round(self.lon, 7),
            "lat": round(self.lat, 7),
            "area_km2": round(self.area_km2, 4),
            "p_max": round(self.p_max, 4),
            "p_mean": round(self.p_mean, 4),
            "cell_count": self.cell_count,
            "impact_class": self.impact_class or "not rated",
            "discovery_model": f"{self.discovery_model}@{self.discovery_version}",
            "impact_model": f"{self.impact_model}@{self.impact_version}" if self.impact_model else "",
        }
        for name, prob in self.impact_probs:
            row[f"p_{name}"] = round(prob, 4)
        return row


def positive_cells(
    p_mine: np.ndarray, impact: np.ndarray | None, threshold: float, impact_classes: tuple[str, ...] | None
) -> np.ndarray:
    """Cells above ``threshold`` (NaN = nodata never counts) that the impact model does not call 'no ore'."""
    keep = np.nan_to_num(p_mine, nan=0.0) > threshold
    if impact is not None and impact_classes is not None and NO_ORE in impact_classes:
        rated = np.isfinite(impact).all(axis=-1)
        no_ore = rated & (np.argmax(np.nan_to_num(impact, nan=-1.0), axis=-1) == impact_classes.index(NO_ORE))
        keep &= ~no_ore
    return keep


def sites_from_grid(
    p_mine: np.ndarray,
    impact: np.ndarray | None,
    *,
    cell_transform: Affine,
    crs_wkt: str,
    threshold: float,
    impact_classes: tuple[str, ...] | None,
) -> list[Site]:
    """Group positive cells (8-connected) into sites, largest P(mine) first.

    ``cell_transform`` maps (col, row) of the cell grid to the scene CRS at the corners of the cells' 27-px
    squares, so each cell is a square of the ground it stands for.
    """
    keep = positive_cells(p_mine, impact, threshold, impact_classes)
    labels, count = ndimage.label(keep, structure=np.ones((3, 3), dtype=bool))
    sites = [
        _site_from_cells(np.argwhere(labels == k), p_mine, impact, cell_transform, crs_wkt, impact_classes)
        for k in range(1, count + 1)
    ]
    return sorted(sites, key=lambda s: (-s.p_max, -s.area_km2))


def _site_from_cells(
    cells: np.ndarray,
    p_mine: np.ndarray,
    impact: np.ndarray | None,
    cell_transform: Affine,
    crs_wkt: str,
    impact_classes: tuple[str, ...] | None,
) -> Site:
    rows, cols = cells[:, 0], cells[:, 1]
    probs = p_mine[rows, cols].astype(float)
    squares = []
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        x0, y0 = cell_transform @ (c, r)
        x1, y1 = cell_transform @ (c + 1, r + 1)
        squares.append(box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)))
    outline = shapely.union_all(squares)
    outline_ll = geometry_to_wgs84(crs_wkt, outline)
    # Centre: P-weighted mean of the cell centres, moved to the nearest cell centre if it falls outside the site.
    a, b, c, d, e, f = cell_transform[:6]
    cx = a * (cols + 0.5) + b * (rows + 0.5) + c
    cy = d * (cols + 0.5) + e * (rows + 0.5) + f
    wx, wy = float(np.average(cx, weights=probs)), float(np.average(cy, weights=probs))
    if not outline.contains(Point(wx, wy)):
        nearest = int(np.argmin((cx - wx) ** 2 + (cy - wy) ** 2))
        wx, wy = float(cx[nearest]), float(cy[nearest])
    lon, lat = to_wgs84(crs_wkt, np.array([wx]), np.array([wy]))
    impact_class, impact_probs = _impact_of(impact, rows, cols, impact_classes)
    return Site(
        lon=float(lon[0]),
        lat=float(lat[0]),
        outline_wkt=outline_ll.wkt,
        area_km2=geodesic_area_m2(outline_ll) / 1e6,
        p_max=float(probs.max()),
        p_mean=float(probs.mean()),
        cell_count=len(cells),
        cells=tuple((int(r), int(c)) for r, c in zip(rows, cols, strict=True)),
        impact_class=impact_class,
        impact_probs=impact_probs,
    )


def _impact_of(
    impact: np.ndarray | None, rows: np.ndarray, cols: np.ndarray, classes: tuple[str, ...] | None
) -> tuple[str | None, tuple[tuple[str, float], ...]]:
    """Mean impact probabilities over a site's cells; the class is the likeliest ore class."""
    if impact is None or classes is None:
        return None, ()
    values = impact[rows, cols]
    values = values[np.isfinite(values).all(axis=1)]
    if len(values) == 0:
        return None, ()
    mean = values.mean(axis=0)
    ore = [i for i, name in enumerate(classes) if name != NO_ORE]
    best = max(ore, key=lambda i: mean[i]) if ore else int(np.argmax(mean))
    return classes[best], tuple((name, float(mean[i])) for i, name in enumerate(classes))
