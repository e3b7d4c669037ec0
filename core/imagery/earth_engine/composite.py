"""The paper's composite as an Earth Engine expression. ``ee`` is the initialised client module, passed in."""

from __future__ import annotations

from typing import Any

from core.imagery.earth_engine.recipe import (
    CLOUD_PROPERTY,
    CLOUD_SCORE_PLUS,
    DN_PER_REFLECTANCE,
    NODATA,
    QA60_CIRRUS_BIT,
    QA60_CLOUD_BIT,
    CompositeRecipe,
)
from core.imagery.tile_grid import ImageryTile


def tile_geometry(ee: Any, tile: ImageryTile) -> Any:
    """The tile's rectangle in its own UTM projection (planar, so its edges are the pixel grid's)."""
    return ee.Geometry.Rectangle([tile.x0, tile.y0, tile.x1, tile.y1], tile.crs, False)


def _mask_qa60(ee: Any) -> Any:
    """A function masking a scene's pixels flagged as opaque cloud or cirrus in QA60."""
    flags = (1 << QA60_CLOUD_BIT) | (1 << QA60_CIRRUS_BIT)

    def mask(image: Any) -> Any:
        return image.updateMask(image.select("QA60").bitwiseAnd(flags).eq(0))

    return mask


def _mask_cloud_score(threshold: float) -> Any:
    """A function masking pixels whose Cloud Score+ clear-sky score (cs_cdf) is below ``threshold``."""

    def mask(image: Any) -> Any:
        return image.updateMask(image.select("cs_cdf").gte(threshold))

    return mask


def scene_collection(ee: Any, recipe: CompositeRecipe, region: Any) -> Any:
    """The scenes that go into the composite: collection, dates, place and the scene-level cloud filter."""
    return (
        ee.ImageCollection(recipe.collection)
        .filterDate(recipe.start.isoformat(), recipe.end.isoformat())
        .filterBounds(region)
        .filter(ee.Filter.lte(CLOUD_PROPERTY, recipe.max_cloud_percent))
    )


def build_composite(ee: Any, recipe: CompositeRecipe, tile: ImageryTile) -> Any:
    """Cloud-masked per-pixel median of the recipe's scenes over ``tile``, as float32 reflectance.

    Pixels with no cloud-free observation hold :data:`NODATA`, so a download or an export cannot mistake them for
    dark ground; the bands are named and ordered as the recipe's (the discovery model's) bands.
    """
    region = tile_geometry(ee, tile)
    scenes = scene_collection(ee, recipe, region)
    if recipe.mask == "qa60":
        scenes = scenes.map(_mask_qa60(ee))
    else:
        scores = ee.ImageCollection(CLOUD_SCORE_PLUS)
        scenes = scenes.linkCollection(scores, ["cs_cdf"]).map(_mask_cloud_score(recipe.cloud_score_threshold))
    bands = list(recipe.bands)
    return scenes.select(bands).median().divide(DN_PER_REFLECTANCE).toFloat().unmask(NODATA, False).select(bands)
