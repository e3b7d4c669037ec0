"""Builders of the planted targets: open-pit iron mines, sand/clay pits and tailings dams.

Each builder works in a local square window centred on the site and returns a :class:`Stamp` at (0, 0); the
caller moves it into place. ``terrain_m`` is the scene elevation under that window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from core.demo.fields import polar_blob, smooth_noise
from core.demo.spectra import Cover
from core.demo.stamps import (
    Stamp,
    blank_stamp,
    depth_inside,
    line_mask,
    local_offsets,
    single_component,
    stamp_from,
)


def window_centre(shape: tuple[int, int]) -> tuple[float, float]:
    """Continuous coordinates of the centre of a local window."""
    return shape[0] / 2.0, shape[1] / 2.0


def site_disc(shape: tuple[int, int], radius_px: float) -> np.ndarray:
    """Pixels within ``radius_px`` of the window centre: every footprint is kept inside it."""
    dy, dx = local_offsets(shape, window_centre(shape))
    return np.hypot(dy, dx) <= radius_px - 1.0


def downhill_direction(rng: np.random.Generator, terrain_m: np.ndarray) -> tuple[float, float]:
    """Unit (d_row, d_col) pointing down the mean slope of the window (random on flat ground)."""
    g_row, g_col = np.gradient(terrain_m.astype(np.float64))
    vec = -np.array([g_row.mean(), g_col.mean()])
    norm = float(np.hypot(*vec))
    if norm < 1e-3:
        angle = rng.uniform(0, 2 * np.pi)
        return float(np.sin(angle)), float(np.cos(angle))
    return float(vec[0] / norm), float(vec[1] / norm)


def _edge_pixels(mask: np.ndarray) -> np.ndarray:
    return np.argwhere(mask & ~ndimage.binary_erosion(mask))


def _waste_piles(rng: np.random.Generator, pit: np.ndarray, pit_radius_px: float) -> np.ndarray:
    shape = pit.shape
    centre = window_centre(shape)
    edges = _edge_pixels(pit)
    piles = np.zeros(shape, bool)
    for _ in range(int(rng.integers(1, 4))):
        er, ec = edges[int(rng.integers(len(edges)))]
        direction = np.array([er + 0.5 - centre[0], ec + 0.5 - centre[1]])
        direction /= max(float(np.hypot(*direction)), 1e-6)
        radius = pit_radius_px * rng.uniform(0.3, 0.55)
        pile_centre = (er + direction[0] * radius * 0.6, ec + direction[1] * radius * 0.6)
        piles |= polar_blob(
            rng,
            shape,
            pile_centre,
            radius,
            roughness=0.35,
            elongation=rng.uniform(1.0, 1.6),
            angle_rad=rng.uniform(0, np.pi),
        )
    return piles & ~pit


def _plant_yard(rng: np.random.Generator, pit: np.ndarray) -> np.ndarray:
    shape = pit.shape
    centre = window_centre(shape)
    edges = _edge_pixels(pit)
    er, ec = edges[int(rng.integers(len(edges)))]
    direction = np.array([er + 0.5 - centre[0], ec + 0.5 - centre[1]])
    direction /= max(float(np.hypot(*direction)), 1e-6)
    half_long, half_short = rng.uniform(4, 8), rng.uniform(2.5, 5)
    yard_centre = (er + direction[0] * (half_short + 1), ec + direction[1] * (half_short + 1))
    dy, dx = local_offsets(shape, yard_centre)
    angle = rng.uniform(0, np.pi)
    u = dx * np.cos(angle) + dy * np.sin(angle)
    v = -dx * np.sin(angle) + dy * np.cos(angle)
    return (np.abs(u) < half_long) & (np.abs(v) < half_short) & ~pit


def build_open_pit(rng: np.random.Generator, radius_px: float, terrain_m: np.ndarray) -> Stamp:
    """An iron-ore open pit with terraced benches, waste piles and often a plant yard."""
    shape = terrain_m.shape
    centre = window_centre(shape)
    layers = blank_stamp(shape)
    pit_radius = radius_px * rng.uniform(0.58, 0.7)
    pit = polar_blob(
        rng, shape, centre, pit_radius, roughness=0.3, elongation=rng.uniform(1.0, 2.0), angle_rad=rng.uniform(0, np.pi)
    )
    piles = _waste_piles(rng, pit, pit_radius)
    yard = _plant_yard(rng, pit) if rng.random() < 0.6 else np.zeros(shape, bool)
    disc = site_disc(shape, radius_px)
    foot = single_component((pit | piles | yard) & disc)
    pit, piles, yard = pit & foot, piles & foot, yard & foot
    apron = _cleared_apron(rng, foot) & disc
    if not pit.any():
        pit = foot.copy()
    noise = smooth_noise(rng, shape, rng.uniform(6, 14))
    _paint_pit(rng, layers, pit, terrain_m, noise)
    _paint_piles(rng, layers, piles, terrain_m)
    layers["cover"][yard] = Cover.INDUSTRIAL
    layers["mix"][yard] = (noise[yard] > 0.2).astype(np.float32)
    layers["cover"][apron] = np.where(noise[apron] > 0.8, Cover.DIRT_ROAD, Cover.SOIL).astype(np.uint8)
    layers["mix"][apron] = np.clip(0.15 + 0.2 * noise, 0, 1)[apron]
    layers["footprint"] = single_component(foot | apron)
    return stamp_from(layers)


def _paint_pit(
    rng: np.random.Generator, layers: dict[str, np.ndarray], pit: np.ndarray, terrain_m: np.ndarray, noise: np.ndarray
) -> None:
    """Benches stepping down to the pit floor: waste walls, dark ore towards the bottom, a ramp, sometimes a lake."""
    shape = pit.shape
    depth = depth_inside(pit)
    step = rng.uniform(2.6, 3.6)
    ore = pit & (noise + 1.6 * depth / max(float(depth.max()), 1.0) > 0.8)
    layers["cover"][pit] = Cover.PIT_WASTE
    layers["mix"][pit] = np.clip(0.5 + 0.35 * noise, 0, 1)[pit]
    layers["cover"][ore] = Cover.PIT_ORE
    layers["mix"][ore] = np.clip(0.3 - 0.4 * noise, 0, 1)[ore]
    crest = (depth / step) % 1.0 < 0.34
    layers["bright"][pit] = np.where(crest, 1.04, 0.98)[pit]
    layers["elev_m"][pit] = (terrain_m - np.floor(depth / step) * rng.uniform(6, 9) - 0.5 * depth)[pit]
    if rng.random() < 0.3:
        lake = pit & (depth > 0.8 * depth.max())
        layers["cover"][lake] = Cover.CLEAN_WATER
        layers["mix"][lake] = 0.8
    deep = np.unravel_index(int(np.argmax(depth)), shape)
    edges = _edge_pixels(pit)
    rim = edges[int(rng.integers(len(edges)))]
    ramp = line_mask([(deep[0] + 0.5, deep[1] + 0.5), (rim[0] + 0.5, rim[1] + 0.5)], 1.6, shape) & pit
    layers["cover"][ramp] = Cover.DIRT_ROAD


def _cleared_apron(rng: np.random.Generator, foot: np.ndarray) -> np.ndarray:
    """Bare, graded ground of irregular width around a mine (cleared for roads, stockpiles and offices)."""
    outside = ndimage.distance_transform_edt(~foot)
    width = 2.5 + 2.0 * (1.0 + smooth_noise(rng, foot.shape, 8.0))
    return ~foot & (outside <= width)


def _paint_piles(
    rng: np.random.Generator, layers: dict[str, np.ndarray], piles: np.ndarray, terrain_m: np.ndarray
) -> None:
    depth = depth_inside(piles)
    noise = smooth_noise(rng, piles.shape, 5.0)
    layers["cover"][piles] = Cover.PIT_WASTE
    layers["mix"][piles] = np.clip(0.65 + 0.3 * noise, 0, 1)[piles]
    layers["elev_m"][piles] = (terrain_m + np.floor(depth / 3.0) * 7.0)[piles]
    if rng.random() < 0.4:
        berms = piles & ((depth % 3.0) > 1.8)
        layers["cover"][berms] = Cover.PASTURE
        layers["mix"][berms] = 0.35


def build_sand_pit(rng: np.random.Generator, radius_px: float, terrain_m: np.ndarray) -> Stamp:
    """A light-coloured sand, gravel or clay pit, shallow, often with a turbid pond in its floor."""
    shape = terrain_m.shape
    centre = window_centre(shape)
    layers = blank_stamp(shape)
    blob = polar_blob(
        rng,
        shape,
        centre,
        radius_px * rng.uniform(0.7, 0.9),
        roughness=0.35,
        elongation=rng.uniform(1.0, 1.8),
        angle_rad=rng.uniform(0, np.pi),
    )
    foot = single_component(blob & site_disc(shape, radius_px))
    depth = depth_inside(foot)
    noise = smooth_noise(rng, shape, rng.uniform(3, 7))
    step = rng.uniform(2.0, 3.0)
    layers["cover"][foot] = Cover.SAND_PIT
    layers["mix"][foot] = np.clip(rng.uniform(0.1, 0.9) + 0.35 * noise, 0, 1)[foot]
    layers["bright"][foot] = np.where((depth / step) % 1.0 < 0.35, 1.06, 0.97)[foot]
    layers["elev_m"][foot] = (terrain_m - np.minimum(np.floor(depth / step), 2) * 4.0)[foot]
    if rng.random() < 0.5:
        pond = foot & (depth + 2.0 * noise > 0.6 * depth.max())
        layers["cover"][pond] = Cover.RIVER
        layers["mix"][pond] = rng.uniform(0.0, 0.5)
    layers["footprint"] = foot
    return stamp_from(layers)


@dataclass(frozen=True)
class Basin:
    """A reservoir held by a straight or slightly arched wall on its downhill side.

    ``upstream`` is 0 at the wall and 1 at the far end of the pond; ``face`` is the distance in pixels from the
    wall's inner edge, across the wall; ``dam_rc`` is the midpoint of the wall.
    """

    pond: np.ndarray
    wall: np.ndarray
    upstream: np.ndarray
    face: np.ndarray
    dam_rc: tuple[float, float]


def dammed_basin(
    rng: np.random.Generator,
    shape: tuple[int, int],
    radius_px: float,
    downhill: tuple[float, float],
    wall_px: float,
    roughness: float = 0.25,
) -> Basin:
    """Cut an irregular blob across the slope and put a dam wall along the cut."""
    centre = window_centre(shape)
    d_row, d_col = downhill
    dy, dx = local_offsets(shape, centre)
    along = dy * d_row + dx * d_col
    lateral = -dy * d_col + dx * d_row
    blob = polar_blob(
        rng,
        shape,
        centre,
        radius_px,
        roughness=roughness,
        elongation=rng.uniform(1.1, 1.7),
        angle_rad=float(np.arctan2(-d_row, d_col)),
    )
    bend = rng.uniform(-0.2, 0.2)
    cut = radius_px * rng.uniform(0.3, 0.5)
    along_eff = along - bend * lateral**2 / radius_px
    pond = blob & (along_eff < cut)
    near = pond & (along_eff > cut - 3.0)
    if not near.any():
        near = pond
    low, high = float(lateral[near].min()), float(lateral[near].max())
    wall = (along_eff >= cut) & (along_eff < cut + wall_px) & (lateral >= low - 2) & (lateral <= high + 2)
    far = float(along_eff[pond].min()) if pond.any() else cut - 1.0
    upstream = np.clip((cut - along_eff) / max(cut - far, 1.0), 0, 1).astype(np.float32)
    mid = (low + high) / 2.0
    a_mid = cut + wall_px / 2.0 + bend * mid**2 / radius_px
    dam_rc = (centre[0] + a_mid * d_row - mid * d_col, centre[1] + a_mid * d_col + mid * d_row)
    return Basin(pond, wall, upstream, (along_eff - cut).astype(np.float32), dam_rc)


def snap_inside(mask: np.ndarray, point_rc: tuple[float, float]) -> tuple[float, float]:
    """``point_rc`` if its pixel is in ``mask``, else the centre of the nearest mask pixel."""
    r, c = int(np.floor(point_rc[0])), int(np.floor(point_rc[1]))
    if 0 <= r < mask.shape[0] and 0 <= c < mask.shape[1] and mask[r, c]:
        return point_rc
    cells = np.argwhere(mask)
    best = cells[int(np.argmin(np.hypot(cells[:, 0] + 0.5 - point_rc[0], cells[:, 1] + 0.5 - point_rc[1])))]
    return float(best[0]) + 0.5, float(best[1]) + 0.5


def build_tailings_dam(rng: np.random.Generator, radius_px: float, terrain_m: np.ndarray) -> Stamp:
    """A tailings pond (dry beach by the wall, wet sediment, turbid water) behind a bright compacted-earth wall."""
    shape = terrain_m.shape
    layers = blank_stamp(shape)
    basin = dammed_basin(
        rng,
        shape,
        radius_px * rng.uniform(0.72, 0.85),
        downhill_direction(rng, terrain_m),
        wall_px=rng.uniform(3.5, 6.5),
    )
    foot = single_component((basin.pond | basin.wall) & site_disc(shape, radius_px))
    pond, wall = basin.pond & foot, basin.wall & foot
    noise = smooth_noise(rng, shape, rng.uniform(5, 10))
    variant = rng.choice(3, p=[0.6, 0.2, 0.2])
    beach_end = (rng.uniform(0.2, 0.45), rng.uniform(0.75, 1.1), rng.uniform(0.02, 0.1))[variant]
    wet_end = beach_end + rng.uniform(0.08, 0.25)
    z = basin.upstream + 0.1 * noise
    beach, water = pond & (z < wet_end), pond & (z >= wet_end)
    layers["cover"][beach] = Cover.TAILINGS_BEACH
    wetness = np.where(z < beach_end, 0.3 * z / beach_end, 0.4 + 0.5 * (z - beach_end) / (wet_end - beach_end))
    layers["mix"][beach] = np.clip(wetness + 0.08 * noise, 0, 1)[beach]
    layers["cover"][water] = Cover.TAILINGS_WATER
    layers["mix"][water] = np.clip(0.7 - 2.0 * (z - wet_end) + 0.15 * noise, 0, 0.9)[water]
    crest = wall & (basin.face < 2.0)
    layers["cover"][wall] = Cover.DAM_CREST
    layers["mix"][wall] = np.where((basin.face // 1.5) % 2 == 1, 0.7, 0.2)[wall]
    layers["mix"][crest] = 0.0
    layers["bright"][crest] = 1.08
    dam_r, dam_c = snap_inside(wall, basin.dam_rc)
    # The pond keeps the terrain under it (beach and water are drawn unshaded); only the wall stands up.
    height = rng.uniform(12, 30)
    layers["elev_m"][wall] = (terrain_m + height - np.maximum(basin.face - 2.0, 0) * rng.uniform(2.0, 3.5))[wall]
    layers["footprint"] = foot
    return stamp_from(layers, anchor_rc=(dam_r, dam_c))
