"""An imagery plan: the regions a user gave, their tiles on the fixed grid, and the request for each tile."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import MineScanError
from core.imagery.earth_engine.recipe import CompositeRecipe
from core.imagery.earth_engine.requests import MAX_DIRECT_DOWNLOAD_PX, download_params, export_params, plan_chunks
from core.imagery.geo import to_wgs84
from core.imagery.region_files import parse_geojson, parse_region_csv
from core.imagery.regions import Region, parse_bounds
from core.imagery.tile_grid import ImageryTile, plan_tiles

#: A plan with more tiles than this is refused (each tile is an export task of up to 1 GB).
MAX_TILES = 200


@dataclass(frozen=True)
class ImageryPlan:
    """Regions, their tiles and the recipe: everything needed to request the imagery, before any request."""

    regions: tuple[Region, ...]
    tiles: tuple[ImageryTile, ...]
    recipe: CompositeRecipe

    @property
    def area_km2(self) -> float:
        """The tiles' total area."""
        return sum(t.width_px * t.height_px * t.pixel_m**2 for t in self.tiles) / 1e6

    def downloadable(self, tile: ImageryTile) -> bool:
        """True when the tile is small enough for direct download (else it needs an export task)."""
        return tile.width_px * tile.height_px <= MAX_DIRECT_DOWNLOAD_PX

    def rows(self) -> list[dict[str, Any]]:
        """One plain row per tile, for a table."""
        return [
            {
                "region": t.region,
                "tile": t.tile_id,
                "crs": t.crs,
                "width_px": t.width_px,
                "height_px": t.height_px,
                "km": f"{t.width_px * t.pixel_m / 1000:.1f} x {t.height_px * t.pixel_m / 1000:.1f}",
                **dict(zip(("west", "south", "east", "north"), (round(v, 5) for v in t.bounds_lonlat()), strict=True)),
                "download_requests": len(plan_chunks(t.width_px, t.height_px, len(self.recipe.bands)))
                if self.downloadable(t)
                else 0,
                "how": "download or export" if self.downloadable(t) else "export only",
                "polygon": tile_outline_lonlat(t),
            }
            for t in self.tiles
        ]

    def request(self, destination: str = "drive", target: str = "MineScan") -> dict[str, Any]:
        """The request as plain data: the composite's recipe and, per tile, the export (and download) parameters."""
        r = self.recipe
        return {
            "composite": {
                "collection": r.collection,
                "dates": {"start": r.start.isoformat(), "end_exclusive": r.end.isoformat()},
                "scene_filter": f"CLOUDY_PIXEL_PERCENTAGE <= {r.max_cloud_percent:g}",
                "pixel_mask": r.mask_description,
                "reducer": "median",
                "reflectance": "DN / 10000",
                "bands": list(r.bands),
                "scale_m": r.scale_m,
            },
            "tiles": [
                {
                    "tile": t.tile_id,
                    "export": export_params(r, t, destination, target),
                    "download_chunks": [
                        download_params(r, t, c) for c in plan_chunks(t.width_px, t.height_px, len(r.bands))
                    ]
                    if self.downloadable(t)
                    else [],
                }
                for t in self.tiles
            ],
        }


def tile_outline_lonlat(tile: ImageryTile) -> list[list[float]]:
    """The tile's four corners in lon/lat (closed ring), for a map."""
    x = np.array([tile.x0, tile.x1, tile.x1, tile.x0, tile.x0])
    y = np.array([tile.y0, tile.y0, tile.y1, tile.y1, tile.y0])
    lon, lat = to_wgs84(tile.crs, x, y)
    return [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]


def read_regions(spec: str, *, side_m: float | None = None) -> list[Region]:
    """Regions from a CSV or GeoJSON file path, or from bounds typed as 'west, south, east, north'."""
    path = Path(spec)
    if path.suffix.lower() in (".csv", ".txt", ".geojson", ".json") or path.exists():
        if not path.is_file():
            raise MineScanError(f"no region file {path}")
        data = path.read_bytes()
        if path.suffix.lower() in (".geojson", ".json"):
            return parse_geojson(data)
        return parse_region_csv(data, side_m=side_m)
    return [parse_bounds(spec)]


def make_plan(regions: list[Region], recipe: CompositeRecipe) -> ImageryPlan:
    """Tile every region on the fixed grid; tiles shared by overlapping regions are requested once.

    Raises:
        MineScanError: no region, or more than :data:`MAX_TILES` tiles.
    """
    if not regions:
        raise MineScanError("no region given")
    tiles: list[ImageryTile] = []
    for region in regions:
        tiles.extend(plan_tiles(region))
    if len(tiles) > MAX_TILES:
        raise MineScanError(
            f"the regions need {len(tiles)} tiles of up to 92 x 92 km; at most {MAX_TILES} are requested at once: "
            "split the request"
        )
    return ImageryPlan(regions=tuple(regions), tiles=tuple(tiles), recipe=recipe)


def plan_text(plan: ImageryPlan, destination: str = "drive", target: str = "MineScan") -> str:
    """The plan as a person reads it: regions, tiles, then the exact request as JSON."""
    lines = [f"{len(plan.regions)} region(s), {len(plan.tiles)} tile(s), {plan.area_km2:,.0f} km²:"]
    for region in plan.regions:
        lines.append(
            f"  {region.label}: west {region.west:.5f}, south {region.south:.5f}, east {region.east:.5f}, "
            f"north {region.north:.5f} ({region.area_km2:,.0f} km²)"
        )
    lines.append("Tiles (fixed 92 km grid of each UTM zone, 10 m pixels):")
    for row in plan.rows():
        lines.append(
            f"  {row['tile']}  {row['region']}  {row['crs']}  {row['width_px']} x {row['height_px']} px "
            f"({row['km']} km)  {row['how']}"
        )
    lines.append("Request:")
    lines.append(json.dumps(plan.request(destination, target), indent=2))
    return "\n".join(lines)
