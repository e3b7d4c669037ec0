"""An imagery plan: the regions a user gave, their tiles on the fixed grid, the periods, and the request for each
tile and period."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core import wording
from core.errors import MineScanError
from core.imagery.earth_engine.recipe import CompositeRecipe, period_recipe
from core.imagery.earth_engine.requests import (
    MAX_DIRECT_DOWNLOAD_PX,
    PlannedScene,
    download_params,
    export_params,
    plan_chunks,
)
from core.imagery.geo import to_wgs84
from core.imagery.periods import Period, checked_periods
from core.imagery.region_files import parse_geojson, parse_region_csv
from core.imagery.regions import Region, parse_bounds
from core.imagery.tile_grid import ImageryTile, plan_tiles
from core.wording.translate import N_, _, localise_number, ngettext

#: A plan with more tiles than this is refused (each tile is an export task of up to 1 GB).
MAX_TILES = 200
#: How a tile can be fetched: the values of a tile row's ``how`` (English codes a page compares and translates).
HOW_DOWNLOAD = N_("download or export")
HOW_EXPORT = N_("export only")


@dataclass(frozen=True)
class ImageryPlan:
    """Regions, their tiles and one recipe per period: everything needed to request the imagery, before any
    request. Each tile is requested once per period (a *scene*)."""

    regions: tuple[Region, ...]
    tiles: tuple[ImageryTile, ...]
    recipes: tuple[CompositeRecipe, ...]

    @property
    def recipe(self) -> CompositeRecipe:
        """The first period's recipe: the only one of a plan made from dates; its cloud and mask settings are every
        period's."""
        return self.recipes[0]

    @property
    def periods(self) -> tuple[Period, ...]:
        """The periods, in time order (one, the recipe's dates, for a plan made from dates)."""
        return tuple(r.period for r in self.recipes)

    @property
    def scenes(self) -> tuple[PlannedScene, ...]:
        """Every tile over every period, tile by tile."""
        return tuple(PlannedScene(r, t) for t in self.tiles for r in self.recipes)

    @property
    def size_text(self) -> str:
        """``3 tile(s)``, or ``3 tile(s) x 7 period(s) = 21 scene(s)`` (in the current language)."""
        n_tiles, n_periods, n_scenes = len(self.tiles), len(self.recipes), len(self.scenes)
        tiles = ngettext("{n} tile(s)", "{n} tile(s)", n_tiles).format(n=wording.number(n_tiles))
        if n_periods == 1:
            return tiles
        periods = ngettext("{n} period(s)", "{n} period(s)", n_periods).format(n=wording.number(n_periods))
        scenes = ngettext("{n} scene(s)", "{n} scene(s)", n_scenes).format(n=wording.number(n_scenes))
        return f"{tiles} x {periods} = {scenes}"

    @property
    def scene_word(self) -> str:
        """What a person calls one file of this plan: ``tile(s)``, or ``scene(s)`` when there are several periods."""
        return _("tile(s)") if len(self.recipes) == 1 else _("scene(s)")

    @property
    def area_km2(self) -> float:
        """The tiles' total area (each counted once, whatever the number of periods)."""
        return sum(t.width_px * t.height_px * t.pixel_m**2 for t in self.tiles) / 1e6

    def downloadable(self, tile: ImageryTile) -> bool:
        """True when the tile is small enough for direct download (else it needs an export task)."""
        return tile.width_px * tile.height_px <= MAX_DIRECT_DOWNLOAD_PX

    def tile_rows(self) -> list[dict[str, Any]]:
        """One plain row per tile, for a map."""
        return [self._tile_row(t) for t in self.tiles]

    def rows(self) -> list[dict[str, Any]]:
        """One plain row per scene (tile and period), for a table."""
        return [{**self._tile_row(s.tile), "period": s.period.label, "file": f"{s.file_prefix}.tif"}
                for s in self.scenes]  # fmt: skip

    def _tile_row(self, t: ImageryTile) -> dict[str, Any]:
        n_bands = len(self.recipe.bands)
        return {
            "region": t.region,
            "tile": t.tile_id,
            "crs": t.crs,
            "width_px": t.width_px,
            "height_px": t.height_px,
            "km": f"{t.width_px * t.pixel_m / 1000:.1f} x {t.height_px * t.pixel_m / 1000:.1f}",
            **dict(zip(("west", "south", "east", "north"), (round(v, 5) for v in t.bounds_lonlat()), strict=True)),
            "download_requests": len(plan_chunks(t.width_px, t.height_px, n_bands)) if self.downloadable(t) else 0,
            "how": HOW_DOWNLOAD if self.downloadable(t) else HOW_EXPORT,
            "polygon": tile_outline_lonlat(t),
        }

    def request(self, destination: str = "drive", target: str = "MineScan") -> dict[str, Any]:
        """The request as plain data: the composite's recipe (its dates, or every period's) and, per scene, the
        export (and download) parameters."""
        r = self.recipe
        composite: dict[str, Any] = {"collection": r.collection}
        if len(self.recipes) == 1:
            composite["dates"] = {"start": r.start.isoformat(), "end_exclusive": r.end.isoformat()}
        else:
            composite["periods"] = [{"period": q.period.label, "start": q.start.isoformat(),
                                     "end_exclusive": q.end.isoformat()} for q in self.recipes]  # fmt: skip
        composite.update({
            "scene_filter": f"CLOUDY_PIXEL_PERCENTAGE <= {r.max_cloud_percent:g}",
            "pixel_mask": r.mask_description,
            "reducer": "median",
            "reflectance": "DN / 10000",
            "bands": list(r.bands),
            "scale_m": r.scale_m,
        })  # fmt: skip
        return {"composite": composite, "tiles": [self._scene_request(s, destination, target) for s in self.scenes]}

    def _scene_request(self, scene: PlannedScene, destination: str, target: str) -> dict[str, Any]:
        r, t = scene.recipe, scene.tile
        chunks = plan_chunks(t.width_px, t.height_px, len(r.bands)) if self.downloadable(t) else []
        return {
            "tile": t.tile_id,
            "period": scene.period.label,
            "export": export_params(r, t, destination, target),
            "download_chunks": [download_params(r, t, c) for c in chunks],
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
            raise MineScanError(_("no region file {path}").format(path=path))
        data = path.read_bytes()
        if path.suffix.lower() in (".geojson", ".json"):
            return parse_geojson(data)
        return parse_region_csv(data, side_m=side_m)
    return [parse_bounds(spec)]


def make_plan(regions: list[Region], recipe: CompositeRecipe, periods: Sequence[Period] | None = None) -> ImageryPlan:
    """Tile every region on the fixed grid; tiles shared by overlapping regions are requested once. With
    ``periods``, each tile is requested once per period, with ``recipe``'s cloud and mask settings over the
    period's dates; without, once over ``recipe``'s dates.

    Raises:
        MineScanError: no region, or more than :data:`MAX_TILES` scenes (tiles x periods).
        PeriodError: periods given twice or overlapping.
        ImageryRequestError: a period outside Sentinel-2's life.
    """
    if not regions:
        raise MineScanError(_("no region given"))
    tiles: list[ImageryTile] = []
    for region in regions:
        tiles.extend(plan_tiles(region))
    recipes = tuple(period_recipe(recipe, p) for p in checked_periods(list(periods))) if periods else (recipe,)
    if len(tiles) * len(recipes) > MAX_TILES:
        if len(recipes) == 1:
            many = _("{tiles} tiles").format(tiles=len(tiles))
        else:
            many = _("{tiles} tiles x {periods} periods = {scenes} scenes").format(
                tiles=len(tiles), periods=len(recipes), scenes=len(tiles) * len(recipes))  # fmt: skip
        message = _(
            "the regions need {many} of up to 92 x 92 km; at most {most} are requested at once: split the request"
        )
        raise MineScanError(message.format(many=many, most=MAX_TILES))
    return ImageryPlan(regions=tuple(regions), tiles=tuple(tiles), recipes=recipes)


def plan_text(plan: ImageryPlan, destination: str = "drive", target: str = "MineScan") -> str:
    """The plan as a person reads it: regions, periods, scenes (tile and period), then the exact request as JSON."""
    several = len(plan.recipes) > 1
    heading = ngettext("{n} region(s), {size}, {area} km²:", "{n} region(s), {size}, {area} km²:", len(plan.regions))
    lines = [heading.format(n=wording.number(len(plan.regions)), size=plan.size_text,
                            area=wording.number(plan.area_km2))]  # fmt: skip
    for region in plan.regions:
        # Coordinates keep their decimal point (they are read back as typed bounds).
        line = _("{label}: west {west}, south {south}, east {east}, north {north} ({area} km²)").format(
            label=region.label, west=f"{region.west:.5f}", south=f"{region.south:.5f}", east=f"{region.east:.5f}",
            north=f"{region.north:.5f}", area=wording.number(region.area_km2))  # fmt: skip
        lines.append(f"  {line}")
    if several:
        lines.append(_("Periods (one composite each; end exclusive):"))
        lines.extend(
            "  " + _("{period}: {start} to {end}").format(period=r.period.label, start=r.start, end=r.end)
            for r in plan.recipes
        )
    if several:
        lines.append(_("Tiles (fixed 92 km grid of each UTM zone, 10 m pixels), per period:"))
    else:
        lines.append(_("Tiles (fixed 92 km grid of each UTM zone, 10 m pixels):"))
    for row in plan.rows():
        lines.append(
            f"  {row['tile']}  " + (f"{row['period']}  " if several else "") + f"{row['region']}  {row['crs']}  "
            f"{row['width_px']} x {row['height_px']} px ({localise_number(row['km'])} km)  {_(row['how'])}"
        )
    lines.append(_("Request:"))
    lines.append(json.dumps(plan.request(destination, target), indent=2))
    return "\n".join(lines)
