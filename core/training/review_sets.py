"""Training sets from reviewers' decisions: which windows of which scenes become which class, grouped by place.

- A site's decision is its latest supervisor override when there is one (a signed-off double review), else its
  latest decision. Confirmed sites give ``mine`` windows; rejected ones give ``not_mine`` windows that keep the
  reason code (hard negatives); unsure and undecided sites are left out.
- Background windows (``not_mine``, reason ``background``) come from the reviewed scenes, away from every site.
- Windows are grouped into places: windows closer than ``place_gap_m`` are always in one place, so a split by place
  never puts neighbouring windows on both sides.

Pure: plain data in, plain data out. Reading the scenes and writing the files is :mod:`core.training.review_set_files`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

MINE, NOT_MINE = "mine", "not_mine"
BACKGROUND = "background"


@dataclass(frozen=True)
class ReviewRow:
    """One row of a site's review history."""

    review_id: int
    site_id: int
    decision: str
    reason: str | None
    kind: str  # 'decision' or 'override'
    reviewer: str
    order: int  # position in time (decided_at, id), larger = later


@dataclass(frozen=True)
class DecidedSite:
    """A site with the decision a training set uses, in scene pixel coordinates (row, col of its centre)."""

    site_id: int
    scan_id: int
    review_id: int
    decision: str
    reason: str | None
    signed_off: bool
    row: int
    col: int
    cells: tuple[tuple[int, int], ...]  # extra window centres (row, col) inside the site's outline


@dataclass(frozen=True)
class Window:
    """One training window: its centre in the scene's pixels, class, reason and where it came from."""

    scan_id: int
    row: int
    col: int
    x: float  # centre in the scene's CRS
    y: float
    label: str
    reason: str
    site_id: int | None = None
    review_id: int | None = None
    place: str = ""
    lon: float = 0.0  # centre in WGS84: places are found from these, so scenes of any CRS (or UTM zone) mix
    lat: float = 0.0


@dataclass(frozen=True)
class SetSettings:
    """How windows are chosen: the window side, windows per site, background per site window, spacing."""

    window_px: int = 201
    max_windows_per_site: int = 6
    background_per_site_window: float = 1.0
    background_clearance_m: float = 1_000.0
    place_gap_m: float = 2_000.0
    max_window_nodata: float = 0.5
    seed: int = 0


def effective_decisions(rows: Iterable[ReviewRow]) -> dict[int, ReviewRow]:
    """Per site, the decision a training set uses: the latest override if any, else the latest decision."""
    best: dict[int, ReviewRow] = {}
    for row in rows:
        have = best.get(row.site_id)
        rank = (row.kind == "override", row.order)
        if have is None or rank > (have.kind == "override", have.order):
            best[row.site_id] = row
    return best


def cells_in_outline(outline_px: object, stride_px: int, limit: int) -> tuple[tuple[int, int], ...]:
    """Window centres (row, col) on a ``stride_px`` grid inside a site's outline given in pixel coordinates
    (a shapely geometry with x = col, y = row), the ones nearest the outline's centroid first, at most ``limit``."""
    import shapely

    geom = outline_px
    minx, miny, maxx, maxy = geom.bounds  # type: ignore[attr-defined]
    cols = np.arange(np.floor(minx), np.ceil(maxx) + 1, stride_px)
    rows = np.arange(np.floor(miny), np.ceil(maxy) + 1, stride_px)
    if not len(cols) or not len(rows):
        return ()
    cc, rr = np.meshgrid(cols, rows)
    inside = shapely.contains_xy(geom, cc.ravel(), rr.ravel())
    points = np.column_stack([rr.ravel()[inside], cc.ravel()[inside]])
    centre = geom.centroid  # type: ignore[attr-defined]
    order = np.argsort((points[:, 0] - centre.y) ** 2 + (points[:, 1] - centre.x) ** 2, kind="stable")
    return tuple((int(r), int(c)) for r, c in points[order][:limit])


def site_centres(site: DecidedSite, settings: SetSettings) -> list[tuple[int, int]]:
    """The window centres of a site: its centre first, then the outline's cells, at most ``max_windows_per_site``."""
    centres = [(site.row, site.col)]
    for cell in site.cells:
        if cell not in centres:
            centres.append(cell)
    return centres[: settings.max_windows_per_site]


