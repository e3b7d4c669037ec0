"""Builders of the planted confusers (irrigation dams, natural lakes, river sand banks) and nodata blobs.

They are made to resemble the targets at a glance yet differ in what a 12-band CNN can see: clean dark water
instead of turbid sediment, a thin grassed wall, no beach, damp quartz sand beside a river channel.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from core.demo.fields import polar_blob, smooth_noise
from core.demo.sites import dammed_basin, downhill_direction, site_disc, snap_inside, window_centre
from core.demo.spectra import Cover
from core.demo.stamps import Stamp, blank_stamp, depth_inside, local_offsets, single_component, stamp_from


def build_irrigation_dam(rng: np.random.Generator, radius_px: float, terrain_m: np.ndarray) -> Stamp:
    """A farm reservoir of dark clean water behind a thin grassed earth wall, marshy at its upstream end."""
    shape = terrain_m.shape
    layers = blank_stamp(shape)
    basin = dammed_basin(
        rng,
        shape,
        radius_px * rng.uniform(0.75, 0.9),
        downhill_direction(rng, terrain_m),
        wall_px=rng.uniform(2.0, 3.2),
        roughness=0.3,
    )
    foot = single_component((basin.pond | basin.wall) & site_disc(shape, radius_px))
    pond, wall = basin.pond & foot, basin.wall & foot
    noise = smooth_noise(rng, shape, 4.0)
    layers["cover"][pond] = Cover.CLEAN_WATER
    layers["mix"][pond] = np.clip(rng.uniform(0.0, 0.5) + 0.15 * noise, 0, 1)[pond]
    marsh = pond & (basin.upstream + 0.12 * noise > 0.82)
    layers["cover"][marsh] = Cover.MARSH
    layers["mix"][marsh] = rng.uniform(0.3, 0.8)
    layers["cover"][wall] = Cover.FARM_DAM_WALL
    layers["mix"][wall] = np.clip(rng.uniform(0.0, 0.6) + 0.2 * noise, 0, 1)[wall]
    dam_r, dam_c = snap_inside(wall, basin.dam_rc) if wall.any() else window_centre(shape)
    layers["elev_m"][wall] = (terrain_m + rng.uniform(3, 8) - basin.face * 2.0)[wall]
    layers["footprint"] = foot
    return stamp_from(layers, anchor_rc=(dam_r, dam_c))


def build_natural_lake(rng: np.random.Generator, radius_px: float, terrain_m: np.ndarray) -> Stamp:
    """An irregular natural lake with a marshy fringe and no wall, often ringed by trees."""
    shape = terrain_m.shape
    centre = window_centre(shape)
    layers = blank_stamp(shape)
    main_radius = radius_px * rng.uniform(0.7, 0.85)
    water = polar_blob(
        rng,
        shape,
        centre,
        main_radius,
        roughness=0.45,
        elongation=rng.uniform(1.0, 2.0),
        angle_rad=rng.uniform(0, np.pi),
    )
    angle = rng.uniform(0, 2 * np.pi)
    lobe_centre = (centre[0] + np.sin(angle) * main_radius * 0.7, centre[1] + np.cos(angle) * main_radius * 0.7)
    water |= polar_blob(rng, shape, lobe_centre, main_radius * rng.uniform(0.35, 0.6), roughness=0.4)
    foot = single_component(water & site_disc(shape, radius_px - 3))
    depth = depth_inside(foot)
    noise = smooth_noise(rng, shape, 4.0)
    layers["cover"][foot] = Cover.CLEAN_WATER
    layers["mix"][foot] = np.clip(rng.uniform(0.0, 0.6) + 0.1 * noise, 0, 1)[foot]
    fringe = foot & (depth <= rng.uniform(1.2, 3.0) + noise)
    layers["cover"][fringe] = Cover.MARSH
    layers["mix"][fringe] = np.clip(0.2 + 0.25 * depth, 0, 1)[fringe]
    if rng.random() < 0.5:
        outside = ndimage.distance_transform_edt(~foot)
        trees = ~foot & (outside < 3.0 + 2.0 * noise) & site_disc(shape, radius_px)
        layers["cover"][trees] = Cover.FOREST
        layers["mix"][trees] = 0.3
    layers["footprint"] = foot
    return stamp_from(layers)


def build_river_bank(
    rng: np.random.Generator,
    radius_px: float,
    half_width_px: float,
    shape: tuple[int, int],
    tangent_rc: tuple[float, float],
    towards_river_rc: tuple[float, float],
) -> Stamp:
    """A bar of damp quartz sand along a river bank, wetter on the water side, with a few pioneer plants.

    ``tangent_rc`` is the river direction and ``towards_river_rc`` the unit vector from the bar to the channel.
    """
    centre = window_centre(shape)
    layers = blank_stamp(shape)
    half_width = half_width_px
    bar = polar_blob(
        rng,
        shape,
        centre,
        radius_px * rng.uniform(0.8, 0.95),
        roughness=0.15,
        elongation=max(1.2, radius_px / half_width),
        angle_rad=float(np.arctan2(-tangent_rc[0], tangent_rc[1])),
    )
    foot = single_component(bar & site_disc(shape, radius_px))
    dy, dx = local_offsets(shape, centre)
    across = (dy * towards_river_rc[0] + dx * towards_river_rc[1]) / half_width
    noise = smooth_noise(rng, shape, 3.0)
    layers["cover"][foot] = Cover.RIVER_SAND
    layers["mix"][foot] = np.clip(0.45 + 0.45 * across + 0.12 * noise, 0, 1)[foot]
    plants = foot & (across < -0.4) & (noise > 0.6)
    layers["cover"][plants] = Cover.PASTURE
    layers["mix"][plants] = 0.2
    layers["footprint"] = foot
    return stamp_from(layers)


def build_nodata(rng: np.random.Generator, radius_px: float, shape: tuple[int, int]) -> Stamp:
    """An irregular blob of nodata, like a cloud masked out of a composite."""
    blob = polar_blob(
        rng,
        shape,
        window_centre(shape),
        radius_px * 0.8,
        roughness=0.35,
        elongation=rng.uniform(1.0, 1.7),
        angle_rad=rng.uniform(0, np.pi),
    )
    foot = single_component(blob & site_disc(shape, radius_px))
    layers = blank_stamp(shape)
    layers["footprint"] = foot
    return stamp_from(layers, nodata=foot)
