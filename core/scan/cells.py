"""Whole scenes with tailings masks as training data for the FCN: one label per output cell.

A scene cropped to ``174 + 27 k`` pixels maps to exactly ``k x k`` output cells of the discovery FCN, and the cell
grid then looks the same after a 90-degree rotation or a mirror, so labels can be augmented with their image.
Training on whole scenes is training on every 201-px window at a 27-px stride at once (each output cell is one
window, METHOD.md); it needs no "far from any mask" background windows, which real patches centred on a dam lack.
Pure numpy on top of :mod:`core.imagery.raster`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import TrainingDataError
from core.imagery.geo import pixel_size_m, to_wgs84
from core.imagery.raster import SceneInfo, open_scene, scene_reader
from core.scan.box_counts import cells_without_data, grid_box_counts, summed_area
from core.scan.grid import STRIDE_PX, WINDOW_PX, cell_bounds_px, output_cells
from core.training.patches import pair_scenes, read_mask
from core.wording.translate import _

#: Cell labels: 1 = mine, 0 = background, -1 = ignored (near a mask edge, or mostly nodata).
MINE, BACKGROUND, IGNORED = 1, 0, -1


@dataclass(frozen=True)
class CellLabelSettings:
    """How a cell is labelled from a mask (pixels).

    A cell is mine when its 27-px footprint touches the mask, background when no mask pixel lies within
    ``clearance_px`` of its footprint, ignored in between and when more than ``max_window_nodata`` of its 201-px
    window is nodata (the scan drops such cells too).
    """

    clearance_px: int = STRIDE_PX
    max_window_nodata: float = 0.5

    def __post_init__(self) -> None:
        if self.clearance_px < 0:
            raise ValueError(_("clearance_px must be >= 0; got {value}").format(value=self.clearance_px))
        if not 0.0 <= self.max_window_nodata <= 1.0:
            raise ValueError(_("max_window_nodata must be in [0, 1]; got {value}").format(value=self.max_window_nodata))


def symmetric_size(n_px: int) -> int:
    """The largest ``174 + 27 k`` (k >= 1) that is <= ``n_px``: a crop whose cells' 201-px windows end exactly at
    its far edge, so that its cell grid maps onto itself under rotations and mirrors (0 when ``n_px`` < 201)."""
    cells = (n_px - WINDOW_PX) // STRIDE_PX + 1
    return WINDOW_PX + STRIDE_PX * (cells - 1) if n_px >= WINDOW_PX else 0


def cell_labels(mask: np.ndarray, valid: np.ndarray, settings: CellLabelSettings | None = None) -> np.ndarray:
    """(k, k) int8 labels (:data:`MINE`, :data:`BACKGROUND`, :data:`IGNORED`) of a square scene's output cells."""
    settings = settings or CellLabelSettings()
    if mask.shape != valid.shape or mask.shape[0] != mask.shape[1]:
        raise ValueError(f"mask and valid must be the same square shape; got {mask.shape} and {valid.shape}")
    k = output_cells(mask.shape[0])
    foot0 = STRIDE_PX * np.arange(k) + int(cell_bounds_px(0)[0])
    table = summed_area(mask & valid)
    touching = grid_box_counts(table, foot0, foot0, STRIDE_PX)[0] > 0
    near = grid_box_counts(table, foot0, foot0, STRIDE_PX, settings.clearance_px)[0] > 0
    labels = np.full((k, k), IGNORED, dtype=np.int8)
    labels[~near] = BACKGROUND
    labels[touching] = MINE
    labels[unscannable_cells(valid, settings.max_window_nodata)] = IGNORED
    return labels


def unscannable_cells(valid: np.ndarray, max_window_nodata: float) -> np.ndarray:
    """(k, k) bool: cells the scan leaves out (NaN) -- nodata in the footprint, or too much in the window."""
    rows = STRIDE_PX * np.arange(output_cells(valid.shape[0]))
    cols = STRIDE_PX * np.arange(output_cells(valid.shape[1]))
    return cells_without_data(summed_area(~valid), rows, cols, max_window_nodata)


