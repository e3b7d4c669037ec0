"""Site chips and scene overviews on tiny synthetic GeoTIFFs with a bright square at a known place."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import rasterio
from PIL import Image
from pyproj import Transformer
from rasterio.transform import from_origin

from core.imagery.chips import site_chips
from core.imagery.preview import scene_overview

S2_12 = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11", "B12")
UTM = "EPSG:32723"
ORIGIN_XY = (600_000.0, 7_800_000.0)
SIZE = 200
SQUARE = slice(90, 110)  # rows/cols of the bright square; its centre is pixel corner (100, 100)


def _write(path: Path, names: tuple[str, ...], crs: str, transform: rasterio.Affine, nodata_cols: int = 0) -> Path:
    data = np.full((len(names), SIZE, SIZE), 1200, dtype="uint16")
    data[:, SQUARE, SQUARE] = 5000
    data[:, :, :nodata_cols] = 0
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=SIZE,
        height=SIZE,
        count=len(names),
        dtype="uint16",
        nodata=0,
        crs=crs,
        transform=transform,
    ) as dst:
        dst.write(data)
        for i, name in enumerate(names, start=1):
            dst.set_band_description(i, name)
    return path


@pytest.fixture
def utm_scene(tmp_path: Path) -> Path:
    """12 bands, EPSG:32723, 10 m pixels, bright 20x20 square at rows/cols 90-109."""
    return _write(tmp_path / "utm.tif", S2_12, UTM, from_origin(*ORIGIN_XY, 10, 10))


@pytest.fixture
def rgb_scene(tmp_path: Path) -> Path:
    """B2, B3, B4 only, same grid; the 30 leftmost columns are nodata."""
    return _write(tmp_path / "rgb.tif", ("B2", "B3", "B4"), UTM, from_origin(*ORIGIN_XY, 10, 10), nodata_cols=30)


def _square_centre_lonlat() -> tuple[float, float]:
    lon, lat = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True).transform(
        ORIGIN_XY[0] + 100 * 10, ORIGIN_XY[1] - 100 * 10
    )
    return lon, lat


def _assert_square_centred(rgb: np.ndarray) -> None:
    h, w = rgb.shape[:2]
    centre = rgb[h // 2 - 3 : h // 2 + 3, w // 2 - 3 : w // 2 + 3]
    assert centre.min() > 200  # the bright square, stretched to the top
    assert rgb[5:30, w - 30 : w - 5].max() < 50  # plain background in the upper-right corner


def test_chips_of_12_band_scene(utm_scene: Path) -> None:
    lon, lat = _square_centre_lonlat()
    chips = site_chips(utm_scene, lon, lat, half_size_m=500)
    assert [c.title for c in chips] == ["True colour (B4, B3, B2)", "False colour (B12, B8, B4)"]
    for chip in chips:
        assert chip.rgb.dtype == np.uint8 and chip.rgb.shape[2] == 3
        assert chip.rgb.shape[1] >= 300  # ~100 px of 10 m upscaled by 3
        assert abs(chip.rgb.shape[0] - chip.rgb.shape[1]) <= 6
        _assert_square_centred(chip.rgb)
        assert chip.scale_m in (100, 200, 500)
        h = chip.rgb.shape[0]
        lower_left = chip.rgb[h - 40 :, :120]
        assert (lower_left == 255).all(axis=-1).sum() > 100  # the white scale bar
        assert (lower_left == 0).all(axis=-1).any()  # its black edge


def test_scale_bar_length_matches_pixel_size(utm_scene: Path) -> None:
    lon, lat = _square_centre_lonlat()
    chip = site_chips(utm_scene, lon, lat, half_size_m=500)[0]
    width = chip.rgb.shape[1]
    factor = width // 100
    white_cols = np.flatnonzero((chip.rgb[chip.rgb.shape[0] - 13] == 255).all(axis=-1))
    assert white_cols.size > 0
    bar_px = white_cols.max() - white_cols.min() + 1
    assert bar_px == pytest.approx(chip.scale_m / 10 * factor, abs=factor + 2)


def test_outline_is_drawn_in_yellow(utm_scene: Path) -> None:
    lon, lat = _square_centre_lonlat()
    to_ll = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True).transform
    x0, y0 = ORIGIN_XY[0] + 90 * 10, ORIGIN_XY[1] - 90 * 10
    x1, y1 = ORIGIN_XY[0] + 110 * 10, ORIGIN_XY[1] - 110 * 10
    ring = [to_ll(x, y) for x, y in [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]]
    wkt = "POLYGON((" + ", ".join(f"{a} {b}" for a, b in ring) + "))"
    chip = site_chips(utm_scene, lon, lat, half_size_m=500, outline_wkt=wkt)[0]
    yellow = (chip.rgb[..., 0] == 255) & (chip.rgb[..., 1] == 221) & (chip.rgb[..., 2] == 0)
    rows, cols = np.nonzero(yellow)
    assert rows.size > 200
    h, w = chip.rgb.shape[:2]
    assert abs(rows.mean() - h / 2) < 10 and abs(cols.mean() - w / 2) < 10


def test_rgb_only_scene_gives_one_chip_with_grey_nodata(rgb_scene: Path) -> None:
    to_ll = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True).transform
    lon, lat = to_ll(ORIGIN_XY[0] + 40 * 10, ORIGIN_XY[1] - 100 * 10)  # 10 px right of the nodata strip
    chips = site_chips(rgb_scene, lon, lat, half_size_m=300)
    assert len(chips) == 1 and chips[0].title.startswith("True colour")
    rgb = chips[0].rgb
    assert (rgb[rgb.shape[0] // 2, 0] == 128).all()  # nodata column on the left: neutral grey
    assert (rgb == 128).all(axis=-1).mean() > 0.05


def test_chip_near_edge_is_clipped(utm_scene: Path) -> None:
    to_ll = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True).transform
    lon, lat = to_ll(ORIGIN_XY[0] + 5, ORIGIN_XY[1] - 1000)
    chips = site_chips(utm_scene, lon, lat, half_size_m=500)
    assert chips[0].rgb.shape[0] > chips[0].rgb.shape[1] / 1.5  # roughly half as wide as high, then upscaled


def test_site_outside_scene_raises(utm_scene: Path) -> None:
    with pytest.raises(ValueError, match="outside"):
        site_chips(utm_scene, 10.0, 45.0)


def test_wgs84_scene(tmp_path: Path) -> None:
    step = 0.0001
    path = _write(tmp_path / "ll.tif", S2_12, "EPSG:4326", from_origin(-44.0, -20.0, step, step))
    chips = site_chips(path, -44.0 + 100 * step, -20.0 - 100 * step, half_size_m=500)
    assert len(chips) == 2
    for chip in chips:
        _assert_square_centred(chip.rgb)


def test_overview_of_utm_scene_is_in_lonlat(rgb_scene: Path) -> None:
    overview = scene_overview(rgb_scene, max_px=64)
    h, w, bands = overview.rgb.shape
    assert bands == 4 and max(h, w) <= 64
    to_ll = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True).transform
    x0, y0 = ORIGIN_XY
    x1, y1 = x0 + SIZE * 10, y0 - SIZE * 10
    lons, lats = zip(*(to_ll(x, y) for x, y in [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]))
    west, south, east, north = overview.bounds_lonlat
    px_lon, px_lat = (east - west) / w, (north - south) / h
    assert west == pytest.approx(min(lons), abs=px_lon) and east == pytest.approx(max(lons), abs=px_lon)
    assert south == pytest.approx(min(lats), abs=px_lat) and north == pytest.approx(max(lats), abs=px_lat)
    alpha = overview.rgb[..., 3]
    assert (alpha == 0).any() and (alpha == 255).any()
    assert (alpha[h // 2, : w // 10] == 0).all()  # the nodata strip on the left is transparent
    webp = overview.picture().webp
    assert webp[:4] == b"RIFF" and webp[8:12] == b"WEBP"
    decoded = np.asarray(Image.open(io.BytesIO(webp)))
    assert decoded.shape == (h, w, 4) and (decoded[..., 3] == alpha).all()  # the alpha mask survives exactly


def test_overview_of_wgs84_scene_keeps_its_bounds(tmp_path: Path) -> None:
    step = 0.0001
    path = _write(tmp_path / "ll.tif", ("B2", "B3", "B4"), "EPSG:4326", from_origin(-44.0, -20.0, step, step))
    overview = scene_overview(path, max_px=50)
    assert overview.rgb.shape == (50, 50, 4)
    assert overview.bounds_lonlat == pytest.approx((-44.0, -20.0 - SIZE * step, -44.0 + SIZE * step, -20.0))
