"""Where a training set from the register puts its windows: on registered dams (``mine``) and on background
points away from every registered dam, mine and known mining area (``not_mine``).

- Positives: every dam of the current register with coordinates (inside the regions, when regions are given); a dam
  within one pixel of an earlier one gives no second window.
- Negatives: seeded random points, inside the regions when given, else around the dams (between the minimum
  distance and ``background_radius_m`` of a random dam: the same landscapes, never the open sea); each at least
  ``min_distance_m`` from every registered dam, mine point, mine polygon and reference outline, and from each other.
- No window comes within ``place_gap_m`` of a model's frozen evaluation site.

Distances are great-circle metres (points) or metres on a local plane around each candidate (polygons). Pure:
plain data in, plain data out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.spatial import cKDTree

from core.errors import TrainingDataError
from core.imagery.geo import EARTH_RADIUS_M
from core.register.matching import PointLayer, nearest
from core.training.review_sets import BACKGROUND, MINE, NOT_MINE, on_sphere
from core.wording.translate import _, localise_number

#: The reason code of a window on a registered dam (background windows keep the review sets' ``background``).
REGISTER_DAM = "register_dam"
#: (west, south, east, north) in degrees.
Box = tuple[float, float, float, float]
_ROUNDS = 60


@dataclass(frozen=True)
class RegisteredDam:
    """A dam of the register: the store's entry id, the register's own id and name, and its point (if any)."""

    entry_id: int
    register_id: str
    name: str | None
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class RegisterLayers:
    """What the register says is there: dams, mine and reference points, and mine/reference polygons (WKT)."""

    dams: Sequence[RegisteredDam]
    mine_points: Sequence[tuple[float, float]] = ()
    area_wkts: Sequence[str] = ()


@dataclass(frozen=True)
class RegisterSetSettings:
    """How a training set from the register is laid out (see the module docstring)."""

    window_px: int = 201
    pixel_m: float = 10.0
    background: int | None = None  # None: as many background points as dam windows
    min_distance_m: float = 2_000.0
    background_radius_m: float = 10_000.0
    #: Windows closer than this share a place (split together). Over a window's diagonal (2.84 km), so windows of
    #: different places never overlap.
    place_gap_m: float = 3_000.0
    max_window_nodata: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        if self.window_px < 1 or self.window_px % 2 == 0:
            raise ValueError(_("window_px must be a positive odd number; got {value}").format(value=self.window_px))
        if self.background is not None and self.background < 0:
            raise ValueError(_("background must be 0 or more; got {value}").format(value=self.background))
        if self.min_distance_m < self.half_diagonal_m:
            message = _("the minimum distance from dams must be at least {least} km (half the diagonal of a {window} "
                        "km window), or a background window could hold a registered dam; got {given} km")  # fmt: skip
            raise ValueError(
                message.format(
                    least=localise_number(f"{self.half_diagonal_m / 1000:.2f}"),
                    window=localise_number(f"{self.window_px * self.pixel_m / 1000:.2f}"),
                    given=localise_number(f"{self.min_distance_m / 1000:g}"),
                )
            )
        if self.background_radius_m <= self.min_distance_m:
            message = _("background_radius_m must exceed min_distance_m; got {radius} and {distance}")
            raise ValueError(message.format(radius=self.background_radius_m, distance=self.min_distance_m))
        if not 0 <= self.max_window_nodata < 1:
            raise ValueError(_("max_window_nodata must be in [0, 1); got {value}").format(value=self.max_window_nodata))

    @property
    def half_diagonal_m(self) -> float:
        """Half a window's diagonal on the ground."""
        return self.window_px * self.pixel_m / 2 * math.sqrt(2)


@dataclass(frozen=True)
class SamplePoint:
    """A window centre to fetch: class, reason, and where it came from (the dam, or the distance to the nearest)."""

    lon: float
    lat: float
    label: str
    reason: str
    entry_id: int | None = None
    register_id: str | None = None
    name: str | None = None
    nearest_dam: str | None = None
    nearest_dam_m: float | None = None


