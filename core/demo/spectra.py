"""Land-cover classes and their Sentinel-2 top-of-atmosphere-like reflectance in the 12 bands B1..B12.

Each class has a primary and an alternate spectrum; a per-pixel ``mix`` in [0, 1] blends them (dry vs green
pasture, dry vs wet tailings, grey vs red roofs), so no class is a flat colour. Values are reflectance (DN / 10000).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from core.imagery.bands import S2_12_BANDS


class Cover(IntEnum):
    """Land-cover codes of the synthetic scenes (0 is reserved for 'nothing painted')."""

    NONE = 0
    FOREST = 1
    PASTURE = 2
    CERRADO = 3
    CROP = 4
    SOIL = 5
    URBAN = 6
    ASPHALT = 7
    DIRT_ROAD = 8
    RIVER = 9
    CLEAN_WATER = 10
    MARSH = 11
    RIVER_SAND = 12
    PIT_ORE = 13
    PIT_WASTE = 14
    TAILINGS_BEACH = 15
    TAILINGS_WATER = 16
    DAM_CREST = 17
    SAND_PIT = 18
    FARM_DAM_WALL = 19
    INDUSTRIAL = 20


#: (primary, alternate) reflectance per class, bands B1 B2 B3 B4 B5 B6 B7 B8 B9 B10 B11 B12.
_SPECTRA: dict[Cover, tuple[tuple[float, ...], tuple[float, ...]]] = {
    Cover.FOREST: (
        (0.104, 0.076, 0.066, 0.037, 0.082, 0.215, 0.265, 0.285, 0.088, 0.003, 0.145, 0.068),
        (0.100, 0.072, 0.055, 0.032, 0.070, 0.180, 0.220, 0.240, 0.075, 0.003, 0.120, 0.055),
    ),
    Cover.PASTURE: (
        (0.112, 0.088, 0.084, 0.066, 0.110, 0.205, 0.245, 0.265, 0.085, 0.004, 0.240, 0.140),
        (0.120, 0.100, 0.102, 0.100, 0.138, 0.190, 0.212, 0.228, 0.080, 0.004, 0.295, 0.200),
    ),
    Cover.CERRADO: (
        (0.110, 0.085, 0.078, 0.060, 0.100, 0.185, 0.220, 0.240, 0.080, 0.004, 0.215, 0.125),
        (0.125, 0.110, 0.115, 0.120, 0.140, 0.165, 0.180, 0.195, 0.078, 0.004, 0.260, 0.190),
    ),
    Cover.CROP: (
        (0.105, 0.075, 0.078, 0.040, 0.095, 0.280, 0.360, 0.390, 0.115, 0.004, 0.200, 0.095),
        (0.120, 0.100, 0.110, 0.130, 0.165, 0.205, 0.225, 0.240, 0.090, 0.004, 0.310, 0.230),
    ),
    Cover.SOIL: (
        (0.118, 0.098, 0.112, 0.160, 0.195, 0.215, 0.230, 0.245, 0.100, 0.004, 0.330, 0.265),
        (0.108, 0.085, 0.090, 0.120, 0.145, 0.160, 0.172, 0.185, 0.075, 0.004, 0.240, 0.185),
    ),
    Cover.URBAN: (
        (0.140, 0.125, 0.125, 0.130, 0.150, 0.165, 0.175, 0.185, 0.075, 0.005, 0.225, 0.195),
        (0.130, 0.110, 0.110, 0.165, 0.190, 0.200, 0.210, 0.220, 0.085, 0.005, 0.270, 0.220),
    ),
    Cover.ASPHALT: (
        (0.105, 0.082, 0.080, 0.078, 0.085, 0.092, 0.098, 0.105, 0.045, 0.003, 0.120, 0.105),
        (0.140, 0.130, 0.135, 0.140, 0.150, 0.160, 0.165, 0.170, 0.070, 0.004, 0.210, 0.185),
    ),
    Cover.DIRT_ROAD: (
        (0.125, 0.110, 0.130, 0.195, 0.235, 0.255, 0.270, 0.285, 0.115, 0.004, 0.360, 0.300),
        (0.140, 0.130, 0.150, 0.200, 0.230, 0.245, 0.255, 0.265, 0.110, 0.004, 0.340, 0.280),
    ),
    Cover.RIVER: (
        (0.104, 0.080, 0.084, 0.090, 0.084, 0.052, 0.042, 0.036, 0.011, 0.001, 0.013, 0.008),
        (0.102, 0.078, 0.078, 0.078, 0.068, 0.040, 0.032, 0.028, 0.009, 0.001, 0.010, 0.006),
    ),
    Cover.CLEAN_WATER: (
        (0.096, 0.064, 0.044, 0.023, 0.020, 0.014, 0.012, 0.011, 0.004, 0.001, 0.006, 0.004),
        (0.098, 0.068, 0.058, 0.032, 0.032, 0.020, 0.017, 0.015, 0.005, 0.001, 0.007, 0.005),
    ),
    Cover.MARSH: (
        (0.100, 0.072, 0.068, 0.050, 0.080, 0.150, 0.180, 0.190, 0.055, 0.003, 0.110, 0.055),
        (0.100, 0.070, 0.060, 0.040, 0.050, 0.080, 0.090, 0.095, 0.030, 0.002, 0.050, 0.025),
    ),
    # Clean quartz sand, damp near the water: bright and flat in the visible, SWIR lowered by moisture.
    Cover.RIVER_SAND: (
        (0.145, 0.142, 0.158, 0.178, 0.190, 0.198, 0.205, 0.210, 0.095, 0.004, 0.260, 0.200),
        (0.125, 0.115, 0.125, 0.140, 0.150, 0.152, 0.155, 0.158, 0.065, 0.004, 0.150, 0.110),
    ),
    # Hematite: dark, red rising, a ferric dip from B7 to B8, strong SWIR.
    Cover.PIT_ORE: (
        (0.102, 0.080, 0.078, 0.098, 0.118, 0.128, 0.132, 0.126, 0.070, 0.003, 0.160, 0.140),
        (0.118, 0.100, 0.100, 0.125, 0.145, 0.155, 0.160, 0.152, 0.085, 0.004, 0.215, 0.190),
    ),
    Cover.PIT_WASTE: (
        (0.115, 0.095, 0.105, 0.178, 0.218, 0.232, 0.238, 0.232, 0.110, 0.004, 0.320, 0.275),
        (0.125, 0.110, 0.135, 0.205, 0.245, 0.262, 0.268, 0.262, 0.120, 0.004, 0.350, 0.300),
    ),
    # Fine iron-ore tailings: neutral light grey when dry, dark and SWIR-absorbing when wet.
    Cover.TAILINGS_BEACH: (
        (0.160, 0.162, 0.172, 0.185, 0.195, 0.198, 0.200, 0.196, 0.095, 0.005, 0.235, 0.205),
        (0.120, 0.112, 0.115, 0.118, 0.118, 0.110, 0.108, 0.100, 0.045, 0.003, 0.090, 0.070),
    ),
    # Turbid, sediment-laden pond water: milky turquoise, much brighter than clean water in the visible.
    Cover.TAILINGS_WATER: (
        (0.128, 0.122, 0.128, 0.094, 0.082, 0.054, 0.047, 0.041, 0.012, 0.001, 0.013, 0.009),
        (0.128, 0.118, 0.128, 0.120, 0.112, 0.085, 0.075, 0.065, 0.020, 0.002, 0.025, 0.018),
    ),
    Cover.DAM_CREST: (
        (0.150, 0.145, 0.165, 0.215, 0.250, 0.268, 0.278, 0.285, 0.125, 0.005, 0.380, 0.320),
        (0.112, 0.088, 0.085, 0.075, 0.115, 0.195, 0.230, 0.248, 0.080, 0.004, 0.230, 0.135),
    ),
    # Sand and kaolinitic clay: brighter and yellower than river sand, dry, clay dip in B12.
    Cover.SAND_PIT: (
        (0.155, 0.155, 0.185, 0.220, 0.245, 0.258, 0.268, 0.278, 0.125, 0.005, 0.380, 0.290),
        (0.155, 0.150, 0.168, 0.198, 0.218, 0.228, 0.235, 0.244, 0.112, 0.005, 0.335, 0.215),
    ),
    Cover.FARM_DAM_WALL: (
        (0.115, 0.092, 0.090, 0.085, 0.125, 0.195, 0.225, 0.240, 0.080, 0.004, 0.260, 0.165),
        (0.120, 0.102, 0.115, 0.160, 0.195, 0.215, 0.228, 0.240, 0.100, 0.004, 0.320, 0.255),
    ),
    Cover.INDUSTRIAL: (
        (0.170, 0.165, 0.170, 0.175, 0.185, 0.195, 0.200, 0.205, 0.090, 0.005, 0.240, 0.210),
        (0.095, 0.072, 0.068, 0.080, 0.092, 0.098, 0.100, 0.098, 0.050, 0.003, 0.120, 0.105),
    ),
}

#: Relative amplitude of the fine texture per class (canopy and roofs are rough, water is smooth).
_TEXTURE: dict[Cover, float] = {
    Cover.FOREST: 0.12, Cover.PASTURE: 0.05, Cover.CERRADO: 0.08, Cover.CROP: 0.04, Cover.SOIL: 0.05,
    Cover.URBAN: 0.18, Cover.ASPHALT: 0.04, Cover.DIRT_ROAD: 0.05, Cover.RIVER: 0.02, Cover.CLEAN_WATER: 0.02,
    Cover.MARSH: 0.08, Cover.RIVER_SAND: 0.05, Cover.PIT_ORE: 0.10, Cover.PIT_WASTE: 0.07,
    Cover.TAILINGS_BEACH: 0.03, Cover.TAILINGS_WATER: 0.015, Cover.DAM_CREST: 0.03, Cover.SAND_PIT: 0.05,
    Cover.FARM_DAM_WALL: 0.05, Cover.INDUSTRIAL: 0.15,
}  # fmt: skip

#: Classes whose surface is level water: terrain shading does not apply.
WATER_CLASSES: tuple[Cover, ...] = (Cover.RIVER, Cover.CLEAN_WATER, Cover.TAILINGS_WATER)
#: Classes drawn without terrain shading: water, and tailings beaches (settled sediment is nearly level).
FLAT_CLASSES: tuple[Cover, ...] = (*WATER_CLASSES, Cover.TAILINGS_BEACH)
#: Vegetated classes (used by tests and for picking 'no ore' samples).
VEGETATION_CLASSES: tuple[Cover, ...] = (Cover.FOREST, Cover.PASTURE, Cover.CERRADO, Cover.CROP)

#: Additive atmospheric path reflectance per band: it is not darkened by terrain shading.
PATH_REFLECTANCE = np.array(
    [0.090, 0.060, 0.035, 0.015, 0.010, 0.006, 0.004, 0.004, 0.002, 0.0005, 0.001, 0.0005], dtype=np.float32
)


def spectral_tables() -> tuple[np.ndarray, np.ndarray]:
    """Return ``(primary, alternate)`` lookup tables of shape (bands, classes), float32 reflectance."""
    n_classes = max(Cover) + 1
    primary = np.zeros((len(S2_12_BANDS), n_classes), dtype=np.float32)
    alternate = np.zeros_like(primary)
    for cover, (prim, alt) in _SPECTRA.items():
        primary[:, cover] = prim
        alternate[:, cover] = alt
    return primary, alternate


def texture_table() -> np.ndarray:
    """Per-class texture amplitude, shape (classes,), float32."""
    table = np.zeros(max(Cover) + 1, dtype=np.float32)
    for cover, amp in _TEXTURE.items():
        table[cover] = amp
    return table


def flat_table() -> np.ndarray:
    """Per-class flag: True for level surfaces, which terrain shading leaves unchanged."""
    table = np.zeros(max(Cover) + 1, dtype=bool)
    table[list(FLAT_CLASSES)] = True
    return table
