"""The demo's second period: the same land a year later, with grown pits, a new tailings dam and a field sown.

It starts from the layers of the first period (:func:`core.demo.scene.build_layers`) and changes only what a year
changes: the largest open pits are dug wider around their centre, a tailings dam is built on empty land far from
every other site, and a bare field the discovery model mistakes for a mine is sown. The grid, the terrain, every
other site, the light and the sensor noise stay as they were, so every difference between the two scenes is a
change on the ground. (A new haze field alone moves the shipped model's site outlines by a cell or two, which would
blur what the demo shows.)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import ndimage

from core.demo import layout as lay
from core.demo.planting import PlantedFeature, build_site, mask_centre, mask_polygon, plant
from core.demo.scene import SceneLayers
from core.demo.spectra import Cover
from core.demo.stamps import Canvas

#: Footprint area of a growing pit in the second period, as a multiple of the first.
GROWTH_AREA_FACTOR = 1.5
#: How many open pits grow, largest first (big operations expand; smaller growth is below the 270 m cell).
GROWING_PITS = 3
#: Least distance in pixels between the new dam and every other site (2 km); a small scene falls back to its gap.
NEW_DAM_GAP_PX = 200.0
#: Kind and ID of the field that is bare in the first period and sown in the second (not a planted site).
BARE_FIELD_KIND = "bare_field"
BARE_FIELD_ID = "F01"
#: A point (EPSG:32723) on the bare field of the default demo (seed 7, 3072 px) that the shipped discovery model
#: takes for a mine in the first period. Elsewhere, or when no bare field lies there, the largest bare field far
#: from every site is the one sown.
DEMO_FALSE_ALARM_XY: tuple[float, float] = (631_300.0, 7_777_100.0)
#: Least free margin in pixels around a grown pit (it may swallow roads, never another site or nodata).
_GROWTH_CLEARANCE_PX = 12
_STREAM = 2025


@dataclass(frozen=True)
class PeriodChanges:
    """What changed between two periods: IDs of the grown and the new sites, the features gone (with their earlier
    outlines), and every feature of the earlier period."""

    grown: tuple[str, ...]
    new: tuple[str, ...]
    gone: tuple[PlantedFeature, ...]
    earlier: tuple[PlantedFeature, ...]


def later_layers(
    layers: SceneLayers, false_alarm_xy: tuple[float, float] | None = DEMO_FALSE_ALARM_XY
) -> tuple[SceneLayers, PeriodChanges]:
    """The layers of the second period and what changed; ``layers`` is left as it is.

    Args:
        layers: the first period's layers.
        false_alarm_xy: a point on the bare field to sow (scene CRS); None, or no bare field there: the largest
            bare field far from every site.
    """
    rng = np.random.default_rng([layers.seed, _STREAM])
    canvas = _copy(layers.canvas)
    features = list(layers.features)
    grown = _grow_largest_pits(canvas, layers.ground_m, features)
    placed = [_widened(p) for p in layers.placements]
    field = _bare_field(canvas, layers, placed, false_alarm_xy)
    gone: tuple[PlantedFeature, ...] = ()
    if field is not None:
        gone = (_sow(rng, canvas, field),)
        placed.append(_disc_of(gone[0]))
    dam = _new_dam(rng, canvas, layers, placed, features)
    new: tuple[str, ...] = ()
    if dam is not None:
        features.append(dam)
        new = (dam.site_id,)
    later = replace(layers, canvas=canvas, features=tuple(features))
    return later, PeriodChanges(grown=grown, new=new, gone=gone, earlier=layers.features)


def _copy(canvas: Canvas) -> Canvas:
    return Canvas(
        cover=canvas.cover.copy(),
        mix=canvas.mix.copy(),
        bright=canvas.bright.copy(),
        elev_m=canvas.elev_m.copy(),
        valid=canvas.valid.copy(),
        site=canvas.site.copy(),
    )


def _grow_largest_pits(canvas: Canvas, ground_m: np.ndarray, features: list[PlantedFeature]) -> tuple[str, ...]:
    """Grow the :data:`GROWING_PITS` largest open pits in place; returns the IDs of those that grew."""
    pits = sorted(
        (i for i, f in enumerate(features) if f.kind == "open_pit_mine"), key=lambda i: (-features[i].area_px, i)
    )
    grown = []
    for i in pits[:GROWING_PITS]:
        bigger = _grow(canvas, ground_m, features[i], i + 1)
        if bigger is not None:
            features[i] = bigger
            grown.append(bigger.site_id)
    return tuple(sorted(grown))


def _grow(canvas: Canvas, ground_m: np.ndarray, feature: PlantedFeature, value: int) -> PlantedFeature | None:
    """Zoom the site's pixels by ``sqrt(GROWTH_AREA_FACTOR)`` around their centre and paint the zoomed footprint.

    The pit keeps its depth below the ground it now covers. None (nothing painted) when the grown footprint would
    come near another site, nodata or the scene edge.
    """
    factor = float(np.sqrt(GROWTH_AREA_FACTOR))
    minx, miny, maxx, maxy = feature.polygon_px.bounds
    centre_r, centre_c = (miny + maxy) / 2.0, (minx + maxx) / 2.0
    centre_rc = (centre_r, centre_c)
    reach = factor * float(np.hypot(maxx - minx, maxy - miny)) / 2.0 + _GROWTH_CLEARANCE_PX + 2
    r0, c0 = int(np.floor(centre_r - reach)), int(np.floor(centre_c - reach))
    r1, c1 = int(np.ceil(centre_r + reach)), int(np.ceil(centre_c + reach))
    rows, cols = canvas.site.shape
    if r0 < 0 or c0 < 0 or r1 > rows or c1 > cols:
        return None
    win = (slice(r0, r1), slice(c0, c1))
    site = canvas.site[win]
    coords = _zoom_coords(win, centre_rc, factor)
    zoomed = ndimage.map_coordinates((site == value).astype(np.uint8), coords, order=0) > 0
    blocked = ((site != 0) & (site != value)) | ~canvas.valid[win]
    if (zoomed & ndimage.binary_dilation(blocked, iterations=_GROWTH_CLEARANCE_PX)).any():
        return None
    depth = canvas.elev_m[win] - ground_m[win]
    for layer, order in ((canvas.cover, 0), (canvas.bright, 0), (canvas.mix, 1)):
        layer[win][zoomed] = ndimage.map_coordinates(layer[win], coords, order=order, mode="nearest")[zoomed]
    lowered = ground_m[win] + ndimage.map_coordinates(depth, coords, order=1, mode="nearest")
    canvas.elev_m[win][zoomed] = lowered[zoomed]
    site[zoomed] = value
    footprint = site == value
    return replace(
        feature,
        polygon_px=mask_polygon(footprint, r0, c0),
        centre_rc=mask_centre(footprint, r0, c0),
        area_px=int(footprint.sum()),
    )


def _zoom_coords(win: tuple[slice, slice], centre_rc: tuple[float, float], factor: float) -> np.ndarray:
    """Index coordinates (within the window) of the earlier pixel each pixel of ``win`` shows after the zoom."""
    rr, cc = np.mgrid[win].astype(np.float32)
    r0, c0 = win[0].start, win[1].start
    rows = centre_rc[0] + (rr + 0.5 - centre_rc[0]) / factor - 0.5 - r0
    cols = centre_rc[1] + (cc + 0.5 - centre_rc[1]) / factor - 0.5 - c0
    return np.stack([rows, cols])


def _widened(spot: lay.Placement) -> lay.Placement:
    """An open pit's disc as large as it may have grown (the new dam keeps its distance from the grown pit)."""
    if spot.kind != "open_pit_mine":
        return spot
    return replace(spot, radius_px=spot.radius_px * float(np.sqrt(GROWTH_AREA_FACTOR)))