@dataclass(frozen=True)
class PointPlan:
    """The windows to fetch and the dams left out (each ``{"dam": ..., "why": ...}``)."""

    positives: tuple[SamplePoint, ...]
    negatives: tuple[SamplePoint, ...]
    skipped: tuple[dict[str, object], ...] = ()
    dams_outside: int = 0
    boxes: tuple[Box, ...] = field(default_factory=tuple)

    @property
    def points(self) -> tuple[SamplePoint, ...]:
        """Positives, then negatives."""
        return self.positives + self.negatives


def _inside(lon: np.ndarray, lat: np.ndarray, boxes: Sequence[Box]) -> np.ndarray:
    out = np.zeros(len(lon), dtype=bool)
    for w, s, e, n in boxes:
        out |= (lon >= w) & (lon <= e) & (lat >= s) & (lat <= n)
    return out


def _far_from(lon: np.ndarray, lat: np.ndarray, points: Sequence[tuple[float, float]], min_m: float) -> np.ndarray:
    if not len(points) or not len(lon):
        return np.ones(len(lon), dtype=bool)
    layer = PointLayer(np.arange(len(points)), np.array([p[0] for p in points]), np.array([p[1] for p in points]))
    return nearest(lon, lat, layer)[1] >= min_m


def dam_points(layers: RegisterLayers, boxes: Sequence[Box] = (), avoid: Sequence[tuple[float, float]] = (),
               settings: RegisterSetSettings | None = None) -> PointPlan:  # fmt: skip
    """The positive windows: the register's dams with coordinates, inside ``boxes`` if any, none within
    ``place_gap_m`` of an ``avoid`` point (frozen evaluation sites), one per pixel.

    Raises:
        TrainingDataError: no dam in the register, or none with coordinates inside the regions.
    """
    settings = settings or RegisterSetSettings()
    if not layers.dams:
        raise TrainingDataError(_("the store holds no registered dam: import the ANM/SIGBM register first "
                                  "(`registry import FILE --kind dam`, or the Register page)"))  # fmt: skip
    skipped: list[dict[str, object]] = []
    located = []
    for dam in layers.dams:
        if dam.lon is None or dam.lat is None or not (math.isfinite(dam.lon) and math.isfinite(dam.lat)):
            skipped.append({"dam": dam.register_id, "name": dam.name, "why": "no_coordinates"})
        else:
            located.append(dam)
    lon = np.array([d.lon for d in located], dtype=float)
    lat = np.array([d.lat for d in located], dtype=float)
    inside = _inside(lon, lat, boxes) if boxes else np.ones(len(located), dtype=bool)
    far = _far_from(lon, lat, avoid, settings.place_gap_m)
    duplicate = _duplicates(lon, lat, inside & far, settings.pixel_m)
    taken: list[int] = []
    for i, dam in enumerate(located):
        if not inside[i]:
            continue
        why = "near_evaluation_site" if not far[i] else "duplicate_point" if duplicate[i] else None
        if why:
            skipped.append({"dam": dam.register_id, "name": dam.name, "why": why})
        else:
            taken.append(i)
    if not taken:
        if boxes:
            message = _(
                "none of the {n} registered dams with coordinates lies inside {regions} (or all are next to "
                "the model's evaluation sites): give a region that holds dams, or import a register with them"
            )
        else:
            message = _(
                "none of the {n} registered dams with coordinates lies (or all are next to the model's "
                "evaluation sites): give a region that holds dams, or import a register with them"
            )
        raise TrainingDataError(message.format(n=len(layers.dams), regions=_boxes_text(boxes)))
    positives = tuple(SamplePoint(float(lon[i]), float(lat[i]), MINE, REGISTER_DAM, located[i].entry_id,
                                  located[i].register_id, located[i].name) for i in taken)  # fmt: skip
    return PointPlan(positives, (), tuple(skipped), int((~inside).sum()), tuple(boxes))


