"""Labelled patches cut from synthetic training scenes, for the discovery and the impact models.

Sampling is pure (centres per class); writing puts each patch in ``<root>/<class>/s<k>_<nnnn>.tif`` with the source
scene in the ``MINESCAN_SOURCE_SCENE`` tag, so patches can be grouped by scene for cross-validation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from core.demo.geotiff import write_patch
from core.demo.scene import SyntheticScene
from core.demo.spectra import VEGETATION_CLASSES, Cover
from core.scan.grid import IMPACT_PATCH_PX, WINDOW_PX
from core.training.patches import SOURCE_SCENE_TAG

DISCOVERY_PATCH_PX = WINDOW_PX
#: Negatives for the discovery model stay at least this far (500 m) from any target, so few show one at all.
NEGATIVE_CLEARANCE_PX = 50
#: 'No ore' impact patches keep this far from targets, so the 21 px window holds none of them.
NO_ORE_CLEARANCE_PX = 15
_MIN_VALID_SHARE = 0.9


@dataclass(frozen=True)
class PatchSpot:
    """Where to cut one patch: its class and its centre pixel."""

    class_name: str
    row: int
    col: int


Picker = Callable[[np.random.Generator], tuple[int, int] | None]


@dataclass(frozen=True)
class SceneIndex:
    """Per-scene lookups for sampling: pixels of each feature and distance to the nearest target."""

    scene: SyntheticScene
    feature_pixels: dict[int, np.ndarray]
    target_distance_px: np.ndarray

    @classmethod
    def build(cls, scene: SyntheticScene) -> SceneIndex:
        """Index ``scene`` (one pass over its site layer, one distance transform)."""
        flat = scene.site_map.ravel()
        order = np.argsort(flat, kind="stable")
        values = flat[order]
        starts = np.searchsorted(values, np.arange(1, len(scene.features) + 2))
        pixels = {i: order[starts[i] : starts[i + 1]] for i in range(len(scene.features))}
        distance = ndimage.distance_transform_edt(scene.target_mask == 0).astype(np.float32)
        return cls(scene, pixels, distance)

    def fits(self, flat_index: int, size: int) -> bool:
        """True when a ``size`` patch centred on the pixel lies inside the scene and is mostly valid."""
        rows, cols = self.scene.valid.shape
        r, c = divmod(int(flat_index), cols)
        half = size // 2
        if not (half <= r < rows - half and half <= c < cols - half):
            return False
        window = self.scene.valid[r - half : r + half + 1, c - half : c + half + 1]
        return bool(window[half, half]) and float(window.mean()) >= _MIN_VALID_SHARE


def _pick_from(index: SceneIndex, candidates: np.ndarray, size: int, tries: int = 50) -> Picker:
    def pick(rng: np.random.Generator) -> tuple[int, int] | None:
        if candidates.size == 0:
            return None
        for _ in range(tries):
            flat = int(candidates[int(rng.integers(candidates.size))])
            if index.fits(flat, size):
                return divmod(flat, index.scene.valid.shape[1])
        return None

    return pick


def feature_picker(index: SceneIndex, kinds: Sequence[str], size: int) -> Picker:
    """Random pixel inside a random feature of one of ``kinds``."""
    pickers = [
        _pick_from(index, index.feature_pixels[i], size) for i, f in enumerate(index.scene.features) if f.kind in kinds
    ]

    def pick(rng: np.random.Generator) -> tuple[int, int] | None:
        if not pickers:
            return None
        return pickers[int(rng.integers(len(pickers)))](rng)

    return pick


def cover_picker(index: SceneIndex, classes: Sequence[Cover], size: int, clearance_px: float) -> Picker:
    """Random pixel of the given cover classes at least ``clearance_px`` from any target."""
    ok = np.isin(index.scene.cover, np.asarray(classes, np.uint8)) & (index.target_distance_px >= clearance_px)
    return _pick_from(index, np.flatnonzero(ok & index.scene.valid), size)


def background_picker(index: SceneIndex, size: int, clearance_px: float) -> Picker:
    """Random valid pixel at least ``clearance_px`` from any target."""
    ok = (index.target_distance_px >= clearance_px) & index.scene.valid
    return _pick_from(index, np.flatnonzero(ok), size)


def draw(rng: np.random.Generator, class_name: str, pickers: Sequence[Picker], n: int) -> list[PatchSpot]:
    """``n`` spots taken in turn from ``pickers``; a picker that keeps finding nothing is dropped."""
    spots: list[PatchSpot] = []
    active = list(pickers)
    failures = [0] * len(active)
    k = 0
    while len(spots) < n and active:
        i = k % len(active)
        found = active[i](rng)
        k += 1
        if found is not None:
            failures[i] = 0
            spots.append(PatchSpot(class_name, int(found[0]), int(found[1])))
            continue
        failures[i] += 1
        if failures[i] >= 5:
            del active[i], failures[i]
    return spots


def discovery_spots(rng: np.random.Generator, index: SceneIndex, n_mine: int, n_not_mine: int) -> list[PatchSpot]:
    """Mine patches centred in targets; not-mine patches two thirds on confusers and look-alikes, the rest anywhere."""
    size = DISCOVERY_PATCH_PX
    clear = NEGATIVE_CLEARANCE_PX
    mines = draw(rng, "mine", [feature_picker(index, ("open_pit_mine", "tailings_dam", "sand_pit"), size)], n_mine)
    # Towns and bare or ploughed fields are where a mine detector cries wolf most, so they get the most turns.
    lookalikes = [
        feature_picker(index, ("irrigation_dam",), size),
        feature_picker(index, ("river_bank",), size),
        feature_picker(index, ("natural_lake",), size),
        cover_picker(index, (Cover.URBAN,), size, clear),
        cover_picker(index, (Cover.URBAN, Cover.INDUSTRIAL), size, clear),
        cover_picker(index, (Cover.SOIL,), size, clear),
        cover_picker(index, (Cover.SOIL, Cover.CROP), size, clear),
        cover_picker(index, (Cover.RIVER,), size, clear),
    ]
    n_lookalike = (2 * n_not_mine) // 3
    others = draw(rng, "not_mine", lookalikes, n_lookalike)
    others += draw(rng, "not_mine", [background_picker(index, size, clear)], n_not_mine - len(others))
    return mines + others


def impact_spots(rng: np.random.Generator, index: SceneIndex, n_high: int, n_low: int, n_none: int) -> list[PatchSpot]:
    """High impact in open pits and tailings, low impact in sand pits, no ore on land cover and confusers."""
    size = IMPACT_PATCH_PX
    clear = NO_ORE_CLEARANCE_PX
    high = [feature_picker(index, ("open_pit_mine",), size), feature_picker(index, ("tailings_dam",), size)]
    none = [
        cover_picker(index, VEGETATION_CLASSES, size, clear),
        cover_picker(index, (Cover.SOIL,), size, clear),
        cover_picker(index, (Cover.RIVER, Cover.CLEAN_WATER), size, clear),
        cover_picker(index, (Cover.URBAN,), size, clear),
        feature_picker(index, ("river_bank",), size),
        feature_picker(index, ("irrigation_dam",), size),
    ]
    return (
        draw(rng, "high_impact", high, n_high)
        + draw(rng, "low_impact", [feature_picker(index, ("sand_pit",), size)], n_low)
        + draw(rng, "no_ore", none, n_none)
    )


def write_spots(
    root: Path, scene: SyntheticScene, scene_index: int, spots: Sequence[PatchSpot], size: int, workers: int = 2
) -> dict[str, int]:
    """Write each spot's patch to ``root/<class>/s<k>_<nnnn>.tif``; returns the count per class."""
    counters: dict[str, int] = {}
    jobs = []
    for spot in spots:
        n = counters.get(spot.class_name, 0)
        counters[spot.class_name] = n + 1
        jobs.append((root / spot.class_name / f"s{scene_index}_{n:04d}.tif", spot))
    half = size // 2
    tags = {SOURCE_SCENE_TAG: f"img_{scene_index}"}

    def run(job: tuple[Path, PatchSpot]) -> None:
        path, spot = job
        r0, c0 = spot.row - half, spot.col - half
        window = np.ascontiguousarray(scene.dn[:, r0 : r0 + size, c0 : c0 + size])
        write_patch(path, window, scene.transform, r0, c0, scene.crs, {**tags, "MINESCAN_CLASS": spot.class_name})

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(run, jobs))
    return counters