def _bare_field(
    canvas: Canvas, layers: SceneLayers, placed: list[lay.Placement], xy: tuple[float, float] | None
) -> np.ndarray | None:
    """The bare-soil field at ``xy``, else the largest one at least the gap from every site; None when none."""
    labels, n = ndimage.label(canvas.cover == Cover.SOIL)
    if n == 0:
        return None
    if xy is not None:
        col, row = ~layers.transform @ xy
        r, c = int(np.floor(row)), int(np.floor(col))
        if 0 <= r < labels.shape[0] and 0 <= c < labels.shape[1] and labels[r, c] > 0:
            return labels == labels[r, c]
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    boxes = ndimage.find_objects(labels)
    for label in np.argsort(-sizes, kind="stable")[: min(n, 50)]:
        box = boxes[label - 1]
        local = labels[box] == label
        if not canvas.valid[box][local].all():
            continue
        spot = _disc_of_mask(local, box[0].start, box[1].start)
        if all(
            np.hypot(spot.centre_rc[0] - p.centre_rc[0], spot.centre_rc[1] - p.centre_rc[1])
            >= spot.radius_px + p.radius_px + layers.rules.gap_px
            for p in placed
            if p.kind not in ("town", "pivot")
        ):
            field = np.zeros(labels.shape, bool)
            field[box] = local
            return field
    return None


