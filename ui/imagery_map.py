"""The Imagery page's map: the regions asked for and the tiles an imagery plan will request (offline pydeck)."""

from __future__ import annotations

from typing import Any

import pydeck

from core.wording.translate import _
from ui.imagery_periods import how_word
from ui.maps import FALLBACK_VIEW, TOOLTIP, CompactDeck, polygon_layer, rows_text, view_for


def imagery_plan_deck(regions: list[dict[str, Any]], tiles: list[dict[str, Any]]) -> pydeck.Deck:
    """Map of an imagery plan: the regions asked for (outlined) and the tiles that will be requested (filled).

    ``regions``: label, west, south, east, north; ``tiles``: tile, region, polygon (lon/lat ring), how.
    """
    region_records: list[dict[str, Any]] = [
        {
            "polygon": [
                [
                    [r["west"], r["south"]],
                    [r["east"], r["south"]],
                    [r["east"], r["north"]],
                    [r["west"], r["north"]],
                    [r["west"], r["south"]],
                ]
            ],
            "fill": [0, 0, 0, 0],
            "line": [250, 204, 21, 255],
            "tooltip": rows_text([(_("Region"), r["label"])]),
        }
        for r in regions
    ]
    tile_records: list[dict[str, Any]] = [
        {
            "polygon": [t["polygon"]],
            "fill": [37, 99, 235, 60] if t["how"] != "export only" else [124, 58, 237, 60],
            "line": [37, 99, 235, 230],
            "tooltip": rows_text(
                [
                    (_("Tile"), t["tile"]),
                    (_("Region"), t["region"]),
                    (_("Size"), t["km"] + " km"),
                    (_("How"), how_word(t["how"])),
                ]
            ),
        }
        for t in tiles
    ]
    lons = [c[0] for rec in tile_records + region_records for c in rec["polygon"][0]]
    lats = [c[1] for rec in tile_records + region_records for c in rec["polygon"][0]]
    view = view_for(lons, lats, 12) if lons else FALLBACK_VIEW
    layers = [
        polygon_layer("imagery-tiles", tile_records, 1.0),
        polygon_layer("imagery-regions", region_records, 2.5),
    ]
    return CompactDeck(layers=layers, initial_view_state=view, map_style=None, map_provider=None, tooltip=TOOLTIP)
