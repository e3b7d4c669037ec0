"""The background landscape: hilly terrain, forest / pasture / cerrado, farm parcels, rivers and roads."""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from shapely.geometry import LineString, MultiLineString, Point
from shapely.ops import nearest_points

from core.demo.fields import fine_texture, fractal_noise, smooth_noise, upsample
from core.demo.linework import River, wiggly_path
from core.demo.spectra import Cover
from core.demo.stamps import Canvas, burn

_TERRAIN_REDUCTION = 4


def make_terrain(rng: np.random.Generator, size: int, rivers: list[River]) -> np.ndarray:
    """Elevation in metres: rolling hills with valleys cut along the rivers."""
    f = _TERRAIN_REDUCTION
    low = (-(-size // f), -(-size // f))
    hills = 140.0 * fractal_noise(rng, low, [900 / f, 300 / f, 90 / f, 30 / f], [1.0, 0.6, 0.3, 0.12])
    if rivers:
        lines = [LineString(np.asarray(rv.line.coords) / f) for rv in rivers]
        channel = burn([ln.buffer(1.0) for ln in lines], low)
        dist = ndimage.distance_transform_edt(~channel)
        hills -= 90.0 * np.exp(-((dist / (70.0 / f)) ** 2)) + 40.0 * np.exp(-dist / (400.0 / f))
    elev = upsample(hills.astype(np.float32), (size, size))
    elev += 2.5 * smooth_noise(rng, (size, size), 5.0)
    return elev


def natural_cover(rng: np.random.Generator, elev_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cover codes and mix for the unmanaged land: forest in valleys, cerrado and rocky fields on ridges."""
    shape = elev_m.shape
    relief = (elev_m - elev_m.mean()) / max(float(elev_m.std()), 1e-3)
    forest = fractal_noise(rng, shape, [350, 110, 30, 10], [1.0, 0.6, 0.4, 0.2]) - 0.45 * relief
    ridge = fractal_noise(rng, shape, [500, 120], [1.0, 0.5]) + 0.7 * relief
    dryness = fractal_noise(rng, shape, [90, 25], [1.0, 0.5])
    cover = np.full(shape, Cover.PASTURE, np.uint8)
    mix = np.clip(0.45 + 0.3 * dryness, 0, 1)
    is_ridge = ridge > 1.15
    cover[is_ridge] = Cover.CERRADO
    mix[is_ridge] = np.clip(0.2 + 0.5 * (ridge[is_ridge] - 1.15), 0, 1)
    is_forest = forest > 0.8
    cover[is_forest] = Cover.FOREST
    mix[is_forest] = np.clip(0.5 + 0.4 * dryness[is_forest], 0, 1)
    scattered = (fine_texture(rng, shape, 1.0) > 2.3) & (cover == Cover.PASTURE)
    cover[scattered] = Cover.FOREST
    mix[scattered] = 0.4
    return cover, mix.astype(np.float32)


def _strip_lookup(
    rng: np.random.Generator, extent: float, low: float, high: float, bins_per_px: int
) -> tuple[np.ndarray, np.ndarray]:
    """Strips of random width ``low``..``high`` over [-extent, extent]: per fine bin, strip index and start."""
    edges = -extent + np.cumsum(rng.uniform(low, high, int(2 * extent / low) + 2))
    centres = -extent + (np.arange(int(2 * extent * bins_per_px)) + 0.5) / bins_per_px
    index = np.searchsorted(edges, centres)
    start = np.concatenate([[-extent], edges])[index].astype(np.float32)
    return index.astype(np.int32), start


def _parcel_grid(rng: np.random.Generator, size: int, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Parcel number and distance to the parcel's lower edges, on a rotated grid of random-width strips.

    Strip membership is read from a lookup table on quarter-pixel bins: much faster than a per-pixel search.
    """
    bins = 4
    extent = 1.5 * size
    u_index, u_start = _strip_lookup(rng, extent, 20, 100, bins)
    v_index, v_start = _strip_lookup(rng, extent, 15, 70, bins)
    axis = np.arange(size, dtype=np.float32)
    cos_a, sin_a = np.float32(np.cos(angle)), np.float32(np.sin(angle))
    u = axis[None, :] * cos_a + axis[:, None] * sin_a
    v = axis[:, None] * cos_a - axis[None, :] * sin_a
    u += np.float32(extent)
    u *= np.float32(bins)
    v += np.float32(extent)
    v *= np.float32(bins)
    ub, vb = u.astype(np.int32), v.astype(np.int32)
    u /= np.float32(bins)
    v /= np.float32(bins)
    u -= np.float32(extent)
    v -= np.float32(extent)
    edge_dist = np.minimum(u - u_start[ub], v - v_start[vb])
    parcel = u_index[ub]
    parcel *= int(v_index.max()) + 1
    parcel += v_index[vb]
    return parcel, edge_dist


def _parcel_mean(parcel: np.ndarray, field: np.ndarray) -> np.ndarray:
    """Mean of ``field`` over each parcel, indexed by parcel number."""
    counts = np.bincount(parcel.ravel())
    sums = np.bincount(parcel.ravel(), weights=field.ravel(), minlength=len(counts))
    return sums / np.maximum(counts, 1)


def paint_parcels(rng: np.random.Generator, canvas: Canvas) -> np.ndarray:
    """Overlay farm zones of straight-edged parcels (crops, bare or ploughed soil, pasture, eucalyptus).

    Whole parcels join a zone, so farm land ends along field edges. Returns the farm-zone mask, where farm dams
    and centre pivots belong.
    """
    size = canvas.cover.shape[0]
    zone_field = smooth_noise(rng, (size, size), 350)
    selector = smooth_noise(rng, (size, size), 700)
    first_angle = rng.uniform(0, np.pi / 2)
    classes = np.array([Cover.CROP, Cover.SOIL, Cover.PASTURE, Cover.FOREST, Cover.CERRADO], np.uint8)
    farm = np.zeros((size, size), bool)
    for k, angle in enumerate((first_angle, first_angle + rng.uniform(0.3, 0.9))):
        parcel, edge_dist = _parcel_grid(rng, size, angle)
        chosen = _parcel_mean(parcel, zone_field) > 0.5
        side = _parcel_mean(parcel, selector)
        chosen &= side > 0 if k == 0 else side <= 0
        region = chosen[parcel] & ~farm
        n = len(chosen)
        kind = classes[rng.choice(len(classes), n, p=[0.3, 0.32, 0.22, 0.1, 0.06])]
        mix = rng.uniform(0, 1, n).astype(np.float32)
        mix[kind == Cover.FOREST] = 0.15
        bright = rng.uniform(0.92, 1.08, n).astype(np.float32)
        inside = region & (edge_dist >= 1.0)
        idx = parcel[inside]
        canvas.cover[inside] = kind[idx]
        canvas.mix[inside] = mix[idx]
        canvas.bright[inside] = bright[idx]
        border = region & (edge_dist < 1.0)
        canvas.cover[border] = Cover.PASTURE
        canvas.mix[border] = 0.5
        farm |= region
    return farm


def paint_rivers(rng: np.random.Generator, canvas: Canvas, rivers: list[River]) -> None:
    """Gallery forest along the banks, then the sediment-laden river water."""
    if not rivers:
        return
    shape = canvas.cover.shape
    gallery = burn([rv.polygon.buffer(rng.uniform(3, 8)) for rv in rivers], shape)
    patchy = smooth_noise(rng, shape, 12) > -0.9
    trees = gallery & patchy & (canvas.cover != Cover.URBAN) & (canvas.cover != Cover.ASPHALT)
    canvas.cover[trees] = Cover.FOREST
    canvas.mix[trees] = 0.6
    water = burn([rv.polygon for rv in rivers], shape)
    canvas.cover[water] = Cover.RIVER
    canvas.mix[water] = np.clip(0.3 + 0.25 * smooth_noise(rng, shape, 40), 0, 1)[water]


def plan_roads(
    rng: np.random.Generator, size: int, towns: list[tuple[float, float]], sites: list[tuple[float, float]]
) -> tuple[list[LineString], list[LineString]]:
    """Paved highways through the towns, and dirt roads to every site and along a few farm tracks.

    Points are (row, col); returned lines are in (col, row) pixel coordinates.
    """
    axis = rng.uniform(0, np.pi)
    direction = np.array([np.cos(axis), np.sin(axis)])
    stops = sorted((np.array([c, r]) for r, c in towns), key=lambda p: float(p @ direction))
    centre = np.array([size / 2, size / 2])
    ends = [centre - direction * size, centre + direction * size]
    chain = [ends[0], *stops, ends[1]] if stops else [ends[0], centre + rng.normal(0, size / 6, 2), ends[1]]
    highways = [
        wiggly_path(rng, a, b, 0.05 * float(np.hypot(*(b - a))) + 10.0)
        for a, b in zip(chain[:-1], chain[1:], strict=True)
    ]
    roads = list(highways)
    dirt: list[LineString] = []
    for r, c in sites:
        dirt.append(_branch(rng, roads, np.array([c, r])))
        roads.append(dirt[-1])
    for _ in range(int(rng.integers(4, 9)) * max(1, size // 1536)):
        dirt.append(_branch(rng, roads, rng.uniform(0, size, 2)))
        roads.append(dirt[-1])
    return highways, dirt


def _branch(rng: np.random.Generator, roads: list[LineString], start_xy: np.ndarray) -> LineString:
    """A dirt road from ``start_xy`` to the nearest point of the existing roads, with a bend or a dog-leg."""
    goal = np.array(nearest_points(MultiLineString(roads), Point(*start_xy))[0].coords[0])
    length = float(np.hypot(*(goal - start_xy)))
    if rng.random() < 0.4 and length > 60:
        corner = np.array([goal[0], start_xy[1]]) if rng.random() < 0.5 else np.array([start_xy[0], goal[1]])
        return LineString(
            [
                *wiggly_path(rng, start_xy, corner, 0.03 * length).coords,
                *wiggly_path(rng, corner, goal, 0.03 * length).coords[1:],
            ]
        )
    return wiggly_path(rng, start_xy, goal, float(np.clip(0.06 * length, 3, 40)))


def paint_roads(canvas: Canvas, highways: list[LineString], dirt: list[LineString]) -> None:
    """Burn dirt roads (red earth, 1-2 px) then paved highways (2 px) into the canvas."""
    shape = canvas.cover.shape
    tracks = burn([ln.buffer(0.75) for ln in dirt], shape)
    canvas.cover[tracks] = Cover.DIRT_ROAD
    canvas.mix[tracks] = 0.3
    paved = burn([ln.buffer(1.05) for ln in highways], shape)
    canvas.cover[paved] = Cover.ASPHALT
    canvas.mix[paved] = 0.0
