"""The map's scene pictures are made once per scene file and kept on disk; an edited scene gets a new one."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from core.errors import InvalidSceneError
from core.imagery import pictures as scene_picture_cache
from core.imagery.pictures import scene_picture


def _scene(path: Path, square_at: int = 20) -> Path:
    data = np.full((3, 64, 64), 1200, dtype="uint16")
    data[:, square_at : square_at + 20, square_at : square_at + 20] = 5000
    profile = {"driver": "GTiff", "width": 64, "height": 64, "count": 3, "dtype": "uint16", "crs": "EPSG:32723",
               "transform": from_origin(600_000, 7_800_000, 10, 10), "nodata": 0}  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
        dst.descriptions = ("B2", "B3", "B4")
    return path


def _count_makes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    made: list[Path] = []
    real = scene_picture_cache.scene_overview

    def counting(path: Path, max_px: int):  # type: ignore[no-untyped-def]
        made.append(path)
        return real(path, max_px)

    monkeypatch.setattr(scene_picture_cache, "scene_overview", counting)
    return made


def test_a_picture_is_made_once_and_read_back_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scene, cache = _scene(tmp_path / "s.tif"), tmp_path / "cache"
    made = _count_makes(monkeypatch)
    first = scene_picture(scene, cache)
    again = scene_picture(scene, cache)
    assert len(made) == 1  # the second call (a restarted server) reads the stored picture
    assert again == first and first.webp[8:12] == b"WEBP"
    west, south, east, north = first.bounds_lonlat
    assert -46 < west < east < -44 and -21 < south < north < -19  # UTM 23S near Belo Horizonte, in lon/lat


def test_an_edited_scene_gets_a_new_picture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scene, cache = _scene(tmp_path / "s.tif"), tmp_path / "cache"
    made = _count_makes(monkeypatch)
    first = scene_picture(scene, cache)
    _scene(scene, square_at=5)  # the bright square moved
    stat = scene.stat()
    os.utime(scene, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # a later modification time
    second = scene_picture(scene, cache)
    assert len(made) == 2 and second.webp != first.webp


def test_a_broken_entry_is_made_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scene, cache = _scene(tmp_path / "s.tif"), tmp_path / "cache"
    first = scene_picture(scene, cache)
    for meta in cache.glob("*.json"):
        meta.write_text("{half written", encoding="utf-8")
    made = _count_makes(monkeypatch)
    assert scene_picture(scene, cache) == first and len(made) == 1


def test_a_moved_scene_says_so(tmp_path: Path) -> None:
    with pytest.raises(InvalidSceneError, match="no longer where it was scanned"):
        scene_picture(tmp_path / "gone.tif", tmp_path / "cache")
    assert not (tmp_path / "cache").exists()