def _duplicates(lon: np.ndarray, lat: np.ndarray, use: np.ndarray, within_m: float) -> np.ndarray:
    """True for each used point within ``within_m`` of an earlier used point that is kept."""
    out = np.zeros(len(lon), dtype=bool)
    idx = np.flatnonzero(use)
    if len(idx) < 2:
        return out
    pairs = cKDTree(on_sphere(lon[idx], lat[idx])).query_pairs(within_m, output_type="ndarray")
    for a, b in sorted((int(a), int(b)) for a, b in pairs):
        if not out[idx[a]]:
            out[idx[b]] = True
    return out


def _boxes_text(boxes: Sequence[Box]) -> str:
    return "; ".join(",".join(f"{v:g}" for v in b) for b in boxes)


def _in_boxes(rng: np.random.Generator, k: int, boxes: Sequence[Box]) -> tuple[np.ndarray, np.ndarray]:
    """``k`` points uniform by area in the boxes."""
    weights = np.array([(e - w) * abs(math.sin(math.radians(n)) - math.sin(math.radians(s))) for w, s, e, n in boxes])
    pick = rng.choice(len(boxes), size=k, p=weights / weights.sum())
    b = np.asarray(boxes, dtype=float)[pick]
    lon = b[:, 0] + rng.random(k) * (b[:, 2] - b[:, 0])
    sin_s, sin_n = np.sin(np.radians(b[:, 1])), np.sin(np.radians(b[:, 3]))
    lat = np.degrees(np.arcsin(sin_s + rng.random(k) * (sin_n - sin_s)))
    return lon, lat


