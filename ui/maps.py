"""Pure map builders: site and register rows -> pydeck.Deck (no Streamlit calls here).

Tooltips are plain text, one ``Label: value`` line each: Streamlit hands a ``text`` tooltip to deck.gl, which sets
it with ``innerText``, so register names from outside files can never become markup and no tag ever shows. (An
``html`` tooltip is escaped by Streamlit, so its own tags showed as text.) Codes are rendered as words by
core.wording.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
import pydeck
import shapely
from pydeck.bindings.json_tools import default_serialize

from core import wording
from core.imagery.preview import ScenePicture
from core.wording.translate import N_, _, localise_number, ngettext

STATUS_COLOURS: dict[str, list[int]] = {"unregistered": [220, 38, 38, 210], "possibly_off_target": [245, 158, 11, 210],
                                         "registered": [22, 163, 74, 210]}  # fmt: skip
UNKNOWN_STATUS_COLOUR: list[int] = [148, 163, 184, 210]
DECIDED_ALPHA = 90
DECIDED_LINE: list[int] = [255, 255, 255, 255]
SELECTED_LINE: list[int] = [255, 221, 0, 255]
REGISTER_COLOURS: dict[str, list[int]] = {"dam": [37, 99, 235, 230], "mine": [147, 51, 234, 230],
                                           "reference": [100, 116, 139, 200]}  # fmt: skip
#: The change view's colours (core.review.map_time.CHANGES): what appeared or grew stands out, what stayed is grey.
CHANGE_COLOURS: dict[str, list[int]] = {
    "new": [220, 38, 38, 220],
    "grown": [249, 115, 22, 220],
    "shrunk": [14, 165, 233, 210],
    "stable": [148, 163, 184, 190],
    "gone": [59, 130, 246, 210],
}
BEFORE_LINE: list[int] = [255, 255, 255, 230]
#: A tooltip's line for what a place did between two periods (hectares; ``{percent}``: ``, +12 %`` or nothing).
CHANGE_TEXTS: dict[str, str] = {
    "new": N_("new ({area} ha)"),
    "gone": N_("gone ({area} ha)"),
    "grown": N_("grown: {before} → {after} ha ({diff} ha{percent})"),
    "shrunk": N_("shrunk: {before} → {after} ha ({diff} ha{percent})"),
    "stable": N_("stable: {before} → {after} ha ({diff} ha{percent})"),
}
#: A register row's kind, as the first line of its tooltip.
REGISTER_KINDS: dict[str, str] = {"dam": N_("Dam"), "mine": N_("Mine"), "reference": N_("Reference"),
                                  "register": N_("Register")}  # fmt: skip
RISK_COLOURS: dict[str, list[int]] = {"Alta": [220, 38, 38, 230], "Média": [245, 158, 11, 230],
                                       "Baixa": [22, 163, 74, 230]}  # fmt: skip
TOOLTIP: dict[str, Any] = {
    "text": "{tooltip}",
    "style": {
        "backgroundColor": "#1f2937",
        "color": "white",
        "fontSize": "12px",
        "maxWidth": "320px",
        "whiteSpace": "pre-line",
    },
}
# pydeck turns every string argument into a JavaScript accessor unless it is wrapped in quotes.
_PIXELS = '"pixels"'
_METRES = '"meters"'
FALLBACK_VIEW = pydeck.ViewState(latitude=-19.9, longitude=-43.9, zoom=5)
#: Decimals of a drawn coordinate: 1e-6° is about 0.1 m, far below a 10 m pixel.
_COORD_DECIMALS = 6


class CompactDeck(pydeck.Deck):
    """A Deck that writes its JSON compact: pydeck indents it, which forces Python's slow pure-Python encoder (a
    page of 200 outlines took 160 ms to serialise on every run, most of the map's cost)."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def rows_text(pairs: Iterable[tuple[str, object]]) -> str:
    """``Label: value`` lines (plain text; a missing value reads 'not given'); newlines in values become spaces."""
    return "\n".join(f"{label}: {' '.join(wording.text(value).split())}" for label, value in pairs)


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _site_colour(status: object, decided: bool) -> list[int]:
    colour = list(STATUS_COLOURS.get(str(status), UNKNOWN_STATUS_COLOUR))
    if decided:
        colour[3] = DECIDED_ALPHA
    return colour


def _ha(value: float, sign: str = "") -> str:
    """Hectares with one decimal (``+`` for a signed difference), the language's decimal mark."""
    return localise_number(f"{value:{sign}.1f}")