def overlap_groups(bounds: Sequence[tuple[float, float, float, float]]) -> list[int]:
    """Group index per box (minx, miny, maxx, maxy): boxes that overlap, directly or through others, share a group.

    Cross-validation must keep overlapping scenes together, or a validation scene is partly seen in training.
    """
    parent = list(range(len(bounds)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(bounds):
        for j in range(i + 1, len(bounds)):
            b = bounds[j]
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                parent[root(i)] = root(j)
    roots = [root(i) for i in range(len(bounds))]
    order = {r: n for n, r in enumerate(dict.fromkeys(roots))}
    return [order[r] for r in roots]


@dataclass(frozen=True)
class LabelledScenes:
    """Scenes cropped to ``size`` px from their top-left corner, with masks and cell labels.

    ``x`` (N, S, S, bands) float32 reflectance, ``valid`` and ``mask`` (N, S, S) bool, ``labels`` (N, k, k) int8,
    ``groups`` (N,) overlap group names, ``names`` (N,) file names, ``pixel_m`` (N, 2) pixel height and width in
    metres. Cropping from the corner keeps every cell where a scan of the whole file puts it.
    """

    x: np.ndarray
    valid: np.ndarray
    mask: np.ndarray
    labels: np.ndarray
    groups: np.ndarray
    names: np.ndarray
    pixel_m: np.ndarray
    bands: tuple[str, ...]

    @property
    def size(self) -> int:
        """Side of the cropped scenes in pixels."""
        return int(self.x.shape[1])

    def label_counts(self) -> dict[str, int]:
        """Number of cells per label."""
        return {
            "mine": int((self.labels == MINE).sum()),
            "background": int((self.labels == BACKGROUND).sum()),
            "ignored": int((self.labels == IGNORED).sum()),
        }


def _wgs84_bounds(info: SceneInfo) -> tuple[float, float, float, float]:
    corners = [info.transform @ (c, r) for c in (0, info.width) for r in (0, info.height)]
    lon, lat = to_wgs84(info.crs.to_wkt(), np.array([p[0] for p in corners]), np.array([p[1] for p in corners]))
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def _pixel_m(info: SceneInfo) -> tuple[float, float]:
    """(height, width) of a pixel in metres."""
    dx, dy = pixel_size_m(info.crs.to_wkt(), info.transform, info.width, info.height)
    return dy, dx


def load_labelled_scenes(
    img_dir: Path, mask_dir: Path, bands: tuple[str, ...], settings: CellLabelSettings | None = None
) -> LabelledScenes:
    """Read ``img_N.tif`` scenes and ``mask_N.tif`` masks, crop all to one cell-symmetric size, label the cells.

    Raises:
        TrainingDataError: unpaired or misaligned files, scenes smaller than one 201-px window, empty scenes.
        InvalidSceneError: a scene that cannot be read or lacks the bands.
    """
    settings = settings or CellLabelSettings()
    pairs = pair_scenes(Path(img_dir), Path(mask_dir))
    infos = [open_scene(img, bands) for img, _mask in pairs]
    size = symmetric_size(min(min(i.width, i.height) for i in infos))
    if size == 0:
        small = min(infos, key=lambda i: min(i.width, i.height))
        message = _("{file} is {width} x {height} px, smaller than one {window} px window")
        raise TrainingDataError(
            message.format(file=small.path.name, width=small.width, height=small.height, window=WINDOW_PX)
        )
    n = len(infos)
    x = np.empty((n, size, size, len(bands)), dtype=np.float32)
    valid = np.empty((n, size, size), dtype=bool)
    mask = np.empty((n, size, size), dtype=bool)
    for i, (info, (_img, mask_path)) in enumerate(zip(infos, pairs, strict=True)):
        with scene_reader(info) as reader:
            x[i], valid[i] = reader.read(0, size, 0, size)
        if not valid[i].any():
            raise TrainingDataError(_("{file}: every pixel is nodata; remove the file").format(file=info.path.name))
        mask[i] = read_mask(info, mask_path, WINDOW_PX)[:size, :size]
    labels = np.stack([cell_labels(m, v, settings) for m, v in zip(mask, valid, strict=True)])
    group_of = overlap_groups([_wgs84_bounds(i) for i in infos])
    members: dict[int, list[str]] = {}
    for info, g in zip(infos, group_of, strict=True):
        members.setdefault(g, []).append(info.path.stem)
    return LabelledScenes(
        x=x,
        valid=valid,
        mask=mask,
        labels=labels,
        groups=np.array(["+".join(members[g]) for g in group_of]),
        names=np.array([i.path.name for i in infos]),
        pixel_m=np.array([_pixel_m(i) for i in infos], dtype=np.float64),
        bands=tuple(bands),
    )
