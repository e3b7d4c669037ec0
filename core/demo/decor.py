"""Builders of background settlements and farms: towns with a street grid, centre-pivot fields."""

from __future__ import annotations

import numpy as np

from core.demo.fields import fine_texture, polar_blob
from core.demo.sites import window_centre
from core.demo.spectra import Cover
from core.demo.stamps import Stamp, blank_stamp, depth_inside, local_offsets, stamp_from


def _block_table(rng: np.random.Generator, index: np.ndarray, low: float, high: float) -> np.ndarray:
    """A random value per block index (index may be negative)."""
    offset = int(index.min())
    table = rng.uniform(low, high, int(index.max()) - offset + 1).astype(np.float32)
    return table[index - offset]


def build_town(rng: np.random.Generator, radius_px: float, shape: tuple[int, int]) -> Stamp:
    """A town: grey and red-roofed blocks on a street grid, denser in the centre, vacant lots at the edge."""
    centre = window_centre(shape)
    layers = blank_stamp(shape)
    town = polar_blob(
        rng,
        shape,
        centre,
        radius_px * 0.85,
        roughness=0.35,
        elongation=rng.uniform(1.0, 1.5),
        angle_rad=rng.uniform(0, np.pi),
    )
    core = depth_inside(town)
    core = core / max(float(core.max()), 1.0)
    dy, dx = local_offsets(shape, centre)
    angle = rng.uniform(0, np.pi / 2)
    u = dx * np.cos(angle) + dy * np.sin(angle)
    v = -dx * np.sin(angle) + dy * np.cos(angle)
    block_u, block_v = rng.uniform(7, 11), rng.uniform(9, 14)
    iu, iv = np.floor(u / block_u).astype(np.int64), np.floor(v / block_v).astype(np.int64)
    street = ((u - iu * block_u) < 1.1) | ((v - iv * block_v) < 1.1)
    block = iu * 1000 + iv
    built = _block_table(rng, block, 0, 1) < np.clip(0.3 + 1.3 * core, 0, 0.97)
    roofs = np.clip(_block_table(rng, block, -0.2, 1.2) + 0.35 * fine_texture(rng, shape, 0.6), 0, 1)
    texture = fine_texture(rng, shape, 0.7)
    layers["cover"][town] = Cover.PASTURE
    layers["mix"][town] = 0.7
    lots = town & ~built & (_block_table(rng, block, 0, 1) < 0.4)
    layers["cover"][lots] = Cover.SOIL
    layers["mix"][lots] = 0.1
    houses = town & built
    layers["cover"][houses] = Cover.URBAN
    layers["mix"][houses] = roofs[houses]
    layers["bright"][houses] = (_block_table(rng, block, 0.85, 1.2) * (1 + 0.1 * texture))[houses]
    sheds = houses & (_block_table(rng, block, 0, 1) < 0.05)
    layers["cover"][sheds] = Cover.INDUSTRIAL
    layers["mix"][sheds] = 0.0
    trees = houses & (fine_texture(rng, shape, 1.2) > 1.4)
    layers["cover"][trees] = Cover.FOREST
    layers["mix"][trees] = 0.5
    roads = town & street
    layers["cover"][roads] = np.where(core[roads] > 0.25, Cover.ASPHALT, Cover.DIRT_ROAD).astype(np.uint8)
    layers["mix"][roads] = 0.0
    avenues = town & ((np.abs(u) < 1.2) | (np.abs(v) < 1.2))
    layers["cover"][avenues] = Cover.ASPHALT
    layers["footprint"] = town
    return stamp_from(layers)


def build_pivot(rng: np.random.Generator, radius_px: float, shape: tuple[int, int]) -> Stamp:
    """A centre-pivot irrigated field: a circle split into crop sectors at different stages."""
    layers = blank_stamp(shape)
    dy, dx = local_offsets(shape, window_centre(shape))
    dist = np.hypot(dy, dx)
    circle = dist <= radius_px * 0.95
    n_sectors = int(rng.integers(1, 5))
    sector = np.floor((np.arctan2(dy, dx) + np.pi) / (2 * np.pi) * n_sectors + rng.uniform(0, 1)) % n_sectors
    sector = sector.astype(np.int64)
    is_crop = rng.random(n_sectors) < 0.8
    stage = rng.uniform(0.0, 0.5, n_sectors).astype(np.float32)
    layers["cover"][circle] = np.where(is_crop[sector], Cover.CROP, Cover.SOIL).astype(np.uint8)[circle]
    layers["mix"][circle] = np.where(is_crop[sector], stage[sector], 0.8)[circle]
    tracks = (dist % rng.uniform(6, 9)) < 0.8
    layers["bright"][circle & tracks] = 0.94
    layers["footprint"] = circle
    return stamp_from(layers)
