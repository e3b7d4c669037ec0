"""Cutting a training set's windows from each scan's own scene and writing them as a folder the trainer reads.

The folder is a patch folder (``mine/`` and ``not_mine/``, one GeoTIFF per window, tagged with its place so that
the trainer splits by place) plus ``manifest.json``: every window's file, class, reason, site, review, scan, scene,
place and checksum, the counts, and a fingerprint of it all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import rasterio
import shapely
from affine import Affine

from core.errors import InvalidSceneError, TrainingDataError
from core.imagery.geo import from_wgs84, pixel_size_m, to_wgs84
from core.imagery.raster import DN_PER_REFLECTANCE, SceneInfo, open_scene, scene_reader
from core.training.patches import SOURCE_SCENE_TAG
from core.training.review_sets import (
    BACKGROUND,
    MINE,
    NOT_MINE,
    DecidedSite,
    SetSettings,
    Window,
    assign_places,
    background_centres,
    cells_in_outline,
    counts,
    fingerprint,
    hold_out_places,
    site_centres,
)
from core.wording.translate import _

MANIFEST = "manifest.json"
#: The discovery FCN's output stride: window centres inside an outline are this many pixels apart.
CELL_STRIDE_PX = 27


@dataclass(frozen=True)
class SiteInput:
    """A decided site as the store holds it (WGS84)."""

    site_id: int
    review_id: int
    decision: str
    reason: str | None
    signed_off: bool
    lon: float
    lat: float
    outline_wkt: str


@dataclass(frozen=True)
class ScanInput:
    """One reviewed scan: its scene file, its decided sites, and every site point of its scene (to keep away from)."""

    scan_id: int
    scene_path: Path
    sites: Sequence[SiteInput]
    all_site_lonlat: Sequence[tuple[float, float]] = ()
    #: Sites of the model's frozen evaluation set: no window comes within ``place_gap_m`` of them.
    frozen_lonlat: Sequence[tuple[float, float]] = ()


@dataclass(frozen=True)
class BuiltSet:
    """The written folder, its manifest, and the scans left out with the reason."""

    folder: Path
    manifest: dict[str, object]
    skipped: tuple[tuple[int, str], ...] = field(default_factory=tuple)
    #: Decided sites newly held out as the frozen evaluation set (site id -> review id).
    held_out: dict[int, int] = field(default_factory=dict)


def _to_pixels(info: SceneInfo, lon: Sequence[float], lat: Sequence[float]) -> np.ndarray:
    x, y = from_wgs84(info.crs.to_wkt(), np.asarray(lon, float), np.asarray(lat, float))
    cols, rows = (~info.transform) @ (x, y)
    return np.column_stack([np.asarray(rows), np.asarray(cols)])


def _outline_px(info: SceneInfo, wkt: str) -> object:
    geom = shapely.from_wkt(wkt)
    inverse = ~info.transform

    def to_px(coords: np.ndarray) -> np.ndarray:
        x, y = from_wgs84(info.crs.to_wkt(), coords[:, 0], coords[:, 1])
        cols, rows = inverse @ (np.asarray(x), np.asarray(y))
        return np.column_stack([cols, rows])

    return shapely.transform(geom, to_px)


def _decided(info: SceneInfo, site: SiteInput, settings: SetSettings) -> DecidedSite | None:
    (row, col), = _to_pixels(info, [site.lon], [site.lat])  # fmt: skip
    half = settings.window_px // 2
    inside = half <= row < info.height - half and half <= col < info.width - half
    if not inside:
        return None
    cells = cells_in_outline(_outline_px(info, site.outline_wkt), CELL_STRIDE_PX, settings.max_windows_per_site)
    cells = tuple((r, c) for r, c in cells if half <= r < info.height - half and half <= c < info.width - half)
    return DecidedSite(site.site_id, 0, site.review_id, site.decision, site.reason, site.signed_off,
                       int(row), int(col), cells)  # fmt: skip


def _window(info: SceneInfo, scan_id: int, row: int, col: int, label: str, reason: str, site_id: int | None = None,
            review_id: int | None = None) -> Window:  # fmt: skip
    """A window centred on pixel (row, col): its centre in the scene's CRS and in WGS84."""
    x, y = info.transform @ (col + 0.5, row + 0.5)
    lon, lat = to_wgs84(info.crs.to_wkt(), np.array([x]), np.array([y]))
    return Window(scan_id, row, col, float(x), float(y), label, reason, site_id, review_id,
                  lon=float(lon[0]), lat=float(lat[0]))  # fmt: skip


