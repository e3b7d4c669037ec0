"""Line features in pixel coordinates (x = col, y = row): meandering rivers and wiggly roads."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import substring


@dataclass(frozen=True)
class River:
    """A river centreline with its width; ``polygon`` is the water surface."""

    line: LineString
    width_px: float
    polygon: Polygon

    def frame_at(self, distance_px: float) -> tuple[np.ndarray, np.ndarray, float]:
        """Point, unit tangent and signed curvature (1/px) at ``distance_px`` along the centreline."""
        step = 6.0
        p0 = np.array(self.line.interpolate(max(distance_px - step, 0)).coords[0])
        p1 = np.array(self.line.interpolate(distance_px).coords[0])
        p2 = np.array(self.line.interpolate(min(distance_px + step, self.line.length)).coords[0])
        t_in, t_out = p1 - p0, p2 - p1
        tangent = (p2 - p0) / max(float(np.linalg.norm(p2 - p0)), 1e-6)
        cross = t_in[0] * t_out[1] - t_in[1] * t_out[0]
        curvature = float(cross / max(np.linalg.norm(t_in) * np.linalg.norm(t_out) * step, 1e-6))
        return p1, tangent, curvature


def _edge_point(rng: np.random.Generator, size: int, side: int) -> np.ndarray:
    along = rng.uniform(0.15, 0.85) * size
    return np.array([[along, -5.0], [size + 5.0, along], [along, size + 5.0], [-5.0, along]][side])


def meander(
    rng: np.random.Generator, start_xy: np.ndarray, goal_xy: np.ndarray, size: int, step_px: float = 3.0
) -> LineString:
    """A meandering path from ``start_xy`` that drifts towards ``goal_xy`` and stops there or off the scene."""
    waves = [(rng.uniform(160, 340), rng.uniform(0, 2 * np.pi)), (rng.uniform(50, 110), rng.uniform(0, 2 * np.pi))]
    swell_px, amplitude = rng.uniform(600, 1400), rng.uniform(0.5, 0.85)
    drift = 0.0
    pos = start_xy.astype(float)
    points = [pos.copy()]
    for i in range(int(6 * size / step_px)):
        to_goal = goal_xy - pos
        dist = float(np.hypot(*to_goal))
        if dist < step_px * 2:
            points.append(goal_xy.astype(float))
            break
        s = i * step_px
        drift = 0.98 * drift + rng.normal(0, 0.06)
        wiggle = np.sin(2 * np.pi * s / waves[0][0] + waves[0][1]) + 0.45 * np.sin(
            2 * np.pi * s / waves[1][0] + waves[1][1]
        )
        strength = amplitude * (0.6 + 0.4 * np.sin(2 * np.pi * s / swell_px))
        heading = np.arctan2(to_goal[1], to_goal[0]) + strength * wiggle + drift
        pos = pos + step_px * np.array([np.cos(heading), np.sin(heading)])
        points.append(pos.copy())
        if i > 10 and not (-20 <= pos[0] <= size + 20 and -20 <= pos[1] <= size + 20):
            break
    return LineString(points)


def river_polygon(rng: np.random.Generator, line: LineString, width_px: float) -> Polygon:
    """Water surface of a river whose width varies smoothly by up to a quarter along its course."""
    pieces = []
    n = max(2, int(line.length // 60))
    phase = rng.uniform(0, 2 * np.pi)
    for k in range(n):
        part = substring(line, k * line.length / n, (k + 1) * line.length / n)
        width = width_px * (1.0 + 0.25 * np.sin(2 * np.pi * k / 7 + phase))
        pieces.append(part.buffer(max(width, 2.0) / 2.0))
    merged = shapely.union_all(pieces)
    if merged.geom_type == "MultiPolygon":
        merged = max(merged.geoms, key=lambda g: g.area)
    return merged


def make_rivers(rng: np.random.Generator, size: int, n_tributaries: int) -> list[River]:
    """A main river crossing the scene from one side to the opposite one, and tributaries joining it."""
    side = int(rng.integers(0, 4))
    start, goal = _edge_point(rng, size, side), _edge_point(rng, size, (side + 2) % 4)
    main_width = float(rng.uniform(6.0, 10.0))
    main = meander(rng, start, goal, size)
    rivers = [River(main, main_width, river_polygon(rng, main, main_width))]
    for _ in range(n_tributaries):
        join = np.array(main.interpolate(rng.uniform(0.3, 0.7), normalized=True).coords[0])
        start = _edge_point(rng, size, int(rng.integers(0, 4)))
        if np.hypot(*(join - start)) < size * 0.3:
            continue
        line = meander(rng, start, join, size)
        width = float(rng.uniform(2.0, 4.0))
        rivers.append(River(line, width, river_polygon(rng, line, width)))
    return rivers


def wiggly_path(rng: np.random.Generator, a_xy: np.ndarray, b_xy: np.ndarray, amplitude_px: float) -> LineString:
    """A road from ``a_xy`` to ``b_xy`` that bends gently, fixed at both ends."""
    length = float(np.hypot(*(b_xy - a_xy)))
    n = max(3, int(length // 8))
    t = np.linspace(0.0, 1.0, n)
    normal = np.array([-(b_xy - a_xy)[1], (b_xy - a_xy)[0]]) / max(length, 1e-6)
    offset = np.zeros(n)
    for k in (1, 2, 3):
        offset += rng.normal(0, amplitude_px / k) * np.sin(np.pi * k * t + rng.uniform(0, 0.3))
    offset *= np.sin(np.pi * t)
    pts = a_xy[None, :] + t[:, None] * (b_xy - a_xy)[None, :] + offset[:, None] * normal[None, :]
    return LineString(pts)


def distance_to(lines: list[LineString], x: float, y: float) -> float:
    """Distance in pixels from (x, y) to the nearest of ``lines`` (inf when there are none)."""
    if not lines:
        return float("inf")
    point = Point(x, y)
    return min(line.distance(point) for line in lines)