def _change_text(row: Mapping[str, Any]) -> str | None:
    change = row.get("change")
    if _is_missing(change):
        return None
    before_ha, after_ha = (
        100 * float(row[k]) if not _is_missing(row.get(k)) else 0.0 for k in ("before_km2", "after_km2")
    )
    template = _(CHANGE_TEXTS[str(change)])  # one of core.review.map_time.CHANGES
    if change in ("new", "gone"):
        return template.format(area=_ha(after_ha if change == "new" else before_ha))
    diff = after_ha - before_ha
    pct = f", {localise_number(f'{diff / before_ha * 100:+.0f}')} %" if before_ha > 0 else ""
    return template.format(before=_ha(before_ha), after=_ha(after_ha), diff=_ha(diff, "+"), percent=pct)


def _site_tooltip(row: Mapping[str, Any]) -> str:
    seen_as = row.get("seen_as")
    drawn = None
    if not (_is_missing(seen_as) or seen_as == row.get("site_id")):
        drawn = _("site {site_id}").format(site_id=int(seen_as))  # type: ignore[arg-type]
    impact, rating = row.get("impact_class"), wording.text(row.get("impact_rating"), wording.NOT_RATED)
    return rows_text(
        [
            (_("Site"), row.get("site_id")),
            *([(_("Outline drawn"), drawn)] if drawn else []),
            *([(_("Change"), _change_text(row))] if not _is_missing(row.get("change")) else []),
            (_("Status"), wording.label(row.get("match_status"))),
            (_("Decision"), wording.label(row.get("decision"), missing=wording.LABELS["undecided"])),
            (_("Impact"), rating if wording.is_missing(impact) else wording.label(impact)),
            (_("P(max)"), wording.number(row["p_max"], 2) if not _is_missing(row.get("p_max")) else None),
            (_("Area"), f"{wording.number(row['area_km2'], 3)} km²" if not _is_missing(row.get("area_km2")) else None),
            (_("Nearest dam"), row.get("nearest_dam_name")),
        ]
    )


def _register_kind(kind: object) -> str:
    code = str(kind or "register")
    return _(REGISTER_KINDS[code]) if code in REGISTER_KINDS else code.capitalize()


def _register_tooltip(row: pd.Series) -> str:
    return rows_text(
        [
            (_register_kind(row.get("kind")), row.get("name")),
            (_("Register id"), row.get("register_id")),
            (_("Owner"), row.get("owner")),
            (_("Municipality"), row.get("municipality")),
            (_("Ore"), row.get("main_ore")),
            (_("Risk category"), row.get("risk_category")),
            (_("Potential damage"), row.get("potential_damage")),
        ]
    )


def _polygons(wkt: object) -> list[list[list[list[float]]]]:
    """Rings ([exterior, *holes], each a list of [lon, lat]) of every polygon part of a WKT geometry."""
    if _is_missing(wkt) or not str(wkt).strip():
        return []
    try:
        geom = shapely.from_wkt(str(wkt))
    except shapely.errors.GEOSException:
        return []
    out = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        rings = [part.exterior, *part.interiors]
        out.append([[[round(x, _COORD_DECIMALS), round(y, _COORD_DECIMALS)] for x, y in ring.coords] for ring in rings])
    return out


def _site_records(sites: pd.DataFrame, selected_site_id: int | None) -> tuple[list[dict], list[dict], list[dict]]:
    """Centre markers, outlines and (change view) the earlier outlines of the sites."""
    points: list[dict[str, Any]] = []
    outlines: list[dict[str, Any]] = []
    befores: list[dict[str, Any]] = []
    for row in sites.to_dict("records"):  # plain dicts: a pandas row per site cost more than the rest
        decided = not _is_missing(row.get("decision"))
        selected = selected_site_id is not None and row["site_id"] == selected_site_id
        change = row.get("change")
        colour = (
            list(CHANGE_COLOURS[str(change)])
            if not _is_missing(change)
            else _site_colour(row.get("match_status"), decided)
        )
        line = SELECTED_LINE if selected else DECIDED_LINE if decided else [0, 0, 0, 160]
        tooltip = _site_tooltip(row)
        area_m2 = float(row["area_km2"]) * 1e6 if not _is_missing(row.get("area_km2")) else 0.0
        # A small marker beside the outline's own colour: it must not hide the site it marks.
        radius_m = max(40.0, math.sqrt(area_m2 / math.pi) * 0.12) * (1.5 if selected else 1.0)
        points.append(
            {
                "site_id": int(row["site_id"]),
                "lon": float(row["lon"]),
                "lat": float(row["lat"]),
                "fill": colour,
                "line": line,
                "line_px": 3 if selected else 1.5 if decided else 1,
                "radius_m": radius_m,
                "tooltip": tooltip,
            }
        )
        for rings in _polygons(row.get("outline_wkt")):
            fill = [*colour[:3], 40 if decided else 70]
            outline_colour = SELECTED_LINE if selected else DECIDED_LINE if decided else colour
            outlines.append({"polygon": rings, "fill": fill, "line": outline_colour, "tooltip": tooltip})
        for rings in _polygons(row.get("before_wkt")):
            befores.append({"polygon": rings, "fill": [0, 0, 0, 0], "line": BEFORE_LINE, "tooltip": tooltip})
    return points, outlines, befores


