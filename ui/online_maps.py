"""The Imagery page's online maps, for people with an Earth Engine account: leafmap to draw a region, geemap to
preview a composite as a map layer with the plan's tiles and regions, and leafmap's swipe between two periods.

They load Leaflet and their background from the internet, as Earth Engine itself does; the offline maps stay
pydeck (``ui.imagery_map``). geemap and leafmap take seconds to import: they are imported here, on first use only.
geemap's folium flavour is chosen with ``USE_FOLIUM`` (its ipyleaflet default needs a Jupyter kernel), and
``ee_initialize=False`` keeps it from asking for credentials on a prompt: the page signs in first.
"""

from __future__ import annotations

import os
from typing import Any

import folium
from folium.plugins import Draw

from core.imagery.earth_engine.composite import build_composite
from core.imagery.earth_engine.connection import EarthEngineUnavailable
from core.imagery.earth_engine.plan import ImageryPlan, tile_outline_lonlat
from core.wording.translate import _

#: How a composite is drawn: true colour, reflectance 0 to 0.3 (the composite is DN / 10000).
TRUE_COLOUR = {"bands": ["B4", "B3", "B2"], "min": 0.0, "max": 0.3, "gamma": 1.2}
BRAZIL_CENTRE = (-14.0, -51.0)
_TILE_STYLE = {"color": "#2563eb", "weight": 1.5, "fillOpacity": 0.05}
_REGION_STYLE = {"color": "#facc15", "weight": 3, "fillOpacity": 0.0}


def _leafmap() -> Any:
    import leafmap.foliumap as leafmap_folium

    return leafmap_folium


def _geemap() -> Any:
    # geemap's package picks its flavour when it is first imported: nothing may import it before this does.
    os.environ.setdefault("USE_FOLIUM", "1")
    import geemap.foliumap as geemap_folium

    return geemap_folium


def drawing_map() -> folium.Map:
    """leafmap's map of Brazil with rectangles and polygons to draw (what ``st_folium`` reads back)."""
    fmap = _leafmap().Map(center=BRAZIL_CENTRE, zoom=4, draw_control=False, fullscreen_control=True)
    Draw(
        export=False,
        draw_options={"polyline": False, "circle": False, "circlemarker": False, "marker": False,
                      "rectangle": True, "polygon": True},
        edit_options={"edit": True, "remove": True},
    ).add_to(fmap)  # fmt: skip
    return fmap


def plan_geojson(plan: ImageryPlan) -> tuple[dict[str, Any], dict[str, Any]]:
    """The plan's tiles and regions as GeoJSON (lon/lat), each feature with what its tooltip says."""
    tiles = [
        {"type": "Feature", "properties": {"tile": t.tile_id, "region": t.region},
         "geometry": {"type": "Polygon", "coordinates": [tile_outline_lonlat(t)]}}
        for t in plan.tiles
    ]  # fmt: skip
    regions = [
        {"type": "Feature", "properties": {"region": r.label},
         "geometry": {"type": "Polygon", "coordinates": [[[r.west, r.south], [r.east, r.south], [r.east, r.north],
                                                          [r.west, r.north], [r.west, r.south]]]}}
        for r in plan.regions
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": tiles}, {"type": "FeatureCollection", "features": regions}


def _bounds(plan: ImageryPlan) -> list[list[float]]:
    return [
        [min(r.south for r in plan.regions), min(r.west for r in plan.regions)],
        [max(r.north for r in plan.regions), max(r.east for r in plan.regions)],
    ]


def _outlines(fmap: folium.Map, plan: ImageryPlan) -> None:
    tiles, regions = plan_geojson(plan)
    folium.GeoJson(
        tiles, name=_("Tiles"), style_function=lambda _f: _TILE_STYLE,
        tooltip=folium.GeoJsonTooltip(["tile", "region"], aliases=[_("Tile"), _("Region")]),
    ).add_to(fmap)  # fmt: skip
    folium.GeoJson(
        regions, name=_("Regions"), style_function=lambda _f: _REGION_STYLE,
        tooltip=folium.GeoJsonTooltip(["region"], aliases=[_("Region")]),
    ).add_to(fmap)  # fmt: skip


def _refused(err: Exception) -> EarthEngineUnavailable:
    return EarthEngineUnavailable(
        _("Earth Engine did not draw the composite ({reason}). Check the connection and try again.").format(
            reason=str(err) or type(err).__name__
        )
    )


def composite_preview(ee: Any, plan: ImageryPlan, period: int = 0) -> folium.Map:
    """geemap's map of one period's composite over every tile of the plan (drawn by Earth Engine, nothing is
    downloaded), with the tiles and the regions outlined on it.

    Raises:
        EarthEngineUnavailable: Earth Engine refused or could not be reached for the map tiles.
    """
    geemap_folium = _geemap()  # outside the try: a broken install is not Earth Engine's refusal
    try:
        return _composite_preview(geemap_folium, ee, plan, period)
    except EarthEngineUnavailable:
        raise
    except (ee.EEException, OSError) as err:  # refused, or no network: one message
        raise _refused(err) from err


def _composite_preview(geemap_folium: Any, ee: Any, plan: ImageryPlan, period: int) -> folium.Map:
    recipe = plan.recipes[period]
    fmap = geemap_folium.Map(center=BRAZIL_CENTRE, zoom=4, ee_initialize=False, draw_control=False,
                         measure_control=False, plugin_LatLngPopup=False)  # fmt: skip
    for tile in plan.tiles:
        name = _("Composite {period} · {tile}").format(period=recipe.period.label, tile=tile.tile_id)
        fmap.add_layer(build_composite(ee, recipe, tile), TRUE_COLOUR, name)
    _outlines(fmap, plan)
    folium.LayerControl().add_to(fmap)
    fmap.fit_bounds(_bounds(plan))
    return fmap


def tile_url(ee: Any, image: Any) -> str:
    """The XYZ address Earth Engine serves ``image``'s true-colour tiles at (one request: a map id)."""
    return str(image.getMapId(TRUE_COLOUR)["tile_fetcher"].url_format)


def period_swipe(ee: Any, plan: ImageryPlan, first: int = 0, last: int = -1) -> folium.Map:
    """leafmap's swipe between two periods' composites of the plan's first tile, the tiles and regions on top.

    Raises:
        EarthEngineUnavailable: Earth Engine refused or could not be reached for the map tiles.
    """
    leafmap_folium = _leafmap()
    try:
        return _period_swipe(leafmap_folium, ee, plan, first, last)
    except EarthEngineUnavailable:
        raise
    except (ee.EEException, OSError) as err:  # refused, or no network: one message
        raise _refused(err) from err


def _period_swipe(leafmap_folium: Any, ee: Any, plan: ImageryPlan, first: int, last: int) -> folium.Map:
    tile = plan.tiles[0]
    before, after = plan.recipes[first], plan.recipes[last]
    fmap = leafmap_folium.Map(center=BRAZIL_CENTRE, zoom=4, draw_control=False)
    fmap.split_map(
        left_layer=tile_url(ee, build_composite(ee, before, tile)),
        right_layer=tile_url(ee, build_composite(ee, after, tile)),
        left_label=before.period.label, right_label=after.period.label,
    )  # fmt: skip
    _outlines(fmap, plan)
    fmap.fit_bounds(_bounds(plan))
    return fmap
