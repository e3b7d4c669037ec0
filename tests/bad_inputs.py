"""The catalogue of bad inputs shared by the tests: scene files that must be refused with a specific message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
import rasterio.shutil
from affine import Affine

from tests.fakes import RGB, write_tif


def bad_scenes(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Bad scene files by case name: (path, a fragment of the message a user must see)."""
    ok = np.full((3, 256, 256), 1000, np.uint16)
    files: dict[str, tuple[Path, str]] = {}
    files["no_crs"] = (write_tif(tmp_path / "nocrs.tif", ok, crs=None, descriptions=RGB), "no coordinate reference")
    files["no_transform"] = (
        write_tif(tmp_path / "notransform.tif", ok, crs=None, transform=Affine.identity(), descriptions=RGB),
        "no coordinate reference",
    )
    files["rotated"] = (
        write_tif(tmp_path / "rot.tif", ok, transform=Affine(10, 2, 600_000, 2, -10, 7_800_000), descriptions=RGB),
        "rotated",
    )
    files["wrong_band_count"] = (write_tif(tmp_path / "two.tif", ok[:2]), "has 2 band(s)")
    files["missing_named_band"] = (write_tif(tmp_path / "b8.tif", ok, descriptions=("B2", "B3", "B8")), "lacks B4")
    files["duplicate_band"] = (
        write_tif(tmp_path / "dup.tif", np.concatenate([ok, ok[:1]]), descriptions=("B2", "B3", "B4", "B4")),
        "more than once",
    )
    files["all_nodata"] = (
        write_tif(tmp_path / "empty_pixels.tif", np.zeros_like(ok), nodata=0, descriptions=RGB),
        "valid pixels",
    )
    nan = np.full((3, 256, 256), np.nan, np.float32)
    files["all_nan"] = (write_tif(tmp_path / "nan.tif", nan, descriptions=RGB), "valid pixels")
    files["too_small"] = (write_tif(tmp_path / "small.tif", ok[:, :100, :], descriptions=RGB), "at least 201 x 201")
    files["one_pixel"] = (write_tif(tmp_path / "one.tif", ok[:, :1, :1], descriptions=RGB), "1 x 1 px")
    files["60m_pixels"] = (
        write_tif(tmp_path / "coarse.tif", ok, transform=Affine(60, 0, 600_000, 0, -60, 7_800_000), descriptions=RGB),
        "the models work on 10 m",
    )
    text = tmp_path / "notes.tif"
    text.write_text("this is not an image\n")
    files["not_a_raster"] = (text, "not a readable GeoTIFF")
    zero = tmp_path / "zero.tif"
    zero.write_bytes(b"")
    files["empty_file"] = (zero, "empty file (0 bytes)")
    files["missing"] = (tmp_path / "nowhere.tif", "does not exist")
    files["folder"] = (tmp_path, "is a folder")
    big = write_tif(
        tmp_path / "whole.tif", np.random.default_rng(0).integers(0, 9999, (3, 600, 600), np.uint16), descriptions=RGB
    )
    cut = tmp_path / "truncated.tif"
    cut.write_bytes(big.read_bytes()[: big.stat().st_size // 2])
    files["truncated"] = (cut, "not a readable GeoTIFF")
    # A cloud-optimised layout keeps the header first, so a cut file opens and fails while reading pixels.
    cog = tmp_path / "whole_cog.tif"
    rasterio.shutil.copy(big, cog, driver="COG", compress="NONE", blocksize=256)
    cut_cog = tmp_path / "truncated_cog.tif"
    cut_cog.write_bytes(cog.read_bytes()[: cog.stat().st_size // 2])
    files["truncated_pixels"] = (cut_cog, "damaged")
    # A header announcing 150,000 columns (a sparse file of a few kB): refused before anything is read.
    huge = tmp_path / "continent.tif"
    with rasterio.open(huge, "w", driver="GTiff", width=150_000, height=256, count=3, dtype="uint16", tiled=True,
                       crs="EPSG:32723", transform=Affine(10, 0, 600_000, 0, -10, 7_800_000),
                       SPARSE_OK="TRUE") as dst:  # fmt: skip
        for i, name in enumerate(RGB, start=1):
            dst.set_band_description(i, name)
    files["far_larger_than_memory"] = (huge, "up to 100,000 px a side")
    return files