def _disc_of_mask(mask: np.ndarray, row0: int, col0: int) -> lay.Placement:
    rows, cols = np.nonzero(mask)
    rows, cols = rows + row0, cols + col0
    r, c = float(rows.mean()) + 0.5, float(cols.mean()) + 0.5
    radius = float(np.hypot(rows + 0.5 - r, cols + 0.5 - c).max()) + 1.0
    return lay.Placement(BARE_FIELD_KIND, (r, c), radius)


def _disc_of(feature: PlantedFeature) -> lay.Placement:
    minx, miny, maxx, maxy = feature.polygon_px.bounds
    radius = float(np.hypot(maxx - minx, maxy - miny)) / 2.0
    return lay.Placement(feature.kind, ((miny + maxy) / 2.0, (minx + maxx) / 2.0), radius)


def _sow(rng: np.random.Generator, canvas: Canvas, field: np.ndarray) -> PlantedFeature:
    """Turn the bare field into a green crop; returns the field as it was (the feature that disappears)."""
    box = ndimage.find_objects(field.astype(np.uint8))[0]
    local = field[box]
    r0, c0 = box[0].start, box[1].start
    gone = PlantedFeature(
        site_id=BARE_FIELD_ID,
        kind=BARE_FIELD_KIND,
        target=False,
        impact=None,
        polygon_px=mask_polygon(local, r0, c0),
        centre_rc=mask_centre(local, r0, c0),
        area_px=int(local.sum()),
    )
    canvas.cover[box][local] = Cover.CROP
    canvas.mix[box][local] = np.float32(rng.uniform(0.05, 0.2))
    return gone


def _new_dam(
    rng: np.random.Generator,
    canvas: Canvas,
    layers: SceneLayers,
    placed: list[lay.Placement],
    features: list[PlantedFeature],
) -> PlantedFeature | None:
    """Build a tailings dam on land far from every site, on valid pixels; None when the scene has no room."""
    size = layers.rules.size
    n_targets = sum(f.target for f in features)
    for gap in (max(NEW_DAM_GAP_PX, layers.rules.gap_px), layers.rules.gap_px):
        rules = replace(layers.rules, gap_px=gap)
        for _ in range(5):
            spot = lay.place(
                rng, rules, placed, list(layers.rivers), "tailings_dam", lay.uniform_proposer("tailings_dam", size)
            )
            if spot is None:
                break
            stamp = build_site(rng, spot, canvas.elev_m)
            h, w = stamp.shape
            if stamp.row0 < 0 or stamp.col0 < 0 or stamp.row0 + h > size or stamp.col0 + w > size:
                continue
            win = (slice(stamp.row0, stamp.row0 + h), slice(stamp.col0, stamp.col0 + w))
            if (stamp.footprint & ~canvas.valid[win]).any() or (stamp.footprint & (canvas.site[win] > 0)).any():
                continue
            return plant(canvas, stamp, len(features) + 1, spot, f"T{n_targets + 1:02d}")
    return None