def scan_windows(scan: ScanInput, bands: tuple[str, ...], settings: SetSettings) -> tuple[SceneInfo, list[Window]]:
    """The windows of one scan: its confirmed and rejected sites' windows, then background away from every site.

    Raises:
        InvalidSceneError: the scene cannot be read (moved, corrupt, wrong bands).
    """
    if not Path(scan.scene_path).is_file():
        message = _("scan {scan_id}'s scene {path} is not there any more (moved?)")
        raise InvalidSceneError(message.format(scan_id=scan.scan_id, path=scan.scene_path))
    info = open_scene(scan.scene_path, bands)
    px_w, px_h = pixel_size_m(info.crs.to_wkt(), info.transform, info.width, info.height)
    pixel_m = float((px_w + px_h) / 2)
    windows: list[Window] = []
    for site in scan.sites:
        if site.decision not in ("confirmed", "rejected"):
            continue
        decided = _decided(info, site, settings)
        if decided is None:
            continue
        label = MINE if site.decision == "confirmed" else NOT_MINE
        reason = site.reason or ("confirmed" if label == MINE else "rejected")
        for r, c in site_centres(decided, settings):
            windows.append(_window(info, scan.scan_id, r, c, label, reason, site.site_id, site.review_id))
    n_background = int(round(settings.background_per_site_window * sum(w.label == MINE for w in windows)))
    avoid = _to_pixels(info, *zip(*scan.all_site_lonlat, strict=True)) if scan.all_site_lonlat else np.empty((0, 2))
    half = settings.window_px // 2
    with scene_reader(info) as reader:

        def share(r: int, c: int) -> float:
            _data, valid = reader.read(r - half, r + half + 1, c - half, c + half + 1)
            return float(valid.mean())

        rng = np.random.default_rng([settings.seed, scan.scan_id])
        for r, c in background_centres((info.height, info.width), share, avoid, pixel_m, n_background, settings, rng):
            windows.append(_window(info, scan.scan_id, r, c, NOT_MINE, BACKGROUND))
    if scan.frozen_lonlat:
        frozen = _to_pixels(info, *zip(*scan.frozen_lonlat, strict=True))
        gap_px = settings.place_gap_m / pixel_m
        windows = [w for w in windows if (((frozen - (w.row, w.col)) ** 2).sum(axis=1) >= gap_px**2).all()]
    return info, windows


def _write_window(path: Path, info: SceneInfo, data: np.ndarray, valid: np.ndarray, row0: int, col0: int,
                  place: str) -> str:  # fmt: skip
    return write_window(path, info.crs, info.transform @ Affine.translation(col0, row0), info.bands, data, valid, place)


