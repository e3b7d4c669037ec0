"""Turn land-cover layers into 12 bands of uint16 digital numbers (reflectance x 10000, 0 = nodata).

Per band: blend the class spectra, shade the surface (not the haze), add haze and moisture, blur to the band's
native resolution (10, 20 or 60 m), add sensor noise, quantise. Bands run on two threads; the sensor noise of
each band is a shifted window of one noise field drawn up front, so the result does not depend on scheduling.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from core.demo.fields import upsample
from core.demo.spectra import PATH_REFLECTANCE, flat_table, spectral_tables, texture_table
from core.imagery.bands import S2_12_BANDS

#: Native pixel size of each band in metres (all are delivered on the 10 m grid).
NATIVE_RES_M: dict[str, int] = {
    "B1": 60, "B2": 10, "B3": 10, "B4": 10, "B5": 20, "B6": 20, "B7": 20, "B8": 10,
    "B9": 60, "B10": 60, "B11": 20, "B12": 20,
}  # fmt: skip
_DN_PER_REFLECTANCE = 10_000.0
_HAZE_BY_BAND = {"B1": 0.014, "B2": 0.007, "B3": 0.003}
_MOISTURE_BY_BAND = {"B11": 0.07, "B12": 0.09}
#: Point-spread blur per native resolution: mixed pixels at edges, softer in the 20 m bands.
_BLUR_SIDE = {10: 0.1, 20: 0.25}
#: Sensor noise (reflectance, 1 sigma) per native resolution: 60 m bands average more detector samples.
_NOISE_BY_RES = {10: 0.0018, 20: 0.0015, 60: 0.0006}


@dataclass(frozen=True)
class Atmosphere:
    """Smooth fields (rows, cols) shared by all bands: haze, soil moisture, cirrus, illumination."""

    haze: np.ndarray
    moisture: np.ndarray
    cirrus: np.ndarray
    illumination: np.ndarray


def surface_modulation(
    cover: np.ndarray, bright: np.ndarray, shade: np.ndarray, texture: np.ndarray, illumination: np.ndarray
) -> np.ndarray:
    """Multiplicative factor on the surface reflectance: terrain shading, class texture and brightness."""
    flat = flat_table()[cover]
    lit = np.where(flat, np.float32(1.0), shade)
    rough = 1.0 + texture_table()[cover] * texture
    return (bright * lit * rough * illumination).astype(np.float32)


def _coarsen(band: np.ndarray, factor: int) -> np.ndarray:
    """Average over ``factor`` x ``factor`` blocks and interpolate back: a coarse band on the fine grid."""
    rows, cols = band.shape
    pad_r, pad_c = -rows % factor, -cols % factor
    padded = np.pad(band, ((0, pad_r), (0, pad_c)), mode="edge")
    blocks = padded.reshape(padded.shape[0] // factor, factor, padded.shape[1] // factor, factor).mean(axis=(1, 3))
    return upsample(blocks, padded.shape)[:rows, :cols]


def _blur3(band: np.ndarray, side: float, tmp: np.ndarray) -> None:
    """In-place separable blur with the kernel [side, 1 - 2 side, side] and edge replication.

    Slicing beats ``ndimage.correlate1d`` along the row axis several times over for a 3-tap kernel.
    """
    for axis in (0, 1):
        a = np.moveaxis(band, axis, 0)
        t = np.moveaxis(tmp, axis, 0)
        t[1:-1] = a[:-2]
        t[1:-1] += a[2:]
        t[0] = a[0] + a[1]
        t[-1] = a[-1] + a[-2]
        t *= np.float32(side)
        a *= np.float32(1.0 - 2.0 * side)
        a += t


def _band(
    index: int,
    cover: np.ndarray,
    mix: np.ndarray,
    modulation: np.ndarray,
    atmosphere: Atmosphere,
    noise: np.ndarray,
    offset_rc: tuple[int, int],
) -> np.ndarray:
    """Reflectance of band ``index`` with sensor noise read from a shifted window of the shared ``noise``."""
    name = S2_12_BANDS[index]
    primary, alternate = spectral_tables()
    path = PATH_REFLECTANCE[index]
    base, delta = primary[index] - path, alternate[index] - primary[index]
    refl = base[cover]
    tmp = delta[cover]
    tmp *= mix
    refl += tmp
    refl *= modulation
    refl += path
    if name in _MOISTURE_BY_BAND:
        np.multiply(atmosphere.moisture, -_MOISTURE_BY_BAND[name], out=tmp)
        tmp += 1.0
        refl *= tmp
    if name in _HAZE_BY_BAND:
        np.multiply(atmosphere.haze, _HAZE_BY_BAND[name], out=tmp)
        refl += tmp
    if name == "B10":
        refl *= 0.25
        refl += 0.0015 + 0.002 * atmosphere.cirrus
    res = NATIVE_RES_M[name]
    if res == 60:
        refl = _coarsen(refl, res // 10)
    else:
        _blur3(refl, _BLUR_SIDE[res], tmp)
    rows, cols = refl.shape
    window = noise[offset_rc[0] : offset_rc[0] + rows, offset_rc[1] : offset_rc[1] + cols]
    np.multiply(window, np.float32(_NOISE_BY_RES[res]), out=tmp)
    refl += tmp
    return refl


def _quantise(refl: np.ndarray, valid: np.ndarray, out: np.ndarray) -> None:
    refl *= _DN_PER_REFLECTANCE
    refl += 0.5
    np.clip(refl, 1, 65535, out=refl)
    np.copyto(out, refl, casting="unsafe")
    out *= valid


def render_dn(
    cover: np.ndarray,
    mix: np.ndarray,
    modulation: np.ndarray,
    atmosphere: Atmosphere,
    valid: np.ndarray,
    seed: int,
    workers: int = 2,
) -> np.ndarray:
    """The (12, rows, cols) uint16 image; pixels outside ``valid`` are 0 in every band."""
    rng = np.random.default_rng([seed, 1000])
    margin = 64
    noise = rng.standard_normal((cover.shape[0] + margin, cover.shape[1] + margin), dtype=np.float32)
    offsets = [(int(r), int(c)) for r, c in rng.integers(0, margin, (len(S2_12_BANDS), 2))]
    out = np.empty((len(S2_12_BANDS), *cover.shape), dtype=np.uint16)

    def run(i: int) -> None:
        _quantise(_band(i, cover, mix, modulation, atmosphere, noise, offsets[i]), valid, out[i])

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, range(len(S2_12_BANDS))))
    return out
