"""Stamps: small local rasters that a site or settlement paints onto the scene canvas.

Builders return a :class:`Stamp` (pure, in local pixel coordinates); :func:`apply_stamp` is the only code that
writes into the canvas. ``cover == 0`` in a stamp means "leave the canvas as it is".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import rasterio.features
from affine import Affine
from scipy import ndimage
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry


@dataclass
class Canvas:
    """Mutable per-pixel working layers of a scene under construction (all (rows, cols))."""

    cover: np.ndarray
    mix: np.ndarray
    bright: np.ndarray
    elev_m: np.ndarray
    valid: np.ndarray
    site: np.ndarray

    @classmethod
    def empty(cls, size: int) -> Canvas:
        """A blank square canvas of ``size`` pixels."""
        shape = (size, size)
        return cls(
            cover=np.zeros(shape, np.uint8),
            mix=np.zeros(shape, np.float32),
            bright=np.ones(shape, np.float32),
            elev_m=np.zeros(shape, np.float32),
            valid=np.ones(shape, bool),
            site=np.zeros(shape, np.uint16),
        )


@dataclass(frozen=True)
class Stamp:
    """A local patch of layers anchored at ``(row0, col0)`` of the canvas.

    ``elev_m`` holds new elevations (NaN = unchanged); ``footprint`` marks the pixels that belong to the site;
    ``nodata`` marks pixels to blank out.
    """

    row0: int
    col0: int
    cover: np.ndarray
    mix: np.ndarray
    bright: np.ndarray
    elev_m: np.ndarray
    footprint: np.ndarray
    nodata: np.ndarray | None = None
    anchor_rc: tuple[float, float] | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of the stamp."""
        return self.cover.shape


def blank_stamp(shape: tuple[int, int]) -> dict[str, np.ndarray]:
    """Fresh local layers for a builder to fill: cover 0, mix 0, bright 1, elevation NaN, empty footprint."""
    return {
        "cover": np.zeros(shape, np.uint8),
        "mix": np.zeros(shape, np.float32),
        "bright": np.ones(shape, np.float32),
        "elev_m": np.full(shape, np.nan, np.float32),
        "footprint": np.zeros(shape, bool),
    }


def stamp_from(
    layers: dict[str, np.ndarray],
    *,
    anchor_rc: tuple[float, float] | None = None,
    nodata: np.ndarray | None = None,
) -> Stamp:
    """A stamp at (0, 0) from the layers of :func:`blank_stamp` (the caller moves it into place)."""
    return Stamp(
        row0=0,
        col0=0,
        cover=layers["cover"],
        mix=layers["mix"],
        bright=layers["bright"],
        elev_m=layers["elev_m"],
        footprint=layers["footprint"],
        nodata=nodata,
        anchor_rc=anchor_rc,
    )


def _overlap(canvas_shape: tuple[int, int], stamp: Stamp) -> tuple[slice, slice, slice, slice] | None:
    h, w = stamp.shape
    r0, c0 = max(stamp.row0, 0), max(stamp.col0, 0)
    r1, c1 = min(stamp.row0 + h, canvas_shape[0]), min(stamp.col0 + w, canvas_shape[1])
    if r0 >= r1 or c0 >= c1:
        return None
    return (
        slice(r0, r1),
        slice(c0, c1),
        slice(r0 - stamp.row0, r1 - stamp.row0),
        slice(c0 - stamp.col0, c1 - stamp.col0),
    )


def apply_stamp(canvas: Canvas, stamp: Stamp, site_value: int = 0) -> None:
    """Paint ``stamp`` onto ``canvas``; footprint pixels get ``site_value`` in the site layer when it is > 0."""
    window = _overlap(canvas.cover.shape, stamp)
    if window is None:
        return
    rows, cols, lrows, lcols = window
    paint = stamp.cover[lrows, lcols] > 0
    canvas.cover[rows, cols][paint] = stamp.cover[lrows, lcols][paint]
    canvas.mix[rows, cols][paint] = stamp.mix[lrows, lcols][paint]
    canvas.bright[rows, cols][paint] = stamp.bright[lrows, lcols][paint]
    elev = stamp.elev_m[lrows, lcols]
    has_elev = np.isfinite(elev)
    canvas.elev_m[rows, cols][has_elev] = elev[has_elev]
    if stamp.nodata is not None:
        canvas.valid[rows, cols][stamp.nodata[lrows, lcols]] = False
    if site_value > 0:
        canvas.site[rows, cols][stamp.footprint[lrows, lcols]] = site_value


def local_offsets(shape: tuple[int, int], centre_rc: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre offsets ``(d_row, d_col)`` from ``centre_rc`` over a local window."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    return rows + 0.5 - centre_rc[0], cols + 0.5 - centre_rc[1]


def burn(geoms: Iterable[BaseGeometry], shape: tuple[int, int]) -> np.ndarray:
    """Rasterise geometries given in (col, row) pixel coordinates into a boolean mask of ``shape``."""
    shapes = [(g, 1) for g in geoms if not g.is_empty]
    if not shapes:
        return np.zeros(shape, bool)
    out = rasterio.features.rasterize(shapes, out_shape=shape, transform=Affine.identity(), fill=0, dtype="uint8")
    return out.astype(bool)


def line_mask(points_rc: list[tuple[float, float]], width_px: float, shape: tuple[int, int]) -> np.ndarray:
    """Mask of a polyline through ``points_rc`` drawn ``width_px`` wide."""
    line = LineString([(c, r) for r, c in points_rc])
    return burn([line.buffer(width_px / 2.0, cap_style="flat")], shape)


def depth_inside(mask: np.ndarray) -> np.ndarray:
    """Distance in pixels from each mask pixel to the nearest pixel outside the mask (0 outside)."""
    return ndimage.distance_transform_edt(np.pad(mask, 1))[1:-1, 1:-1].astype(np.float32)


def single_component(mask: np.ndarray) -> np.ndarray:
    """Close small gaps, fill holes and keep the largest 4-connected part, so a footprint is one polygon."""
    closed = ndimage.binary_closing(np.pad(mask, 3), structure=np.ones((3, 3)), iterations=2)[3:-3, 3:-3]
    filled = ndimage.binary_fill_holes(closed | mask)
    labels, n = ndimage.label(filled)
    if n <= 1:
        return filled
    sizes = ndimage.sum_labels(filled, labels, index=np.arange(1, n + 1))
    return labels == (int(np.argmax(sizes)) + 1)