def write_window(path: Path, crs: object, transform: Affine, bands: Sequence[str], data: np.ndarray,
                 valid: np.ndarray, place: str) -> str:  # fmt: skip
    """Write one window ((rows, cols, bands) reflectance) as a uint16 DN GeoTIFF (0 = nodata) tagged with its
    place, the way the trainer's patch folders are read; return the file's SHA-256."""
    dn = np.where(valid[..., None], np.round(data * DN_PER_REFLECTANCE), 0).clip(1, 65535).astype(np.uint16)
    dn[~valid] = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {
        "driver": "GTiff", "width": dn.shape[1], "height": dn.shape[0], "count": dn.shape[2], "dtype": "uint16",
        "crs": crs, "transform": transform, "nodata": 0, "compress": "deflate",
    }  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.moveaxis(dn, -1, 0))
        dst.descriptions = tuple(bands)
        dst.update_tags(**{SOURCE_SCENE_TAG: place})
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_review_set(scans: Sequence[ScanInput], bands: tuple[str, ...], folder: Path, set_id: int,
                     settings: SetSettings | None = None, hold_out: float = 0.0) -> BuiltSet:  # fmt: skip
    """Cut every window of ``scans`` into ``folder`` and write the manifest.

    Scans whose scene cannot be read are skipped and listed with the reason. With ``hold_out`` > 0 about that share
    of the places is kept out as the frozen evaluation set (their sites are returned, none of their windows written).

    Raises:
        TrainingDataError: nothing to train on: no confirmed or rejected site in a readable scene, or only one class.
    """
    settings = settings or SetSettings()
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        message = _("{folder} is not empty: a training set is written once, into a new folder")
        raise TrainingDataError(message.format(folder=folder))
    skipped: list[tuple[int, str]] = []
    cut: list[tuple[SceneInfo, list[Window]]] = []
    for scan in scans:
        try:
            cut.append(scan_windows(scan, bands, settings))
        except InvalidSceneError as err:
            skipped.append((scan.scan_id, str(err)))
    windows, held = hold_out_places(
        assign_places([w for _info, ws in cut for w in ws], settings.place_gap_m), hold_out, settings.seed
    )
    held_out = {int(w.site_id): int(w.review_id) for w in held if w.site_id is not None and w.review_id is not None}
    labels = {w.label for w in windows}
    why_skipped = "; ".join(_("scan {scan_id}: {why}").format(scan_id=sid, why=why) for sid, why in skipped)
    if not any(w.site_id is not None for w in windows):
        if skipped:
            message = _("no confirmed or rejected site lies in a readable scene of these scans, so there is "
                        "nothing to learn from ({skipped})")  # fmt: skip
        else:
            message = _("no confirmed or rejected site lies in a readable scene of these scans, so there is "
                        "nothing to learn from")  # fmt: skip
        raise TrainingDataError(message.format(skipped=why_skipped))
    if labels != {MINE, NOT_MINE}:
        message = _("every window is '{only}': a training set needs both confirmed sites (mine) and "
                    "rejected sites or background (not_mine)")  # fmt: skip
        raise TrainingDataError(message.format(only=next(iter(labels))))
    items = []
    half = settings.window_px // 2
    info_of = {w.scan_id: info for info, ws in cut for w in ws}
    for i, w in enumerate(windows):
        info = info_of[w.scan_id]
        with scene_reader(info) as reader:
            data, valid = reader.read(w.row - half, w.row + half + 1, w.col - half, w.col + half + 1)
        name = f"{w.label}/{w.place}_{i:05d}.tif"
        digest = _write_window(folder / name, info, data, valid, w.row - half, w.col - half, w.place)
        items.append({"file": name, **asdict(w), "scene": str(info.path), "sha256": digest})
    manifest: dict[str, object] = {
        "training_set": set_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "bands": list(bands),
        "window_px": settings.window_px,
        "settings": asdict(settings),
        "scans": sorted({w.scan_id for w in windows}),
        "skipped_scans": [{"scan_id": s, "why": why} for s, why in skipped],
        "counts": counts(windows),
        "fingerprint": fingerprint(items),
        "held_out_for_evaluation": sorted(held_out),
        "items": items,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return BuiltSet(folder, manifest, tuple(skipped), held_out)


def read_manifest(folder: Path) -> dict[str, object]:
    """The manifest of a training-set folder.

    Raises:
        TrainingDataError: the folder has no readable manifest.
    """
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        message = _("{folder} is not a training-set folder: {manifest} unreadable ({problem})")
        raise TrainingDataError(message.format(folder=folder, manifest=MANIFEST, problem=err)) from None
    if not isinstance(data, dict) or "items" not in data:
        raise TrainingDataError(_("{path} is not a training-set manifest").format(path=path))
    return data
