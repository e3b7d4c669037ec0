"""Training patches: read a folder of labelled patches, or cut them from scenes with tailings masks.

Pure numpy on top of :mod:`core.imagery.raster` (no Keras). Patches stay in reflectance units; normalisation happens per
batch with statistics from the training split only (:func:`band_statistics`, :func:`normalise_patches`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import BandMismatchError, TrainingDataError
from core.imagery.raster import SceneInfo, open_scene, scene_reader
from core.model_card import DISCOVERY_CLASSES
from core.scan.box_counts import box_counts, summed_area
from core.wording.translate import _

SOURCE_SCENE_TAG = "MINESCAN_SOURCE_SCENE"
_RASTER_SUFFIXES = (".tif", ".tiff")


@dataclass(frozen=True)
class PatchSet:
    """Labelled patches: ``x`` (N, P, P, bands) float32 reflectance, ``valid`` (N, P, P) bool, ``y`` (N,) class index.

    ``groups`` names the source (scene) of each patch, for splitting; ``sources`` says where each patch came from.
    """

    x: np.ndarray
    valid: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    classes: tuple[str, ...]
    sources: np.ndarray

    def __post_init__(self) -> None:
        n = self.x.shape[0]
        if self.x.ndim != 4 or self.valid.shape != self.x.shape[:3]:
            raise ValueError(f"x must be (N, P, P, bands) and valid (N, P, P); got {self.x.shape}, {self.valid.shape}")
        if not (len(self.y) == len(self.groups) == len(self.sources) == n):
            raise ValueError(
                f"{n} patches but {len(self.y)} labels, {len(self.groups)} groups, {len(self.sources)} sources"
            )

    @property
    def patch_size(self) -> int:
        """Side of the (square) patches in pixels."""
        return int(self.x.shape[1])

    def class_counts(self) -> dict[str, int]:
        """Number of patches per class name."""
        counts = np.bincount(self.y, minlength=len(self.classes))
        return {name: int(c) for name, c in zip(self.classes, counts, strict=True)}


def _raster_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _RASTER_SUFFIXES)


def patch_group(info: SceneInfo, class_name: str) -> str:
    """The group of a patch: its source-scene tag, else the file-name prefix before the first ``_``, else the file.

    A prefix equal to the class name (``mine_0012.tif``) says nothing about the source, so the file is used then.
    """
    tagged = info.tags.get(SOURCE_SCENE_TAG, "").strip()
    if tagged:
        return tagged
    prefix = info.path.stem.split("_", 1)[0]
    if "_" in info.path.stem and prefix and prefix.lower() != class_name.lower():
        return prefix
    return info.path.stem


def load_patch_folder(root: Path, bands: tuple[str, ...], classes: tuple[str, ...]) -> PatchSet:
    """Read ``root/<class>/*.tif`` patches, one subfolder per class, all of the same size.

    Raises:
        TrainingDataError: missing folder, subfolders that differ from ``classes``, an empty class, patches of
            different sizes, or a patch without any valid pixel.
        InvalidSceneError: a patch file that cannot be read or lacks the bands.
    """
    root = Path(root)
    if not root.is_dir():
        raise TrainingDataError(_("patch folder {folder} does not exist").format(folder=root))
    found = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if set(found) != set(classes):
        if found:
            message = _("{folder} must hold one subfolder per class. Found: {found}; expected: {expected}.")
        else:
            message = _("{folder} must hold one subfolder per class. Found: none; expected: {expected}.")
        raise TrainingDataError(message.format(folder=root, found=", ".join(found), expected=", ".join(classes)))
    infos: list[tuple[int, SceneInfo]] = []
    for label, name in enumerate(classes):
        files = _raster_files(root / name)
        if not files:
            message = _("{folder} holds no .tif patches; every class needs examples")
            raise TrainingDataError(message.format(folder=root / name))
        infos.extend((label, open_scene(path, bands)) for path in files)
    sizes = Counter((info.height, info.width) for _label, info in infos)
    (rows, cols), n_common = sizes.most_common(1)[0]
    odd = [info for _label, info in infos if (info.height, info.width) != (rows, cols)]
    if odd:
        raise TrainingDataError(
            _(
                "{file} is {height} x {width} px but {common} of the {n} patches are {rows} x {cols} px "
                "({odd} differ): all patches must be the same size"
            ).format(
                file=odd[0].path.relative_to(root),
                height=odd[0].height,
                width=odd[0].width,
                common=n_common,
                n=len(infos),
                rows=rows,
                cols=cols,
                odd=len(odd),
            )
        )
    x = np.empty((len(infos), rows, cols, len(bands)), dtype=np.float32)
    valid = np.empty(x.shape[:3], dtype=bool)
    for i, (_label, info) in enumerate(infos):
        with scene_reader(info) as reader:
            x[i], valid[i] = reader.read(0, info.height, 0, info.width)
        if not valid[i].any():
            message = _("{file}: every pixel is nodata; remove the file")
            raise TrainingDataError(message.format(file=info.path.relative_to(root)))
    return PatchSet(
        x=x,
        valid=valid,
        y=np.array([label for label, _info in infos], dtype=np.int64),
        groups=np.array([patch_group(info, classes[label]) for label, info in infos]),
        classes=tuple(classes),
        sources=np.array([str(info.path.relative_to(root)) for _label, info in infos]),
    )


@dataclass(frozen=True)
class CutSettings:
    """How windows are cut from a scene and its mask (all sizes in pixels).

    A window is positive when its central ``core_size`` square (one output cell of the discovery FCN) touches the
    mask, negative when no mask pixel lies within the window grown by ``margin``; anything in between is skipped.
    """

    patch_size: int = 201
    core_size: int = 27
    margin: int = 100
    positive_stride: int = 27
    negative_stride: int = 100
    min_valid_fraction: float = 0.5
    max_per_class: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.core_size <= self.patch_size:
            message = _("core_size must be in (0, patch_size={patch_size}]; got {core_size}")
            raise ValueError(message.format(patch_size=self.patch_size, core_size=self.core_size))
        if min(self.positive_stride, self.negative_stride) < 1 or self.margin < 0:
            raise ValueError(_("strides must be >= 1 and margin >= 0"))
        if not 0.0 <= self.min_valid_fraction <= 1.0:
            message = _("min_valid_fraction must be in [0, 1]; got {value}")
            raise ValueError(message.format(value=self.min_valid_fraction))


def _window_starts(length: int, window: int, stride: int) -> np.ndarray:
    """Start offsets on a regular grid, plus one flush with the far edge so the whole extent is covered."""
    starts = np.arange(0, length - window + 1, stride)
    if starts[-1] != length - window:
        starts = np.append(starts, length - window)
    return starts


def label_windows(mask: np.ndarray, settings: CutSettings) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(positive, negative)`` window origins, each an (n, 2) array of (row, col), for a boolean mask."""
    rows, cols = mask.shape
    p, m = settings.patch_size, settings.margin
    integral = summed_area(mask)
    off = (p - settings.core_size) // 2

    r, c = np.meshgrid(
        _window_starts(rows, p, settings.positive_stride),
        _window_starts(cols, p, settings.positive_stride),
        indexing="ij",
    )
    core = box_counts(integral, r + off, r + off + settings.core_size, c + off, c + off + settings.core_size)
    positive = np.stack([r[core > 0], c[core > 0]], axis=1)

    r, c = np.meshgrid(
        _window_starts(rows, p, settings.negative_stride),
        _window_starts(cols, p, settings.negative_stride),
        indexing="ij",
    )
    near = box_counts(integral, r - m, r + p + m, c - m, c + p + m)
    negative = np.stack([r[near == 0], c[near == 0]], axis=1)
    return positive, negative


def pair_scenes(img_dir: Path, mask_dir: Path) -> list[tuple[Path, Path]]:
    """``(img_N.tif, mask_N.tif)`` pairs; every image needs its mask.

    Raises:
        TrainingDataError: a missing folder, an image without mask, or no image at all.
    """
    if not img_dir.is_dir() or not mask_dir.is_dir():
        message = _("expected an image folder {images} and a mask folder {masks}")
        raise TrainingDataError(message.format(images=img_dir, masks=mask_dir))
    pairs, missing = [], []
    for img in _raster_files(img_dir):
        match = re.fullmatch(r"img_(.+)", img.stem)
        if not match:
            continue
        mask = mask_dir / f"mask_{match.group(1)}{img.suffix}"
        if mask.is_file():
            pairs.append((img, mask))
        else:
            missing.append(mask.name)
    if missing:
        message = _("{folder} lacks {files}: every img_N.tif needs its mask_N.tif")
        raise TrainingDataError(message.format(folder=mask_dir, files=", ".join(missing[:10])))
    if not pairs:
        raise TrainingDataError(_("{folder} holds no img_N.tif scenes").format(folder=img_dir))
    return pairs


def read_mask(img: SceneInfo, mask_path: Path, patch_size: int) -> np.ndarray:
    """The mask of scene ``img`` as a bool array (True = mine), checked to lie on the scene's grid.

    Raises:
        TrainingDataError: not one band, another size, CRS or geotransform, or a scene smaller than a patch.
    """
    try:
        mask = open_scene(mask_path, ("mask",))
    except BandMismatchError:
        message = _("{file} must have exactly one band (0 = background, >0 = mine)")
        raise TrainingDataError(message.format(file=mask_path.name)) from None
    if (mask.width, mask.height) != (img.width, img.height) or mask.crs != img.crs:
        raise TrainingDataError(
            _(
                "{mask} ({mask_width} x {mask_height} px, {mask_crs}) is not on the grid of {image} "
                "({width} x {height} px, {crs}); export both on the same grid"
            ).format(
                mask=mask_path.name,
                mask_width=mask.width,
                mask_height=mask.height,
                mask_crs=mask.crs,
                image=img.path.name,
                width=img.width,
                height=img.height,
                crs=img.crs,
            )
        )
    if not mask.transform.almost_equals(img.transform, precision=1e-9):
        message = _("{mask} and {image} have different geotransforms (shifted grids)")
        raise TrainingDataError(message.format(mask=mask_path.name, image=img.path.name))
    if min(img.width, img.height) < patch_size:
        message = _("{file} is {width} x {height} px, smaller than one {size} x {size} px patch")
        raise TrainingDataError(message.format(file=img.path.name, width=img.width, height=img.height, size=patch_size))
    with scene_reader(mask) as reader:
        data, valid = reader.read(0, mask.height, 0, mask.width)
    return valid & (data[..., 0] > 0)


def _balanced_choice(labels: np.ndarray, cap: int | None, rng: np.random.Generator) -> np.ndarray:
    """Indices holding the same number of samples of each label (the rarest label's count, capped)."""
    per_class = int(np.bincount(labels).min())
    if cap is not None:
        per_class = min(per_class, cap)
    chosen = [rng.choice(np.flatnonzero(labels == k), per_class, replace=False) for k in np.unique(labels)]
    return np.sort(np.concatenate(chosen))


def cut_patches_from_scenes(
    img_dir: Path,
    mask_dir: Path,
    bands: tuple[str, ...],
    patch_size: int = 201,
    *,
    core_size: int = 27,
    margin: int = 100,
    positive_stride: int = 27,
    negative_stride: int = 100,
    min_valid_fraction: float = 0.5,
    max_per_class: int | None = None,
    seed: int = 0,
) -> PatchSet:
    """Cut balanced mine / not-mine patches from ``img_dir/img_N.tif`` scenes and ``mask_dir/mask_N.tif`` masks.

    Windows are labelled as in :class:`CutSettings`; positives are sampled densely, negatives on the coarser grid,
    then the larger class is subsampled (seeded) to the size of the smaller one. Windows with less than
    ``min_valid_fraction`` valid pixels are dropped. The group of a patch is its scene file.

    Raises:
        TrainingDataError: unpaired or misaligned files, a scene smaller than a patch, or no window of one class.
        InvalidSceneError: a scene that cannot be read or lacks the bands.
    """
    settings = CutSettings(
        patch_size, core_size, margin, positive_stride, negative_stride, min_valid_fraction, max_per_class, seed
    )
    scenes = [(open_scene(img, bands), mask) for img, mask in pair_scenes(Path(img_dir), Path(mask_dir))]
    found = []  # (scene index, row, col, label) for every candidate window
    for s, (info, mask_path) in enumerate(scenes):
        positive, negative = label_windows(read_mask(info, mask_path, patch_size), settings)
        for origins, label in ((positive, 1), (negative, 0)):
            found.append(np.column_stack([np.full(len(origins), s), origins, np.full(len(origins), label)]))
    windows = np.concatenate(found).astype(np.int64)
    counts = np.bincount(windows[:, 3], minlength=2)
    if counts.min() == 0:
        raise TrainingDataError(
            _(
                "the masks give {mine} mine windows and {background} background windows; both are needed. "
                "Add scenes with (or without) mines, or lower the margin ({margin} px) or strides."
            ).format(mine=counts[1], background=counts[0], margin=settings.margin)
        )
    rng = np.random.default_rng(settings.seed)
    windows = windows[_balanced_choice(windows[:, 3], settings.max_per_class, rng)]
    x, valid = _read_windows(scenes, windows, len(bands), patch_size)
    keep = valid.mean(axis=(1, 2)) >= settings.min_valid_fraction
    if not keep.all():
        if len(np.unique(windows[keep, 3])) < 2:
            raise TrainingDataError(_("after dropping mostly-nodata windows only one class is left"))
        keep_idx = np.flatnonzero(keep)
        keep_idx = keep_idx[_balanced_choice(windows[keep_idx, 3], None, rng)]
        x, valid, windows = x[keep_idx], valid[keep_idx], windows[keep_idx]
    names = np.array([scenes[s][0].path.name for s in windows[:, 0]])
    mine = DISCOVERY_CLASSES.index("mine")
    return PatchSet(
        x=x,
        valid=valid,
        y=np.where(windows[:, 3] == 1, mine, 1 - mine).astype(np.int64),
        groups=names,
        classes=DISCOVERY_CLASSES,
        sources=np.array([f"{n}@{r},{c}" for n, (r, c) in zip(names, windows[:, 1:3], strict=True)]),
    )


def _read_windows(
    scenes: Sequence[tuple[SceneInfo, Path]], windows: np.ndarray, n_bands: int, size: int
) -> tuple[np.ndarray, np.ndarray]:
    x = np.empty((len(windows), size, size, n_bands), dtype=np.float32)
    valid = np.empty((len(windows), size, size), dtype=bool)
    for s in np.unique(windows[:, 0]):
        with scene_reader(scenes[s][0]) as reader:
            for i in np.flatnonzero(windows[:, 0] == s):
                r, c = int(windows[i, 1]), int(windows[i, 2])
                x[i], valid[i] = reader.read(r, r + size, c, c + size)
    return x, valid
