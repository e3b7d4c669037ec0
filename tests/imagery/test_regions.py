"""Regions for imagery requests: bounds text, CSV, GeoJSON, map drawings, limits, and the fixed UTM tile grid."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from pyproj import Geod, Transformer
from shapely.geometry import MultiPoint, box
from shapely.ops import unary_union

from core.errors import MineScanError, RegionError
from core.imagery.region_files import parse_geojson, parse_region_csv, regions_from_drawings
from core.imagery.regions import Region, make_region, parse_bounds
from core.imagery.tile_grid import ImageryTile, plan_tiles

GEOD = Geod(ellps="WGS84")
BRUMADINHO = (-44.3, -20.3, -43.9, -20.0)  # west, south, east, north
# The Quadrilátero Ferrífero: spans 2 grid columns x 3 grid rows of 92 km in EPSG:32723.
QUADRILATERO = (-44.5, -20.8, -43.0, -19.5)


def polygon(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def bounds(region: Region) -> tuple[float, float, float, float]:
    return region.west, region.south, region.east, region.north


# --- the tile grid -------------------------------------------------------------------------------------------------


def test_brumadinho_golden_tile() -> None:
    # Corners in EPSG:32723 (pyproj): x from 573085.3 (SW) to 615071.2 (NE), y from 7754937.6 (SE) to 7788365.7
    # (NW), the parallels bowing south away from the -45° central meridian. Snapped outward to 10 m, all inside
    # grid cell column 6 (552-644 km) and row 84 (7728-7820 km).
    (tile,) = plan_tiles(make_region("Brumadinho", *BRUMADINHO))
    assert tile == ImageryTile("32723-E0006-N0084", "Brumadinho", 32723, 573_080, 7_754_930, 615_080, 7_788_370, 10)
    assert (tile.width_px, tile.height_px, tile.crs) == (4200, 3344, "EPSG:32723")
    assert tile.crs_transform == [10, 0, 573_080, 0, -10, 7_788_370]
    west, south, east, north = tile.bounds_lonlat()
    assert west <= -44.3 and south <= -20.3 and east >= -43.9 and north >= -20.0
    assert (west, south, east, north) == pytest.approx(BRUMADINHO, abs=0.003)  # at most one 10 m pixel around


def test_quadrilatero_golden_tiles_north_to_south_west_to_east() -> None:
    tiles = plan_tiles(make_region("QF", *QUADRILATERO))
    # Projected bbox snapped outward: x 552030-709900, y 7698690-7843780; cut at multiples of 92 km.
    assert [(t.tile_id, t.x0, t.y0, t.x1, t.y1) for t in tiles] == [
        ("32723-E0006-N0085", 552_030, 7_820_000, 644_000, 7_843_780),
        ("32723-E0007-N0085", 644_000, 7_820_000, 709_900, 7_843_780),
        ("32723-E0006-N0084", 552_030, 7_728_000, 644_000, 7_820_000),
        ("32723-E0007-N0084", 644_000, 7_728_000, 709_900, 7_820_000),
        ("32723-E0006-N0083", 552_030, 7_698_690, 644_000, 7_728_000),
        ("32723-E0007-N0083", 644_000, 7_698_690, 709_900, 7_728_000),
    ]
    assert [(t.width_px, t.height_px) for t in tiles[2:4]] == [(9197, 9200), (6590, 9200)]


@pytest.mark.parametrize(
    "region",
    [
        QUADRILATERO,
        BRUMADINHO,
        (-50.0, -12.0, -39.0, -5.5),
        (-61.5, 1.5, -60.5, 3.0),
        (-51.5, -0.5, -50.5, 0.5),
        (-50.0, 60.0, -38.0, 65.0),
    ],
    ids=["quadrilatero", "brumadinho", "11-degrees-wide", "roraima-north", "on-the-equator", "12-degrees-at-60N"],
)
def test_tiles_cover_the_projected_region_without_gaps_or_overlaps(region: tuple[float, ...]) -> None:
    tiles = plan_tiles(make_region("r", *region))
    boxes = [box(t.x0, t.y0, t.x1, t.y1) for t in tiles]
    union = unary_union(boxes)
    assert union.area == pytest.approx(sum(b.area for b in boxes))  # no overlaps
    assert union.equals(box(*union.bounds))  # no gaps: one rectangle
    for t in tiles:
        assert t.width_px <= 9200 and t.height_px <= 9200
        assert all(v % 10 == 0 for v in (t.x0, t.y0, t.x1, t.y1))
        assert t.x0 >= int(t.tile_id.split("-E")[1].split("-N")[0]) * 92_000  # inside its own grid cell
    # Every point of the region's outline (finely sampled: edges curve in UTM) lies inside the tiles.
    west, south, east, north = region
    lon = np.concatenate([np.linspace(west, east, 2001), np.full(2001, east), np.linspace(west, east, 2001)])
    lat = np.concatenate([np.full(2001, south), np.linspace(south, north, 2001), np.full(2001, north)])
    x, y = Transformer.from_crs(4326, tiles[0].epsg, always_xy=True).transform(lon, lat)
    assert union.buffer(1e-6).contains(MultiPoint(np.column_stack([x, y])))
    assert union.bounds[2] - np.max(x) < 10 and np.min(x) - union.bounds[0] < 10  # snapped by under a pixel


def test_utm_zone_and_hemisphere_come_from_the_region_centre() -> None:
    assert {t.epsg for t in plan_tiles(make_region("Roraima", -61.5, 1.5, -60.5, 3.0))} == {32620}
    assert {t.epsg for t in plan_tiles(make_region("Carajás", -50.5, -6.5, -49.5, -5.5))} == {32722}


def test_grid_does_not_shift_between_overlapping_regions() -> None:
    first = {t.tile_id: t for t in plan_tiles(make_region("A", -44.7, -20.8, -43.5, -19.5))}
    second = {t.tile_id: t for t in plan_tiles(make_region("B", -44.6, -20.6, -43.0, -19.2))}
    full_a, full_b = first["32723-E0006-N0084"], second["32723-E0006-N0084"]  # both regions contain this cell
    assert (full_a.x0, full_a.y0, full_a.x1, full_a.y1) == (552_000, 7_728_000, 644_000, 7_820_000)
    assert (full_b.x0, full_b.y0, full_b.x1, full_b.y1) == (full_a.x0, full_a.y0, full_a.x1, full_a.y1)
    # Clipped cells keep their grid lines: the edges shared with neighbouring cells are the same in both plans.
    for tile_id in set(first) & set(second):
        a, b = first[tile_id], second[tile_id]
        assert a.epsg == b.epsg
        assert {a.x0, a.x1} & {b.x0, b.x1} and {a.y0, a.y1} & {b.y0, b.y1}
    # A small region inside that cell gets the same id: a rerun of Brumadinho names the same file.
    assert plan_tiles(make_region("again", *BRUMADINHO))[0].tile_id == "32723-E0006-N0084"


def test_tile_sizes_are_checked() -> None:
    region = make_region("r", *BRUMADINHO)
    assert {(t.width_px, t.pixel_m) for t in plan_tiles(region, tile_m=46_000, pixel_m=20)} <= {
        (w, 20.0) for w in range(1, 2301)
    }
    with pytest.raises(ValueError, match="100000"):
        plan_tiles(region, tile_m=100_000)
    with pytest.raises(ValueError, match="multiple"):
        plan_tiles(region, tile_m=50_005)
    with pytest.raises(ValueError, match="9200"):
        plan_tiles(region, tile_m=92_000, pixel_m=5)


# --- limits --------------------------------------------------------------------------------------------------------


def test_make_region_strips_label_and_measures_area() -> None:
    region = make_region("  Brumadinho ", *BRUMADINHO)
    assert region.label == "Brumadinho" and make_region("   ", *BRUMADINHO).label == "region"
    # 0.4° x 0.3° at 20°S: about 41.8 km x 33.2 km.
    assert region.area_km2 == pytest.approx(41.8 * 33.2, rel=0.01)
    assert isinstance(RegionError("x"), MineScanError) and isinstance(RegionError("x"), ValueError)
    assert RegionError.title == "This region can't be used"


@pytest.mark.parametrize(
    ("bounds_", "message"),
    [
        ((179.0, -10.0, -179.0, -9.0), "antimeridian"),
        ((-179.0, -10.0, 179.0, -9.0), "358° of longitude wide.*antimeridian"),
        ((-60.0, -10.0, -47.0, -9.0), "13° of longitude wide.*Split"),
        ((-50.0, 0.0, -39.0, 11.0), "1,480,.* km².*Split"),
        ((-44.0, 84.5, -43.0, 85.0), "84.5.*UTM"),
        ((-44.0, -86.0, -43.0, -85.0), "-86.0.*UTM"),
        ((-190.0, -20.0, -189.0, -19.0), "-190.0.*-180 to 180"),
        ((-43.9, -20.3, -44.3, -20.0), r"west \(-43.9\) must be less than east \(-44.3\)"),
        ((-44.3, -20.0, -43.9, -20.3), r"south \(-20.0\) must be less than north \(-20.3\)"),
        ((-44.0, -20.0, -44.0, -19.0), "west .* must be less than east"),
        ((-44.0, -20.0, -43.99999, -19.0), "at least 10 m"),
        ((float("nan"), -20.0, -43.0, -19.0), "west is nan"),
    ],
)
def test_make_region_refuses(bounds_: tuple[float, float, float, float], message: str) -> None:
    with pytest.raises(RegionError, match=message):
        make_region("r", *bounds_)


# --- bounds text ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "-44.3, -20.3, -43.9, -20.0",
        "-44.3,-20.3,-43.9,-20",
        "[-44.3, -20.3, -43.9, -20.0]",
        "-44,3; -20,3; -43,9; -20,0",
        "-44,3 -20,3 -43,9 -20,0",
        "-44.3 -20.3\t-43.9  -20.0",
    ],
)
def test_parse_bounds_separators_and_decimal_commas(text: str) -> None:
    region = parse_bounds(text, label="Brumadinho")
    assert bounds(region) == pytest.approx(BRUMADINHO) and region.label == "Brumadinho"


def test_parse_bounds_detects_latitude_first() -> None:
    # A Nevada gold mine given as south, west, north, east: -116.5 cannot be a latitude.
    with pytest.raises(RegionError, match=r"look.* like south, west, north, east.*-116.5, 40.5, -116.0, 41.0"):
        parse_bounds("40.5, -116.5, 41.0, -116.0")
    assert bounds(parse_bounds("-116.5, 40.5, -116.0, 41.0")) == (-116.5, 40.5, -116.0, 41.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-44.3, -20.3, -43.9", "not four numbers.*west, south, east, north"),
        ("", "not four numbers"),
        ("-44.3, -20.3, -43.9, abc", "north.*'abc'"),
        ("600000, 7700000, 610000, 7710000", "600000.*projected metres"),
    ],
)
def test_parse_bounds_refuses(text: str, message: str) -> None:
    with pytest.raises(RegionError, match=message):
        parse_bounds(text)


# --- CSV -----------------------------------------------------------------------------------------------------------


def test_csv_corners_with_header_and_commas() -> None:
    text = "ll_lat,ll_lon,ur_lat,ur_lon,label\n-20.3,-44.3,-20.0,-43.9,Brumadinho\n\n-20.25,-43.5,-20.18,-43.4,\n"
    first, second = parse_region_csv(text)
    assert first.label == "Brumadinho" and bounds(first) == pytest.approx(BRUMADINHO)
    assert second.label == "row 4" and bounds(second) == pytest.approx((-43.5, -20.25, -43.4, -20.18))


def test_csv_corners_brazilian_excel_semicolons_decimal_commas_bom() -> None:
    data = "\ufeff-20,3;-44,3;-20,0;-43,9;Córrego do Feijão\r\n".encode()
    (region,) = parse_region_csv(data)
    assert region.label == "Córrego do Feijão" and bounds(region) == pytest.approx(BRUMADINHO)
    (latin,) = parse_region_csv("-20,3;-44,3;-20,0;-43,9;Córrego do Feijão\r\n".encode("latin-1"))
    assert latin == region


def test_csv_centre_square_is_side_m_wide_geodesically() -> None:
    data = "lat;lon;nome;lado_m\n-20,1194;-44,1184;Córrego do Feijão;5000\n-6,0;-50,2;Carajás;20.000\n"
    feijao, carajas = parse_region_csv(data.encode("utf-8"), side_m=1_000)  # the column wins over the argument
    for region, side in ((feijao, 5_000), (carajas, 20_000)):  # "20.000" is Brazilian for twenty thousand
        lon, lat = region.centre
        width = GEOD.inv(region.west, lat, region.east, lat)[2]
        height = GEOD.inv(lon, region.south, lon, region.north)[2]
        assert width == pytest.approx(side, rel=0.005) and height == pytest.approx(side, rel=0.005)
    assert feijao.centre == pytest.approx((-44.1184, -20.1194), abs=1e-4)


def test_csv_centre_side_from_argument_when_column_absent_or_blank() -> None:
    one, two = parse_region_csv("-20.1194,-44.1184,Feijão\n-20.2060,-43.4668,Fundão,\n", side_m=2_000)
    assert (one.label, two.label) == ("Feijão", "Fundão")
    assert GEOD.inv(one.west, one.centre[1], one.east, one.centre[1])[2] == pytest.approx(2_000, rel=0.005)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"lat;lon;nome\n", "header row but no data rows"),
        ("lat,lon,nome\n-20.1,-44.1,A\n", "Row 2 \\(A\\).*no square side.*side_m"),
        ("-20,3;-44,3;-20,0;-43,9;A\n-20,3x;-44,3;-20,0;-43,9;B\n", "Row 2, lower-left lat.*'-20,3x'"),
        ("lat,lon,name,side_m\n40.5,-116.5,a,500\n-116.5,40.5,b,500\n", "Row 3.*-116.5.*swapped"),
        ("-20.1,-44.1,a,abc\n", "Row 1.*'abc'.*metres"),
        ("-20.1,-44.1,a,-5\n", "Row 1.*positive"),
        ("-20.3,-44.3,-20.0,-43.9\n", "Row 1.*5 columns"),  # corners without a label read as centre + side
        ("7780000,600000,a,10\n", "Row 1.*projected metres"),
        ("-20.3;-44.3\n", "Row 1 has 2 columns"),
        ("-20.3;-44.3;-20.0;-43.9;B;x\n", "Row 1 has 6 columns"),
        ("-20.0,-44.3,-20.3,-43.9,B\n", r"Row 1 \(B\): south .* must be less than north"),
        (b"PK\x03\x04rest", "save it as CSV"),
    ],
)
def test_csv_refuses_with_row_numbers(data: bytes | str, message: str) -> None:
    with pytest.raises(RegionError, match=message):
        parse_region_csv(data)


# --- GeoJSON -------------------------------------------------------------------------------------------------------


def test_geojson_feature_collection_labels_and_bboxes() -> None:
    parts = [polygon(-43.5, -20.25, -43.45, -20.2), polygon(-43.42, -20.22, -43.4, -20.18)]
    multi = {"type": "MultiPolygon", "coordinates": [part["coordinates"] for part in parts]}
    collection = {
        "type": "FeatureCollection",
        "features": [
            feature(polygon(-44.13, -20.13, -44.11, -20.11), NOME="Córrego do Feijão"),
            feature(multi, name=None, label=" Fundão "),
            feature(polygon(-44.0, -20.0, -43.9, -19.9)),
        ],
    }
    regions = parse_geojson(json.dumps(collection).encode())
    assert [r.label for r in regions] == ["Córrego do Feijão", "Fundão", "feature 3"]
    assert bounds(regions[1]) == (-43.5, -20.25, -43.4, -20.18)  # one box around both parts


def test_geojson_bare_polygon() -> None:
    (region,) = parse_geojson(json.dumps(polygon(*BRUMADINHO)))
    assert region.label == "feature 1" and bounds(region) == BRUMADINHO


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("{not json", "not valid GeoJSON"),
        (json.dumps({"type": "FeatureCollection", "features": []}), "no features"),
        (json.dumps({"type": "Point", "coordinates": [-44.1, -20.1]}), "point.*CSV.*centre lat, centre lon"),
        (json.dumps(feature({"type": "LineString", "coordinates": [[-44, -20], [-43, -19]]})), "line"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::31983"}},
                    "features": [feature(polygon(600_000, 7_700_000, 610_000, 7_710_000))],
                }
            ),
            "600000.*EPSG::31983.*WGS84 lon/lat",
        ),
        (json.dumps(polygon(-20.3, -116.5, -20.0, -116.0)), "latitude -116.5.*\\[longitude, latitude\\]"),
        (json.dumps(feature(polygon(-120.0, -20.0, -40.0, -19.0), name="Brasil")), "Feature 1 \\(Brasil\\).*80°"),
    ],
)
def test_geojson_refuses(doc: str, message: str) -> None:
    with pytest.raises(RegionError, match=message):
        parse_geojson(doc)


# --- map drawings --------------------------------------------------------------------------------------------------


def test_drawings_keep_rectangles_and_polygons_only() -> None:
    drawn = [
        feature({"type": "Point", "coordinates": [-44.0, -20.0]}),
        feature(polygon(-404.3, -20.3, -403.9, -20.0)),  # drawn on Leaflet's copy of the world one turn west
        feature({"type": "LineString", "coordinates": [[-44, -20], [-43, -19]]}),
        feature(polygon(-44.2, -20.2, -44.1, -20.1)),
    ]
    first, second = regions_from_drawings(drawn)
    assert (first.label, second.label) == ("drawn 1", "drawn 2")
    assert bounds(first) == pytest.approx(BRUMADINHO) and bounds(second) == (-44.2, -20.2, -44.1, -20.1)


def test_drawings_without_a_shape_are_refused() -> None:
    with pytest.raises(RegionError, match="Nothing usable.*2 marker/circle/line.*rectangle"):
        regions_from_drawings([feature({"type": "Point", "coordinates": [-44.0, -20.0]})] * 2)
    with pytest.raises(RegionError, match="Nothing usable"):
        regions_from_drawings(None)
    with pytest.raises(RegionError, match="drawn 1 crosses the antimeridian"):
        regions_from_drawings([feature(polygon(170.0, 0.0, 190.0, 1.0))])


def test_regions_outside_brazil_are_warned_about_and_swaps_named() -> None:
    from core.imagery.regions import brazil_warnings

    assert brazil_warnings([make_region("Brumadinho", *BRUMADINHO)]) == []
    # Lat/lon exchanged in a CSV: (-20.1, -44.2) read as lon -20.1, lat -44.2 lands in the South Atlantic.
    (swapped,) = brazil_warnings([make_region("Mina", -20.3, -44.3, -20.0, -43.9)])
    assert "outside Brazil" in swapped and "look swapped" in swapped
    (elsewhere,) = brazil_warnings([make_region("Lisboa", -9.3, 38.6, -9.0, 38.9)])
    assert "outside Brazil" in elsewhere and "swapped" not in elsewhere