def _around(rng: np.random.Generator, k: int, centres: Sequence[SamplePoint], r0: float,
            r1: float) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``k`` points uniform by area in the rings ``r0``-``r1`` metres around random ``centres``."""
    pick = rng.integers(0, len(centres), size=k)
    lon1 = np.radians([centres[i].lon for i in pick])
    lat1 = np.radians([centres[i].lat for i in pick])
    delta = np.sqrt(r0**2 + rng.random(k) * (r1**2 - r0**2)) / EARTH_RADIUS_M
    theta = rng.random(k) * 2 * math.pi
    lat2 = np.arcsin(np.sin(lat1) * np.cos(delta) + np.cos(lat1) * np.sin(delta) * np.cos(theta))
    lon2 = lon1 + np.arctan2(np.sin(theta) * np.sin(delta) * np.cos(lat1), np.cos(delta) - np.sin(lat1) * np.sin(lat2))
    return (np.degrees(lon2) + 540) % 360 - 180, np.degrees(lat2)


def area_distances_m(lon: np.ndarray, lat: np.ndarray, wkts: Sequence[str], limit_m: float) -> np.ndarray:
    """Ground distance in metres from each point to the nearest polygon (0 inside), or inf beyond ``limit_m``.

    Each point's nearby polygons are laid on a plane tangent at the point (metres east and north): exact to well
    under 1 % at the few kilometres that matter here.
    """
    out = np.full(len(lon), np.inf)
    if not len(wkts) or not len(lon):
        return out
    geoms = shapely.from_wkt(list(wkts))
    tree = shapely.STRtree(geoms)
    dlat = math.degrees(limit_m / EARTH_RADIUS_M) * 1.01
    dlon = dlat / np.maximum(np.cos(np.radians(lat)), 1e-6)
    boxes = shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
    point_idx, geom_idx = tree.query(boxes)
    for i, g in zip(point_idx, geom_idx, strict=True):
        lon0, lat0 = float(lon[i]), float(lat[i])
        k = math.radians(1) * EARTH_RADIUS_M

        def to_plane(xy: np.ndarray, lon0: float = lon0, lat0: float = lat0, k: float = k) -> np.ndarray:
            return np.column_stack([(xy[:, 0] - lon0) * k * math.cos(math.radians(lat0)), (xy[:, 1] - lat0) * k])

        metres = float(shapely.distance(shapely.transform(geoms[g], to_plane), shapely.Point(0.0, 0.0)))
        out[i] = min(out[i], metres)
    return out


def background_points(layers: RegisterLayers, positives: Sequence[SamplePoint], n: int,
                      settings: RegisterSetSettings, boxes: Sequence[Box] = (),
                      avoid: Sequence[tuple[float, float]] = ()) -> tuple[SamplePoint, ...]:  # fmt: skip
    """Up to ``n`` background window centres (see the module docstring), seeded: the same inputs give the same
    points. Each carries the nearest registered dam and its distance.

    Raises:
        TrainingDataError: ``n`` > 0 and no point could be placed (the regions are full of dams, mines or areas).
    """
    if n <= 0:
        return ()
    dams = [d for d in layers.dams if d.lon is not None and d.lat is not None]
    dam_layer = PointLayer(np.arange(len(dams)), np.array([d.lon for d in dams], float),
                           np.array([d.lat for d in dams], float))  # fmt: skip
    keep_away = list(zip(dam_layer.lon.tolist(), dam_layer.lat.tolist(), strict=True)) + list(layers.mine_points)
    rng = np.random.default_rng([settings.seed, 2])
    chosen: list[SamplePoint] = []
    chosen_xyz = np.empty((0, 3))
    min_m = settings.min_distance_m
    for _round in range(_ROUNDS):
        k = max(64, 4 * (n - len(chosen)))
        if boxes:
            lon, lat = _in_boxes(rng, k, boxes)
        else:
            lon, lat = _around(rng, k, positives, min_m, settings.background_radius_m)
        ok = _far_from(lon, lat, keep_away, min_m) & _far_from(lon, lat, avoid, settings.place_gap_m)
        ok[ok] = area_distances_m(lon[ok], lat[ok], layers.area_wkts, min_m)[:] >= min_m
        dam_i, dam_m = nearest(lon, lat, dam_layer)
        xyz = on_sphere(lon, lat)
        for j in np.flatnonzero(ok):
            if len(chosen_xyz) and np.linalg.norm(chosen_xyz - xyz[j], axis=1).min() < min_m:
                continue
            nearest_dam = dams[int(dam_i[j])].register_id if dam_i[j] >= 0 else None
            chosen.append(SamplePoint(float(lon[j]), float(lat[j]), NOT_MINE, BACKGROUND, nearest_dam=nearest_dam,
                                      nearest_dam_m=round(float(dam_m[j]), 1)))  # fmt: skip
            chosen_xyz = np.vstack([chosen_xyz, xyz[j]])
            if len(chosen) >= n:
                return tuple(chosen)
    if not chosen:
        if boxes:
            message = _(
                "no room for background windows in {regions}: every point tried lies within {distance} km "
                "of a registered dam, mine or mining area. Give a larger region or a smaller minimum distance"
            )
        else:
            message = _(
                "no room for background windows in {radius} km of the dams: every point tried lies within "
                "{distance} km of a registered dam, mine or mining area. Give a larger region or a smaller "
                "minimum distance"
            )
        raise TrainingDataError(
            message.format(
                regions=_boxes_text(boxes),
                radius=localise_number(f"{settings.background_radius_m / 1000:g}"),
                distance=localise_number(f"{min_m / 1000:g}"),
            )
        )
    return tuple(chosen)


def plan_points(layers: RegisterLayers, settings: RegisterSetSettings, boxes: Sequence[Box] = (),
                avoid: Sequence[tuple[float, float]] = ()) -> PointPlan:  # fmt: skip
    """Positives on the dams and the background, as :func:`dam_points` and :func:`background_points` choose them.

    Raises:
        TrainingDataError: no dam to use, or no room for background.
    """
    plan = dam_points(layers, boxes, avoid, settings)
    n = len(plan.positives) if settings.background is None else settings.background
    negatives = background_points(layers, plan.positives, n, settings, boxes, avoid)
    return PointPlan(plan.positives, negatives, plan.skipped, plan.dams_outside, plan.boxes)
