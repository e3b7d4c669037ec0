"""Scene overviews kept on disk, so a map's base image is made once per scene file, not once per server start.

An entry is keyed by the scene file's resolved path, size and modification time and the picture's size, so a
replaced or edited scene gets a new picture. Entries are written atomically (temporary file, then rename).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path

from core.errors import InvalidSceneError, MineScanError
from core.imagery.preview import ScenePicture, scene_overview
from core.wording.translate import _

MAX_PX = 1024


def picture_key(scene_path: Path, max_px: int = MAX_PX) -> str:
    """The cache key of a scene file as it is now (raises OSError if it is missing)."""
    stat = scene_path.stat()
    text = f"{scene_path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{max_px}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def scene_picture(scene_path: Path | str, cache_dir: Path, max_px: int = MAX_PX) -> ScenePicture:
    """The scene's overview picture, read from ``cache_dir`` or made and stored there.

    Raises:
        InvalidSceneError: the scene is gone, cannot be read or lacks B2, B3 and B4 (nothing is stored).
    """
    scene_path = Path(scene_path)
    try:
        key = picture_key(scene_path, max_px)
    except OSError:
        message = _("{scene} is no longer where it was scanned.")
        raise InvalidSceneError(message.format(scene=scene_path.name)) from None
    image_path, meta_path = cache_dir / f"{key}.webp", cache_dir / f"{key}.json"
    try:
        bounds = tuple(float(v) for v in json.loads(meta_path.read_text(encoding="utf-8"))["bounds_lonlat"])
        if len(bounds) == 4:
            return ScenePicture(webp=image_path.read_bytes(), bounds_lonlat=bounds)
    except (OSError, ValueError, KeyError, TypeError):
        pass  # not made yet, or a half-written or foreign entry: make it again
    picture = scene_overview(scene_path, max_px).picture()
    cache_dir.mkdir(parents=True, exist_ok=True)
    _write_atomically(image_path, picture.webp)
    _write_atomically(meta_path, json.dumps({"bounds_lonlat": list(picture.bounds_lonlat)}).encode("utf-8"))
    return picture


def _write_atomically(path: Path, data: bytes) -> None:
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: Pictures being made in the background (see :func:`picture_in_background`).
_making: list[threading.Thread] = []


def picture_in_background(scene_path: Path, cache_dir: Path, max_px: int = MAX_PX) -> threading.Thread:
    """Start making the scene's picture in a thread (it reads the whole scene once more: about 1.5 s at 4096 px).

    The thread is not a daemon: a command that scanned waits for it before exiting. A scene without B2-B4 (or
    gone) gets no picture; Triage says so under its map, and makes it itself if it is not there yet.
    """

    def make() -> None:
        try:
            scene_picture(scene_path, cache_dir, max_px)
        except MineScanError:
            pass

    thread = threading.Thread(target=make, name=f"picture-{Path(scene_path).name}")
    _making[:] = [t for t in _making if t.is_alive()] + [thread]
    thread.start()
    return thread


def wait_for_pictures(timeout_s: float = 60.0) -> None:
    """Wait until the pictures started in this process are made (for tests and short scripts)."""
    for thread in list(_making):
        thread.join(timeout_s)
