"""Build the stamp for a placement, paint it, and describe the result as a planted feature."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import rasterio.features
import shapely.affinity
from affine import Affine
from shapely.geometry import Polygon, shape

from core.demo.confusers import build_irrigation_dam, build_natural_lake, build_nodata, build_river_bank
from core.demo.decor import build_pivot, build_town
from core.demo.layout import TARGET_KINDS, Placement
from core.demo.sites import build_open_pit, build_sand_pit, build_tailings_dam
from core.demo.stamps import Canvas, Stamp, apply_stamp, depth_inside

#: Impact class of each target kind (METHOD.md model 2); confusers and nodata have none.
IMPACT_BY_KIND: dict[str, str] = {
    "open_pit_mine": "high_impact",
    "tailings_dam": "high_impact",
    "sand_pit": "low_impact",
}


@dataclass(frozen=True)
class PlantedFeature:
    """One planted site. Geometry is in pixel coordinates: ``polygon_px`` in (col, row), points in (row, col).

    ``centre_rc`` is the centre of the footprint pixel farthest from its edge (always inside the footprint);
    ``dam_rc`` is the midpoint of a dam wall; ``linked_site_id`` names the mine a tailings dam serves.
    """

    site_id: str
    kind: str
    target: bool
    impact: str | None
    polygon_px: Polygon
    centre_rc: tuple[float, float]
    area_px: int
    dam_rc: tuple[float, float] | None = None
    linked_site_id: str | None = None

    def polygon_xy(self, transform: Affine) -> Polygon:
        """The footprint in the scene CRS."""
        t = transform
        return shapely.affinity.affine_transform(self.polygon_px, [t.a, t.b, t.d, t.e, t.c, t.f])


def _terrain_window(elev_m: np.ndarray, row0: int, col0: int, size: int) -> np.ndarray:
    rows = np.clip(np.arange(row0, row0 + size), 0, elev_m.shape[0] - 1)
    cols = np.clip(np.arange(col0, col0 + size), 0, elev_m.shape[1] - 1)
    return elev_m[np.ix_(rows, cols)]


def build_site(rng: np.random.Generator, spot: Placement, elev_m: np.ndarray) -> Stamp:
    """The stamp for ``spot``, positioned on the scene grid."""
    half = int(np.ceil(spot.radius_px)) + 2
    row, col = int(np.floor(spot.centre_rc[0])), int(np.floor(spot.centre_rc[1]))
    row0, col0, size = row - half, col - half, 2 * half + 1
    local = (size, size)
    terrain = _terrain_window(elev_m, row0, col0, size)
    radius = spot.radius_px
    builders = {
        "open_pit_mine": lambda: build_open_pit(rng, radius, terrain),
        "sand_pit": lambda: build_sand_pit(rng, radius, terrain),
        "tailings_dam": lambda: build_tailings_dam(rng, radius, terrain),
        "irrigation_dam": lambda: build_irrigation_dam(rng, radius, terrain),
        "natural_lake": lambda: build_natural_lake(rng, radius, terrain),
        "river_bank": lambda: build_river_bank(
            rng, radius, spot.extra[4], local, (spot.extra[0], spot.extra[1]), (spot.extra[2], spot.extra[3])
        ),
        "nodata": lambda: build_nodata(rng, radius, local),
        "town": lambda: build_town(rng, radius, local),
        "pivot": lambda: build_pivot(rng, radius, local),
    }
    stamp = builders[spot.kind]()
    anchor = stamp.anchor_rc
    moved = (anchor[0] + row0, anchor[1] + col0) if anchor is not None else None
    return replace(stamp, row0=row0, col0=col0, anchor_rc=moved)


def mask_polygon(mask: np.ndarray, row0: int = 0, col0: int = 0) -> Polygon:
    """The largest part of ``mask`` (placed at ``row0, col0``) as a polygon in scene (col, row) pixel coordinates,
    following pixel edges."""
    values = mask.astype(np.uint8)
    to_scene = Affine.translation(col0, row0)
    parts = [
        shape(geom)
        for geom, value in rasterio.features.shapes(values, mask=values > 0, transform=to_scene)
        if value == 1
    ]
    return max(parts, key=lambda g: g.area)


def mask_centre(mask: np.ndarray, row0: int = 0, col0: int = 0) -> tuple[float, float]:
    """Centre (row, col) in the scene of the ``mask`` pixel deepest inside the mask."""
    depth = depth_inside(mask)
    r, c = np.unravel_index(int(np.argmax(depth)), depth.shape)
    return row0 + r + 0.5, col0 + c + 0.5


def footprint_polygon(stamp: Stamp) -> Polygon:
    """The stamp's footprint as one polygon in scene (col, row) pixel coordinates, following pixel edges."""
    return mask_polygon(stamp.footprint, stamp.row0, stamp.col0)


def footprint_centre(stamp: Stamp) -> tuple[float, float]:
    """Centre (row, col) of the footprint pixel deepest inside the footprint."""
    return mask_centre(stamp.footprint, stamp.row0, stamp.col0)


def plant(
    canvas: Canvas, stamp: Stamp, site_value: int, spot: Placement, site_id: str, linked_site_id: str | None = None
) -> PlantedFeature | None:
    """Paint a site's stamp (site layer value ``site_value``) and describe it; None when it has no footprint."""
    if not stamp.footprint.any():
        return None
    apply_stamp(canvas, stamp, site_value)
    return PlantedFeature(
        site_id=site_id,
        kind=spot.kind,
        target=spot.kind in TARGET_KINDS,
        impact=IMPACT_BY_KIND.get(spot.kind),
        polygon_px=footprint_polygon(stamp),
        centre_rc=footprint_centre(stamp),
        area_px=int(stamp.footprint.sum()),
        dam_rc=stamp.anchor_rc if spot.kind in ("tailings_dam", "irrigation_dam") else None,
        linked_site_id=linked_site_id,
    )


def paint_background(canvas: Canvas, stamp: Stamp) -> None:
    """Paint a town or farm stamp (not a site: no footprint in the site layer)."""
    apply_stamp(canvas, stamp, 0)