def background_centres(
    shape: tuple[int, int],
    valid_share: Callable[[int, int], float],
    avoid: np.ndarray,
    pixel_m: float,
    n: int,
    settings: SetSettings,
    rng: np.random.Generator,
) -> list[tuple[int, int]]:
    """Up to ``n`` window centres in a scene of ``shape`` px, each ``background_clearance_m`` from every point of
    ``avoid`` ((k, 2) row, col) and from each other, where ``valid_share(row, col)`` (the share of valid pixels of
    the window centred there) allows. Seeded by ``rng``: the same inputs give the same windows."""
    half = settings.window_px // 2
    rows, cols = shape
    if rows <= 2 * half or cols <= 2 * half or n <= 0:
        return []
    clearance_px = settings.background_clearance_m / pixel_m
    chosen: list[tuple[int, int]] = []
    taken = [tuple(p) for p in np.asarray(avoid, dtype=float).reshape(-1, 2)]
    for _ in range(40 * n):
        if len(chosen) >= n:
            break
        r = int(rng.integers(half, rows - half))
        c = int(rng.integers(half, cols - half))
        if any((r - a) ** 2 + (c - b) ** 2 < clearance_px**2 for a, b in taken):
            continue
        if valid_share(r, c) < 1.0 - settings.max_window_nodata:
            continue
        chosen.append((r, c))
        taken.append((r, c))
    return chosen


#: The mean Earth radius (IUGG), for distances between WGS84 points.
EARTH_RADIUS_M = 6_371_008.8


def on_sphere(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(n, 3) points on a sphere of the Earth's radius: their straight-line distance is the ground distance
    within a few millimetres at the kilometre scale of places, whatever CRS the scenes are in."""
    lam, phi = np.radians(lon), np.radians(lat)
    return EARTH_RADIUS_M * np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def assign_places(windows: Sequence[Window], gap_m: float) -> list[Window]:
    """Name each window's place: windows closer than ``gap_m`` on the ground (directly or through a chain) share
    one place. Distances come from the windows' WGS84 centres, so scenes of different CRSs group correctly."""
    if not windows:
        return []
    xyz = on_sphere(np.array([w.lon for w in windows]), np.array([w.lat for w in windows]))
    pairs = cKDTree(xyz).query_pairs(gap_m, output_type="ndarray")
    from scipy.sparse import coo_matrix

    n = len(windows)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)) if len(pairs) else None
    labels = connected_components(graph, directed=False)[1] if graph is not None else np.arange(n)
    # Name places by their first window so that names do not depend on the component numbering.
    first: dict[int, int] = {}
    for i, label in enumerate(labels):
        first.setdefault(int(label), i)
    return [Window(**{**asdict(w), "place": f"place-{first[int(labels[i])]:05d}"}) for i, w in enumerate(windows)]


def counts(windows: Sequence[Window]) -> dict[str, object]:
    """Counts by class, by reason and the number of places, for the store and the manifest."""
    by_class: dict[str, int] = {}
    by_reason: dict[str, int] = {}
    for w in windows:
        by_class[w.label] = by_class.get(w.label, 0) + 1
        by_reason[w.reason] = by_reason.get(w.reason, 0) + 1
    return {
        "windows": len(windows),
        "by_class": dict(sorted(by_class.items())),
        "by_reason": dict(sorted(by_reason.items())),
        "places": len({w.place for w in windows}),
        "sites": len({w.site_id for w in windows if w.site_id is not None}),
    }


def fingerprint(manifest_items: Sequence[Mapping[str, object]]) -> str:
    """A short SHA-256 of the windows (their files' contents are summed in by the caller's ``sha256`` field)."""
    text = json.dumps(list(manifest_items), sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def hold_out_places(windows: Sequence[Window], share: float, seed: int) -> tuple[list[Window], list[Window]]:
    """Split off about ``share`` of the places that hold decided sites as a frozen evaluation set.

    Returns (training windows, held-out windows). Places are drawn by a seeded hash of their name, so the same set
    is held out again for the same windows. With fewer than three such places nothing is held out.
    """
    places = sorted({w.place for w in windows if w.site_id is not None})
    if share <= 0 or len(places) < 3:
        return list(windows), []
    n = max(1, int(round(share * len(places))))
    key = {p: hashlib.sha256(f"{seed}:{p}".encode()).hexdigest() for p in places}
    held = set(sorted(places, key=key.__getitem__)[:n])
    return [w for w in windows if w.place not in held], [w for w in windows if w.place in held]