def _register_records(register: pd.DataFrame, colour_by: str) -> tuple[list[dict], list[dict]]:
    points: list[dict[str, Any]] = []
    polygons: list[dict[str, Any]] = []
    for _index, row in register.iterrows():
        if colour_by == "risk":
            colour = RISK_COLOURS.get(str(row.get("risk_category")), UNKNOWN_STATUS_COLOUR)
        else:
            colour = REGISTER_COLOURS.get(str(row.get("kind")), REGISTER_COLOURS["reference"])
        tooltip = _register_tooltip(row)
        if not (_is_missing(row.get("lon")) or _is_missing(row.get("lat"))):
            points.append({"lon": float(row["lon"]), "lat": float(row["lat"]), "fill": colour, "tooltip": tooltip})
        for rings in _polygons(row.get("geometry_wkt")):
            polygons.append({"polygon": rings, "fill": [*colour[:3], 50], "line": colour, "tooltip": tooltip})
    return points, polygons


def overview_data_url(overview: ScenePicture) -> str:
    """The picture as a ``data:image/webp;base64,...`` URL for a BitmapLayer (no server, no network)."""
    return "data:image/webp;base64," + base64.b64encode(overview.webp).decode("ascii")


def _bitmap_layer(overview: ScenePicture) -> pydeck.Layer:
    west, south, east, north = overview.bounds_lonlat
    return pydeck.Layer(
        "BitmapLayer",
        data=None,
        id="scene-overview",
        image=f'"{overview_data_url(overview)}"',
        bounds=[west, south, east, north],
        opacity=1.0,
        pickable=False,
    )


def polygon_layer(layer_id: str, records: list[dict], line_px: float) -> pydeck.Layer:
    return pydeck.Layer(
        "PolygonLayer",
        data=records,
        id=layer_id,
        get_polygon="polygon",
        get_fill_color="fill",
        get_line_color="line",
        line_width_units=_PIXELS,
        get_line_width=line_px,
        stroked=True,
        filled=True,
        pickable=True,
        auto_highlight=True,
    )


def view_for(lons: list[float], lats: list[float], zoom_max: float = 15.0) -> pydeck.ViewState:
    span = max(max(lons) - min(lons), (max(lats) - min(lats)) * 1.3, 0.005)
    zoom = max(1.0, min(zoom_max, math.log2(360.0 / span) - 0.8))
    return pydeck.ViewState(longitude=(max(lons) + min(lons)) / 2, latitude=(max(lats) + min(lats)) / 2, zoom=zoom)


def _register_point_layer(layer_id: str, records: list[dict]) -> pydeck.Layer:
    return pydeck.Layer(
        "ScatterplotLayer",
        data=records,
        id=layer_id,
        get_position="[lon, lat]",
        get_fill_color="fill",
        get_line_color=[255, 255, 255, 220],
        stroked=True,
        line_width_min_pixels=1,
        get_radius=120,
        radius_units=_METRES,
        radius_min_pixels=4,
        radius_max_pixels=14,
        pickable=True,
        auto_highlight=True,
    )


