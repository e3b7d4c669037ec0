"""Image chips around a candidate site: true colour and SWIR false colour, with a scale bar and outline; and a plain
true-colour picture (no bar) for pages that draw their own scale."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from affine import Affine
from PIL import Image, ImageDraw, ImageFont

from core.imagery.bands import canonical_band_name
from core.imagery.geo import EARTH_RADIUS_M, from_wgs84, pixel_size_m, to_wgs84
from core.imagery.raster import SceneInfo, open_scene, scene_reader
from core.wording.translate import _

TRUE_COLOUR: tuple[str, ...] = ("B4", "B3", "B2")
FALSE_COLOUR: tuple[str, ...] = ("B12", "B8", "B4")
NODATA_GREY = np.array([128, 128, 128], dtype=np.uint8)
OUTLINE_YELLOW = (255, 221, 0)
MIN_CHIP_WIDTH_PX = 300
SCALE_STEPS_M: tuple[int, ...] = (50, 100, 200, 500, 1000, 2000, 5000, 10000)
#: A framed picture shows at least this much ground either side of the site, and at most ``MAX_FRAME_HALF_M``.
MIN_FRAME_HALF_M = 750.0
MAX_FRAME_HALF_M = 10_000.0


@dataclass(frozen=True)
class Chip:
    """An RGB image of a site's surroundings with a scale bar drawn in its lower-left corner; ``title`` is in the
    language current when it was made."""

    rgb: np.ndarray
    title: str
    scale_m: int


@dataclass(frozen=True)
class Picture:
    """A plain true-colour picture of a site's surroundings (PNG, outline drawn, no scale bar) and its ground width."""

    png: bytes
    ground_width_m: float


@dataclass(frozen=True)
class _Window:
    row0: int
    row1: int
    col0: int
    col1: int


def percentile_stretch(data: np.ndarray, valid: np.ndarray, low: float = 2.0, high: float = 98.0) -> np.ndarray:
    """Stretch each band of ``data`` (rows, cols, bands) to uint8 between its percentiles over ``valid`` pixels.

    Invalid pixels come back as 0; callers paint them.
    """
    out = np.zeros(data.shape, dtype=np.uint8)
    if not valid.any():
        return out
    for band in range(data.shape[-1]):
        values = data[..., band][valid]
        lo, hi = np.percentile(values, [low, high])
        span = float(hi - lo) if hi > lo else 1e-6
        scaled = np.clip((data[..., band] - lo) / span, 0.0, 1.0) * 255.0
        out[..., band] = np.round(scaled).astype(np.uint8)
    out[~valid] = 0
    return out


def _read(info: SceneInfo, window: _Window) -> tuple[np.ndarray, np.ndarray]:
    """The window's reflectance and valid mask, in ``info``'s band order."""
    with scene_reader(info) as reader:
        return reader.read(window.row0, window.row1, window.col0, window.col1)


def site_chips(
    scene_path: Path, lon: float, lat: float, half_size_m: float = 1500.0, outline_wkt: str | None = None
) -> list[Chip]:
    """Return a true-colour chip and, when the scene has B12 and B8, a SWIR false-colour chip around a site.

    Args:
        scene_path: GeoTIFF scene (any north-up CRS, e.g. UTM or EPSG:4326).
        lon: Site longitude in degrees.
        lat: Site latitude in degrees.
        half_size_m: Half the chip's side on the ground; the window is clipped at the scene edge.
        outline_wkt: Optional site outline (WGS84 WKT) drawn as a 2 px yellow line.

    Raises:
        ValueError: the site lies outside the scene, or ``half_size_m`` is not positive.
        InvalidSceneError: the scene cannot be read or lacks B2, B3 and B4.
    """
    if not half_size_m > 0:
        raise ValueError(_("half_size_m must be positive; got {half_size_m}").format(half_size_m=half_size_m))
    # Open with the rgb profile's order so an unnamed 3-band file is read the way the rgb model reads it.
    rgb_info = open_scene(scene_path, ("B2", "B3", "B4"))
    window, res_m = _site_window(rgb_info, lon, lat, half_size_m)
    profiles: list[tuple[SceneInfo, tuple[int, ...], str]] = [
        (rgb_info, (2, 1, 0), _("True colour ({bands})").format(bands=", ".join(TRUE_COLOUR)))
    ]
    if _has_swir(rgb_info):
        swir_info = open_scene(scene_path, FALSE_COLOUR)
        profiles.append((swir_info, (0, 1, 2), _("False colour ({bands})").format(bands=", ".join(FALSE_COLOUR))))
    chips = []
    for info, order, title in profiles:
        data, valid = _read(info, window)
        chips.append(_render_chip(data[..., list(order)], valid, title, res_m, info, window, outline_wkt))
    return chips


