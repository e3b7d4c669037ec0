"""Random fields for the synthetic scenes: smooth noise, fractal noise, irregular blobs and hill shading.

Smooth fields are drawn at a reduced resolution, smoothed with a separable Gaussian and upsampled bilinearly,
so a 3072 x 3072 field costs a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

#: Largest reduction factor used for smooth fields; coarser fields gain nothing from going lower.
_MAX_REDUCTION = 16


def _linear_taps(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source indices and weights for resampling ``n_in`` cells onto ``n_out`` cells (cell centres aligned)."""
    x = np.clip((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0, n_in - 1)
    i0 = np.floor(x).astype(np.intp)
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, (x - i0).astype(np.float32)


def upsample(field: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resize a 2-D float field to exactly ``shape`` with bilinear interpolation (separable, gather-based)."""
    field = field.astype(np.float32, copy=False)
    if field.shape == shape:
        return field
    r0, r1, wr = _linear_taps(field.shape[0], shape[0])
    rows = field[r0] * (1.0 - wr)[:, None] + field[r1] * wr[:, None]
    c0, c1, wc = _linear_taps(field.shape[1], shape[1])
    out = rows[:, c0]
    out *= 1.0 - wc
    right = rows[:, c1]
    right *= wc
    out += right
    return out


def _standardise(field: np.ndarray) -> np.ndarray:
    std = float(field.std())
    return ((field - field.mean()) / (std if std > 0 else 1.0)).astype(np.float32)


def _reduction(scale_px: float) -> int:
    return int(np.clip(scale_px // 3, 1, _MAX_REDUCTION))


def _coarse_noise(rng: np.random.Generator, shape: tuple[int, int], scale_px: float, factor: int) -> np.ndarray:
    """Standardised smooth noise on a grid ``factor`` times coarser than ``shape`` (covering it)."""
    own = max(_reduction(scale_px), factor)
    own -= own % factor
    low_shape = (max(4, -(-shape[0] // own) + 2), max(4, -(-shape[1] // own) + 2))
    low = rng.standard_normal(low_shape, dtype=np.float32)
    low = _standardise(ndimage.gaussian_filter(low, sigma=scale_px / own / 2.0, mode="wrap"))
    target = (-(-shape[0] // factor) + 1, -(-shape[1] // factor) + 1)
    if own == factor:
        return low[: target[0], : target[1]]
    ratio = own // factor
    return upsample(low, (low_shape[0] * ratio, low_shape[1] * ratio))[: target[0], : target[1]]


def _to_full(coarse: np.ndarray, shape: tuple[int, int], factor: int) -> np.ndarray:
    if factor == 1:
        return coarse[: shape[0], : shape[1]]
    up = upsample(coarse, (coarse.shape[0] * factor, coarse.shape[1] * factor))
    return up[: shape[0], : shape[1]]


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], scale_px: float) -> np.ndarray:
    """Zero-mean, roughly unit-variance Gaussian noise correlated over about ``scale_px`` pixels."""
    factor = _reduction(scale_px)
    return _to_full(_coarse_noise(rng, shape, scale_px, factor), shape, factor)


def smooth_unit(rng: np.random.Generator, shape: tuple[int, int], scale_px: float) -> np.ndarray:
    """Smooth noise squashed into (0, 1) with a logistic curve (haze, cirrus, moisture)."""
    factor = _reduction(scale_px)
    coarse = 1.0 / (1.0 + np.exp(-_coarse_noise(rng, shape, scale_px, factor)))
    return _to_full(coarse.astype(np.float32), shape, factor)


def fractal_noise(
    rng: np.random.Generator, shape: tuple[int, int], scales_px: Sequence[float], weights: Sequence[float]
) -> np.ndarray:
    """Weighted sum of smooth noise at several scales, standardised; summed on the coarsest grid that holds all."""
    factor = _reduction(min(scales_px))
    total = np.zeros((-(-shape[0] // factor) + 1, -(-shape[1] // factor) + 1), dtype=np.float32)
    for scale, weight in zip(scales_px, weights, strict=True):
        total += np.float32(weight) * _coarse_noise(rng, shape, scale, factor)
    return _to_full(_standardise(total), shape, factor)


def fine_texture(rng: np.random.Generator, shape: tuple[int, int], sigma_px: float = 0.8) -> np.ndarray:
    """Unit-variance texture at the scale of a few pixels (canopy, roofs, clods)."""
    white = rng.standard_normal(shape, dtype=np.float32)
    return _standardise(ndimage.gaussian_filter(white, sigma=sigma_px))


def polar_blob(
    rng: np.random.Generator,
    shape: tuple[int, int],
    centre_rc: tuple[float, float],
    radius_px: float,
    *,
    roughness: float = 0.25,
    elongation: float = 1.0,
    angle_rad: float = 0.0,
) -> np.ndarray:
    """Boolean mask of an irregular blob whose edge radius wobbles with a few random harmonics.

    Args:
        rng: random generator.
        shape: (rows, cols) of the output mask.
        centre_rc: blob centre in pixel coordinates.
        radius_px: mean radius along the long axis.
        roughness: relative amplitude of the edge wobble (0 gives an ellipse).
        elongation: ratio of the long to the short axis.
        angle_rad: direction of the long axis, counter-clockwise from the column axis.
    """
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(np.float32)
    dy, dx = rows + 0.5 - centre_rc[0], cols + 0.5 - centre_rc[1]
    cos_a, sin_a = np.cos(angle_rad), np.sin(angle_rad)
    u = dx * cos_a - dy * sin_a
    v = (dx * sin_a + dy * cos_a) * elongation
    rho = np.hypot(u, v)
    theta = np.arctan2(v, u)
    edge = np.ones_like(theta)
    for k in range(2, 7):
        amp = rng.uniform(0.0, roughness / k**0.7)
        edge += np.float32(amp) * np.cos(k * theta + rng.uniform(0, 2 * np.pi)).astype(np.float32)
    return rho < radius_px * np.clip(edge, 0.45, 1.6)


def hillshade(elev_m: np.ndarray, res_m: float, azimuth_deg: float = 50.0, altitude_deg: float = 52.0) -> np.ndarray:
    """Illumination factor of a surface relative to flat ground (1.0 on flat ground, <1 in shade).

    ``azimuth_deg`` is clockwise from north: a morning sun in the north-east suits a 10:30 overpass south of the
    equator.
    """
    d_row, d_col = np.gradient(elev_m.astype(np.float32), res_m)
    # Rows grow southwards, so the northward slope is the negative row gradient.
    slope_east, slope_north = d_col, -d_row
    az, alt = np.deg2rad(azimuth_deg), np.deg2rad(altitude_deg)
    sun = np.array([np.sin(az) * np.cos(alt), np.cos(az) * np.cos(alt), np.sin(alt)], dtype=np.float32)
    norm = np.sqrt(1.0 + slope_east**2 + slope_north**2)
    lit = (-slope_east * sun[0] - slope_north * sun[1] + sun[2]) / norm
    return np.clip(lit / sun[2], 0.25, 1.6).astype(np.float32)
