"""Where things go: how many sites of each kind, and random placement that keeps sites apart.

Sites are discs (centre, radius). A new disc is accepted when it stays ``edge_margin_px`` inside the scene and
keeps the required gap from every disc placed before it and from the rivers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np

from core.demo.linework import River, distance_to

#: Kinds of planted site, in the order they are placed (largest, most constrained first).
TARGET_KINDS: tuple[str, ...] = ("open_pit_mine", "tailings_dam", "sand_pit")
CONFUSER_KINDS: tuple[str, ...] = ("natural_lake", "irrigation_dam", "river_bank")
#: Radius range in pixels per kind (10 m pixels: an open pit spans 300 m to 1.5 km).
RADIUS_PX: dict[str, tuple[float, float]] = {
    "open_pit_mine": (20.0, 75.0),
    "tailings_dam": (24.0, 62.0),
    "sand_pit": (10.0, 30.0),
    "natural_lake": (16.0, 45.0),
    "irrigation_dam": (9.0, 22.0),
    "river_bank": (12.0, 28.0),
    "nodata": (50.0, 130.0),
    "town": (45.0, 125.0),
    "pivot": (22.0, 45.0),
}
_DEMO_SIZE = 3072


@dataclass(frozen=True)
class SiteCounts:
    """How many of each kind to plant (towns and pivots are background, not truth)."""

    open_pit_mine: int = 10
    tailings_dam: int = 12
    sand_pit: int = 6
    natural_lake: int = 5
    irrigation_dam: int = 7
    river_bank: int = 5
    nodata: int = 2
    town: int = 4
    pivot: int = 6

    def scaled(self, factor: float) -> SiteCounts:
        """Counts multiplied by ``factor``; every kind asked for keeps at least one."""
        values = {}
        for f in fields(self):
            n = getattr(self, f.name)
            values[f.name] = max(1, int(round(n * factor))) if n > 0 else 0
        return SiteCounts(**values)


def default_counts(size: int) -> SiteCounts:
    """The demo mix scaled to the usable area of a ``size`` x ``size`` scene."""
    usable = max(size - 200, 1) / (_DEMO_SIZE - 200)
    return SiteCounts().scaled(usable**2)


@dataclass(frozen=True)
class Placement:
    """A disc reserved for one site or settlement; ``extra`` holds kind-specific geometry."""

    kind: str
    centre_rc: tuple[float, float]
    radius_px: float
    extra: tuple[float, ...] = ()
    linked_to: int | None = None


@dataclass(frozen=True)
class Rules:
    """Spacing rules in pixels."""

    size: int
    gap_px: float
    edge_margin_px: float


def _gap(rules: Rules, a: str, b: str) -> float:
    background = ("town", "pivot")
    if a in background and b in background:
        return 20.0 if "pivot" in (a, b) else 150.0
    if a in background or b in background:
        return 15.0 if "pivot" in (a, b) else rules.gap_px / 2
    return rules.gap_px


def fits(rules: Rules, placed: list[Placement], rivers: list[River], cand: Placement) -> bool:
    """True when ``cand`` respects the margins, the gaps to ``placed`` and the distance to rivers."""
    r, c = cand.centre_rc
    margin = rules.edge_margin_px if cand.kind not in ("town", "pivot") else 10.0
    lo, hi = margin + cand.radius_px, rules.size - margin - cand.radius_px
    if not (lo <= r <= hi and lo <= c <= hi):
        return False
    for other in placed:
        need = cand.radius_px + other.radius_px + _gap(rules, cand.kind, other.kind)
        if np.hypot(r - other.centre_rc[0], c - other.centre_rc[1]) < need:
            return False
    if cand.kind in ("town", "nodata", "river_bank"):
        return True
    clearance = max((rv.width_px for rv in rivers), default=0.0) / 2 + 12.0
    return distance_to([rv.line for rv in rivers], c, r) >= cand.radius_px + clearance


Proposer = Callable[[np.random.Generator, float], Placement | None]


def place(
    rng: np.random.Generator,
    rules: Rules,
    placed: list[Placement],
    rivers: list[River],
    kind: str,
    propose: Proposer,
    attempts: int = 300,
) -> Placement | None:
    """Try random proposals for one site, shrinking it after each third of the attempts; None if none fit."""
    low, high = RADIUS_PX[kind]
    high = min(high, max(low, (rules.size - 2 * rules.edge_margin_px) / 5))
    radius = float(np.exp(rng.uniform(np.log(low), np.log(high))))
    for attempt in range(attempts):
        if attempt and attempt % (attempts // 3) == 0:
            radius = max(low * 0.7, radius * 0.75)
        cand = propose(rng, radius)
        if cand is not None and fits(rules, placed, rivers, cand):
            return cand
    return None


def uniform_proposer(kind: str, size: int) -> Proposer:
    """Proposals anywhere in the scene."""

    def propose(rng: np.random.Generator, radius: float) -> Placement:
        return Placement(kind, (rng.uniform(0, size), rng.uniform(0, size)), radius)

    return propose


def preferring(mask: np.ndarray, kind: str, tries: int = 30) -> Proposer:
    """Proposals whose centre lies where ``mask`` is True when one is found within ``tries`` draws."""
    size = mask.shape[0]

    def propose(rng: np.random.Generator, radius: float) -> Placement:
        for _ in range(tries):
            r, c = rng.uniform(0, size), rng.uniform(0, size)
            if mask[int(r), int(c)]:
                break
        return Placement(kind, (r, c), radius)

    return propose


def near_proposer(anchors: list[tuple[int, Placement]], kind: str, gap_px: float) -> Proposer:
    """Proposals just beyond the gap from one of ``anchors`` (index, placement): tailings beside a mine."""

    def propose(rng: np.random.Generator, radius: float) -> Placement | None:
        if not anchors:
            return None
        index, anchor = anchors[int(rng.integers(len(anchors)))]
        dist = anchor.radius_px + radius + gap_px + rng.uniform(2, 60)
        angle = rng.uniform(0, 2 * np.pi)
        centre = (anchor.centre_rc[0] + dist * np.sin(angle), anchor.centre_rc[1] + dist * np.cos(angle))
        return Placement(kind, centre, radius, linked_to=index)

    return propose


def river_bank_proposer(river: River) -> Proposer:
    """Proposals on the inner bank of a bend of ``river``; ``extra`` = (tangent_r, tangent_c, to_river_r,
    to_river_c, bar half width)."""

    def propose(rng: np.random.Generator, radius: float) -> Placement | None:
        dist = rng.uniform(0.05, 0.95) * river.line.length
        point, tangent, curvature = river.frame_at(dist)
        normal = np.array([-tangent[1], tangent[0]])  # (x, y), left of the flow
        inner = normal if curvature > 0 else -normal
        half_width = float(rng.uniform(3.0, min(7.0, radius / 1.5)))
        offset = river.width_px / 2 + half_width * 0.4
        centre_xy = point + inner * offset
        extra = (float(tangent[1]), float(tangent[0]), float(-inner[1]), float(-inner[0]), half_width)
        return Placement("river_bank", (float(centre_xy[1]), float(centre_xy[0])), radius, extra)

    return propose
