"""Writing a training set from the register: one window per planned point, fetched by a callable, into the same
folder layout and manifest as a set built from reviews (``mine/`` and ``not_mine/`` GeoTIFFs tagged with their
place, ``manifest.json`` with every window, the counts and the fingerprint), so the trainer reads both alike.

The folder is written as ``<folder>.partial`` and renamed when complete: a failure leaves no folder behind.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from core.errors import TrainingDataError
from core.imagery.earth_engine.windows import GeoWindow
from core.training.register_points import PointPlan, RegisterSetSettings, SamplePoint
from core.training.review_set_files import MANIFEST, BuiltSet, write_window
from core.training.review_sets import MINE, NOT_MINE, Window, assign_places, counts, fingerprint
from core.wording.translate import N_, _

#: Fetches the window centred on (lon, lat).
FetchWindow = Callable[[float, float], GeoWindow]
#: Called after each window with (windows done, windows in all).
WindowProgress = Callable[[int, int], None]
_ALL_DAMS_CLOUDY = N_(
    "every dam window came back without enough clear-sky pixels ({cloudy} windows left out): "
    "choose a longer date range, a higher cloud limit or another region"
)
_ALL_BACKGROUND_CLOUDY = N_(
    "every background window came back without enough clear-sky pixels ({cloudy} windows left out): "
    "choose a longer date range, a higher cloud limit or another region"
)


def _placed(plan: PointPlan, settings: RegisterSetSettings) -> list[Window]:
    """Every planned point as a window centred on its window's centre pixel, grouped into places."""
    half = settings.window_px // 2
    return assign_places(
        [Window(0, half, half, 0.0, 0.0, p.label, p.reason, lon=p.lon, lat=p.lat) for p in plan.points],
        settings.place_gap_m,
    )


def _item(
    name: str, point: SamplePoint, window: GeoWindow, placed: Window, digest: str, scene: str
) -> dict[str, object]:
    """A manifest item: the review sets' fields (no scan, site or review) plus where the window came from."""
    x, y = window.transform @ (placed.col + 0.5, placed.row + 0.5)
    origin: dict[str, object] = (
        {"register_entry": point.entry_id, "register_id": point.register_id, "dam_name": point.name}
        if point.label == MINE
        else {"origin": "background", "nearest_dam": point.nearest_dam, "nearest_dam_m": point.nearest_dam_m}
    )
    return {
        "file": name, "scan_id": None, "row": placed.row, "col": placed.col, "x": float(x), "y": float(y),
        "label": point.label, "reason": point.reason, "site_id": None, "review_id": None, "place": placed.place,
        "lon": point.lon, "lat": point.lat, "crs": window.crs, **origin,
        "valid_share": round(window.valid_share, 4), "scene": scene, "sha256": digest,
    }  # fmt: skip


def _check(window: GeoWindow, bands: tuple[str, ...], size: int) -> None:
    if window.bands != bands or window.data.shape != (size, size, len(bands)):
        message = _("a window came back as {shape} with bands {got}; {size} x {size} px with {wanted} were asked for")
        raise TrainingDataError(
            message.format(shape=window.data.shape, got=", ".join(window.bands), size=size, wanted=", ".join(bands))
        )


def write_register_set(plan: PointPlan, fetch: FetchWindow, bands: tuple[str, ...], folder: Path, set_id: int,
                       settings: RegisterSetSettings, imagery: Mapping[str, object],
                       progress: WindowProgress | None = None) -> BuiltSet:  # fmt: skip
    """Fetch and write every planned window into ``folder``; windows with too little clear sky are left out.

    Raises:
        TrainingDataError: ``folder`` is not empty, or a class has no usable window left.
        EarthEngineUnavailable: from ``fetch`` (nothing is left behind).
    """
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        message = _("{folder} is not empty: a training set is written once, into a new folder")
        raise TrainingDataError(message.format(folder=folder))
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    dates = f"{imagery.get('start', '')}/{imagery.get('end_exclusive', '')}"
    scene = f"earth_engine:{imagery.get('collection', '')}:{dates}"
    try:
        items, kept, skipped = [], [], list(plan.skipped)
        placed = _placed(plan, settings)
        for i, (point, where) in enumerate(zip(plan.points, placed, strict=True)):
            window = fetch(point.lon, point.lat)
            _check(window, bands, settings.window_px)
            share = window.valid_share
            if share < 1.0 - settings.max_window_nodata:
                what = {"dam": point.register_id, "name": point.name} if point.label == MINE else {"background": i}
                why = "no_valid_pixels" if share == 0 else "mostly_nodata"
                skipped.append({**what, "lon": point.lon, "lat": point.lat, "why": why, "valid_share": round(share, 4)})
            else:
                name = f"{point.label}/{where.place}_{i:05d}.tif"
                digest = write_window(partial / name, window.crs, window.transform, bands, window.data, window.valid,
                                      where.place)  # fmt: skip
                items.append(_item(name, point, window, where, digest, scene))
                kept.append(where)
            if progress:
                progress(i + 1, len(placed))
        _check_classes(kept, skipped)
        summary = counts(kept)
        summary["dams"] = len({it["register_entry"] for it in items if it["label"] == MINE})
        summary["skipped"] = dict(sorted(Counter(str(s["why"]) for s in skipped).items()))
        summary["dams_outside_region"] = plan.dams_outside
        manifest: dict[str, object] = {
            "training_set": set_id,
            "source": "register",
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "bands": list(bands),
            "window_px": settings.window_px,
            "settings": asdict(settings),
            "imagery": dict(imagery),
            "regions": [list(b) for b in plan.boxes],
            "scans": [],
            "skipped_scans": [],
            "skipped_points": skipped,
            "counts": summary,
            "fingerprint": fingerprint(items),
            "held_out_for_evaluation": [],
            "items": items,
        }
        partial.mkdir(parents=True, exist_ok=True)
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if folder.exists():
            folder.rmdir()
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return BuiltSet(folder, manifest)


def _check_classes(kept: list[Window], skipped: list[dict[str, object]]) -> None:
    """Both classes must keep windows after the cloudy ones are left out."""
    cloudy = sum(s["why"] in ("no_valid_pixels", "mostly_nodata") for s in skipped)
    for label, message in ((MINE, _ALL_DAMS_CLOUDY), (NOT_MINE, _ALL_BACKGROUND_CLOUDY)):
        if not any(w.label == label for w in kept):
            raise TrainingDataError(_(message).format(cloudy=cloudy))