def triage_deck(
    sites: pd.DataFrame,
    register: pd.DataFrame,
    overview: ScenePicture | None,
    selected_site_id: int | None,
    density: pd.DataFrame | None = None,
) -> pydeck.Deck:
    """Map of candidate sites over the scene image, with registered dams and mines.

    Args:
        sites: One row per site (site_id, lon, lat, area_km2, p_max, impact_class, match_status, decision,
            outline_wkt, nearest_dam_name); ``decision`` null means undecided. In the change view (see
            :func:`core.review.map_time.rows_for_view`) a ``change`` column colours them instead of the register
            status, and ``before_wkt`` outlines the earlier sighting in white.
        register: Register rows (id, kind, register_id, name, owner, municipality, main_ore, risk_category,
            potential_damage, lon, lat, geometry_wkt).
        overview: The scene picture used as the base map (no network basemap), or None.
        selected_site_id: Site to centre on and highlight.
        density: Optional counts of all the queue's sites per grid cell (lon, lat, sites, undecided): drawn as
            grey dots under the page's own sites, so a large queue stays on the map without sending every site.
    """
    site_points, site_outlines, site_befores = _site_records(sites, selected_site_id)
    reg_points, reg_polygons = _register_records(register, colour_by="kind")
    layers: list[pydeck.Layer] = []
    if overview is not None:
        layers.append(_bitmap_layer(overview))
    if density is not None and not density.empty:
        layers.append(_density_layer(density))
    layers.append(polygon_layer("register-polygons", reg_polygons, 1.5))
    layers.append(polygon_layer("site-outlines", site_outlines, 2))
    if site_befores:
        layers.append(polygon_layer("site-outlines-before", site_befores, 1.5))
    layers.append(_register_point_layer("register-points", reg_points))
    layers.append(
        pydeck.Layer(
            "ScatterplotLayer",
            data=site_points,
            id="site-centres",
            get_position="[lon, lat]",
            get_fill_color="fill",
            get_line_color="line",
            get_line_width="line_px",
            line_width_units=_PIXELS,
            stroked=True,
            get_radius="radius_m",
            radius_units=_METRES,
            radius_min_pixels=4,
            radius_max_pixels=12,
            pickable=True,
            auto_highlight=True,
        )
    )
    selected = [p for p in site_points if p["site_id"] == selected_site_id]
    if selected:
        view = pydeck.ViewState(longitude=selected[0]["lon"], latitude=selected[0]["lat"], zoom=12.5)
    elif site_points:
        view = view_for([p["lon"] for p in site_points], [p["lat"] for p in site_points])
    elif overview is not None:
        w, s, e, n = overview.bounds_lonlat
        view = view_for([w, e], [s, n])
    elif reg_points:
        view = view_for([p["lon"] for p in reg_points], [p["lat"] for p in reg_points])
    else:
        view = FALLBACK_VIEW
    return CompactDeck(layers=layers, initial_view_state=view, map_style=None, map_provider=None, tooltip=TOOLTIP)


def _density_tip(sites: int, undecided: int) -> str:
    message = ngettext("{sites} here, {undecided} undecided", "{sites} here, {undecided} undecided", undecided)
    return message.format(sites=wording.count(sites, "site", "sites"), undecided=wording.number(undecided))


def _density_layer(density: pd.DataFrame) -> pydeck.Layer:
    records = [
        {
            "lon": float(r.lon),
            "lat": float(r.lat),
            "radius_m": 1500.0 * math.sqrt(float(r.sites)),
            "tooltip": _density_tip(int(r.sites), int(r.undecided)),
        }
        for r in density.itertuples()
    ]
    return pydeck.Layer(
        "ScatterplotLayer",
        data=records,
        id="queue-density",
        get_position="[lon, lat]",
        get_fill_color=[90, 90, 90, 90],
        get_radius="radius_m",
        radius_units=_METRES,
        radius_min_pixels=2,
        radius_max_pixels=30,
        pickable=True,
    )


def register_deck(register: pd.DataFrame) -> pydeck.Deck:
    """Map of the register: dams coloured by risk category (Alta red, Média orange, Baixa green), mines purple."""
    dams = register[register["kind"] == "dam"] if "kind" in register else register.iloc[0:0]
    others = register[register["kind"] != "dam"] if "kind" in register else register
    dam_points, dam_polygons = _register_records(dams, colour_by="risk")
    other_points, other_polygons = _register_records(others, colour_by="kind")
    points = other_points + dam_points
    layers = [
        polygon_layer("register-polygons", other_polygons + dam_polygons, 1.5),
        _register_point_layer("register-points", points),
    ]
    view = view_for([p["lon"] for p in points], [p["lat"] for p in points], 12) if points else FALLBACK_VIEW
    return CompactDeck(layers=layers, initial_view_state=view, map_style=None, map_provider=None, tooltip=TOOLTIP)