def site_picture(
    scene_path: Path, lon: float, lat: float, half_size_m: float = 1500.0, outline_wkt: str | None = None
) -> Picture:
    """The true-colour crop of :func:`site_chips` as a PNG without scale bar or title, and the metres its width covers.

    Raises:
        ValueError: the site lies outside the scene, or ``half_size_m`` is not positive.
        InvalidSceneError: the scene cannot be read or lacks B2, B3 and B4.
    """
    if not half_size_m > 0:
        raise ValueError(_("half_size_m must be positive; got {half_size_m}").format(half_size_m=half_size_m))
    info = open_scene(scene_path, ("B2", "B3", "B4"))
    window, res_m = _site_window(info, lon, lat, half_size_m)
    data, valid = _read(info, window)
    image, _factor = _crop_image(data[..., [2, 1, 0]], valid, info, window, outline_wkt)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return Picture(png=out.getvalue(), ground_width_m=(window.col1 - window.col0) * res_m[0])


def framing_half_size_m(lon: float, lat: float, outline_wkts: Sequence[str], margin: float = 1.3) -> float:
    """Half the side of a square around ``lon, lat`` that holds every outline with a ``margin`` (a factor), between
    :data:`MIN_FRAME_HALF_M` and :data:`MAX_FRAME_HALF_M`: one framing for pictures of a place on several dates."""
    m_per_deg = math.radians(1.0) * EARTH_RADIUS_M
    reach_m = 0.0
    for wkt in outline_wkts:
        west, south, east, north = shapely.from_wkt(wkt).bounds
        dx = max(abs(west - lon), abs(east - lon)) * m_per_deg * math.cos(math.radians(lat))
        dy = max(abs(south - lat), abs(north - lat)) * m_per_deg
        reach_m = max(reach_m, dx, dy)
    return min(MAX_FRAME_HALF_M, max(MIN_FRAME_HALF_M, reach_m * margin))


def _has_swir(info: SceneInfo) -> bool:
    """True when the file names B12 and B8, or is an unnamed 12/13-band Sentinel-2 stack."""
    names = {canonical_band_name(d) for d in info.file_bands}
    if {"B12", "B8"} <= names:
        return True
    if names - {None}:
        return False
    return len(info.file_bands) in (12, 13)


def _site_window(info: SceneInfo, lon: float, lat: float, half_size_m: float) -> tuple[_Window, tuple[float, float]]:
    """Pixel window around ``lon, lat`` clipped to the scene, and the pixel size in metres at the site."""
    crs_wkt = info.crs.to_wkt()
    x, y = from_wgs84(crs_wkt, np.array([lon]), np.array([lat]))
    col, row = ~info.transform @ (float(x[0]), float(y[0]))
    if not (math.isfinite(col) and math.isfinite(row) and 0 <= col < info.width and 0 <= row < info.height):
        message = _("The site at lon {lon}, lat {lat} lies outside {scene} ({extent}). Pick the scene that covers it.")
        extent = _describe_extent(info)
        raise ValueError(message.format(lon=f"{lon:.5f}", lat=f"{lat:.5f}", scene=info.path.name, extent=extent))
    # pixel_size_m measures at the centre of a width x height grid; a (0, 0) grid on a shifted transform
    # puts that centre on the site, where the ground size matters (EPSG:4326 pixels shrink with latitude).
    res_m = pixel_size_m(crs_wkt, info.transform @ Affine.translation(col, row), 0, 0)
    half_cols, half_rows = half_size_m / res_m[0], half_size_m / res_m[1]
    window = _Window(
        row0=max(0, math.floor(row - half_rows)),
        row1=min(info.height, math.ceil(row + half_rows)),
        col0=max(0, math.floor(col - half_cols)),
        col1=min(info.width, math.ceil(col + half_cols)),
    )
    return window, res_m


