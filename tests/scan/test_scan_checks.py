"""The scene checks follow the caller's scan settings, not the defaults."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from core.errors import InvalidSceneError
from core.imagery.bands import S2_12_BANDS
from core.imagery.raster import open_scene
from core.scan.pipeline import ScanSettings, check_scene_for_scan


def _scene_with_pixels_of(path: Path, metres: float) -> Path:
    profile = {"driver": "GTiff", "width": 256, "height": 256, "count": 12, "dtype": "uint16",
               "crs": "EPSG:32723", "transform": from_origin(600_000, 7_800_000, metres, metres)}  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(np.full((12, 256, 256), 1200, dtype="uint16"))
        dst.descriptions = S2_12_BANDS
    return path


def test_pixel_size_is_checked_against_the_callers_range(tmp_path: Path) -> None:
    info = open_scene(_scene_with_pixels_of(tmp_path / "s20.tif", 20.0), S2_12_BANDS)
    with pytest.raises(InvalidSceneError, match="pixels of about 20.0 x 20.. m"):
        check_scene_for_scan(info, ScanSettings())  # the default range is 7-14 m
    check_scene_for_scan(info, ScanSettings(pixel_m_range=(5.0, 25.0)))  # a caller who allows 20 m gets through
    with pytest.raises(InvalidSceneError):
        check_scene_for_scan(open_scene(_scene_with_pixels_of(tmp_path / "s10.tif", 10.0), S2_12_BANDS),
                             ScanSettings(pixel_m_range=(15.0, 25.0)))  # fmt: skip