def _describe_extent(info: SceneInfo) -> str:
    t, w, h = info.transform, info.width, info.height
    xs = np.array([t.c, t.c + t.a * w, t.c, t.c + t.a * w])
    ys = np.array([t.f, t.f, t.f + t.e * h, t.f + t.e * h])
    lons, lats = to_wgs84(info.crs.to_wkt(), xs, ys)
    message = _("it covers lon {west} to {east}, lat {south} to {north}")
    return message.format(west=f"{lons.min():.4f}", east=f"{lons.max():.4f}", south=f"{lats.min():.4f}",
                          north=f"{lats.max():.4f}")  # fmt: skip


def _render_chip(
    data: np.ndarray,
    valid: np.ndarray,
    title: str,
    res_m: tuple[float, float],
    info: SceneInfo,
    window: _Window,
    outline_wkt: str | None,
) -> Chip:
    image, factor = _crop_image(data, valid, info, window, outline_wkt)
    scale_m = _draw_scale_bar(ImageDraw.Draw(image), image.width, image.height, res_m[0] / factor)
    return Chip(rgb=np.asarray(image, dtype=np.uint8).copy(), title=title, scale_m=scale_m)


def _crop_image(
    data: np.ndarray, valid: np.ndarray, info: SceneInfo, window: _Window, outline_wkt: str | None
) -> tuple[Image.Image, int]:
    """The stretched crop, enlarged to at least :data:`MIN_CHIP_WIDTH_PX`, with the outline; and the enlargement."""
    rgb = percentile_stretch(data, valid)
    rgb[~valid] = NODATA_GREY
    factor = max(1, math.ceil(MIN_CHIP_WIDTH_PX / rgb.shape[1]))
    # Nearest-neighbour upscaling keeps the 10 m pixels visible instead of smearing them.
    rgb = np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)
    image = Image.fromarray(rgb, mode="RGB")
    if outline_wkt:
        _draw_outline(ImageDraw.Draw(image), outline_wkt, info, window, factor)
    return image, factor


def _draw_outline(draw: ImageDraw.ImageDraw, outline_wkt: str, info: SceneInfo, window: _Window, factor: int) -> None:
    geom = shapely.from_wkt(outline_wkt)
    inverse = ~info.transform
    crs_wkt = info.crs.to_wkt()
    for line in shapely.get_parts(shapely.boundary(geom) if geom.geom_type.endswith("Polygon") else geom):
        for part in shapely.get_parts(line):
            coords = shapely.get_coordinates(part)
            if len(coords) < 2:
                continue
            xs, ys = from_wgs84(crs_wkt, coords[:, 0], coords[:, 1])
            cols, rows = inverse @ (xs, ys)
            px = (np.asarray(cols) - window.col0) * factor
            py = (np.asarray(rows) - window.row0) * factor
            draw.line(list(zip(px.tolist(), py.tolist())), fill=OUTLINE_YELLOW, width=2)


def _pick_scale_m(m_per_px: float, width_px: int) -> int:
    """The largest round length whose bar fits in a third of the chip's width."""
    fitting = [s for s in SCALE_STEPS_M if s / m_per_px <= width_px / 3]
    return fitting[-1] if fitting else SCALE_STEPS_M[0]


def _scale_label(scale_m: int) -> str:
    return f"{scale_m // 1000} km" if scale_m >= 1000 and scale_m % 1000 == 0 else f"{scale_m} m"


def _draw_scale_bar(draw: ImageDraw.ImageDraw, width: int, height: int, m_per_px: float) -> int:
    scale_m = _pick_scale_m(m_per_px, width)
    length_px = max(2, round(scale_m / m_per_px))
    margin, bar_h = 10, 6
    x0, y1 = margin, height - margin
    draw.rectangle((x0 - 1, y1 - bar_h - 1, x0 + length_px + 1, y1 + 1), fill=(0, 0, 0))
    draw.rectangle((x0, y1 - bar_h, x0 + length_px, y1), fill=(255, 255, 255))
    font = ImageFont.load_default()
    label = _scale_label(scale_m)
    # The bitmap fallback font (Pillow without FreeType) supports neither anchors nor strokes.
    stroke = 2 if isinstance(font, ImageFont.FreeTypeFont) else 0
    left, _top, _right, bottom = draw.textbbox((0, 0), label, font=font, stroke_width=stroke)
    text_xy = (x0 - left + stroke, y1 - bar_h - 3 - bottom)
    draw.text(text_xy, label, fill=(255, 255, 255), font=font, stroke_width=stroke, stroke_fill=(0, 0, 0))
    return scale_m
