"""Reading scenes: band selection by name or unambiguous position, scaling, nodata, and bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
import rasterio.shutil
from affine import Affine
from rasterio.windows import Window

from core.errors import BandMismatchError, InvalidSceneError, MineScanError, NoValidDataError
from core.imagery.bands import S2_12_BANDS, S2_13_BANDS, canonical_band_name
from core.imagery.raster import READ_CACHE_MB, open_scene, read_scene, scene_reader, select_bands
from core.scan.pipeline import scan_scene
from tests.bad_inputs import bad_scenes
from tests.fakes import RGB, fake_discovery, write_tif


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("B02", "B2"),
        ("b2", "B2"),
        ("B8A", "B8A"),
        ("B08", "B8"),
        ("B12", "B12"),
        ("B02 (blue)", "B2"),
        ("red", "B4"),
        ("SR_B4", "B4"),
        ("constant", None),
        ("", None),
        (None, None),
    ],
)
def test_canonical_band_names(text: str | None, expected: str | None) -> None:
    assert canonical_band_name(text) == expected


def test_thirteen_named_bands_skip_b8a() -> None:
    names = tuple(f"B{n:02d}" if n != "8A" else "B8A" for n in [1, 2, 3, 4, 5, 6, 7, 8, "8A", 9, 10, 11, 12])
    assert select_bands(names, S2_12_BANDS, "f.tif") == (1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13)


def test_unnamed_bands_by_unambiguous_count() -> None:
    assert select_bands((None,) * 13, S2_12_BANDS, "f.tif") == (1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13)
    assert select_bands((None,) * 12, RGB, "f.tif") == (2, 3, 4)
    assert select_bands((None,) * 3, RGB, "f.tif") == (1, 2, 3)


def test_ambiguous_count_lists_what_file_has_and_what_model_needs() -> None:
    with pytest.raises(BandMismatchError) as err:
        select_bands((None,) * 5, S2_12_BANDS, "five.tif")
    text = str(err.value)
    assert "five.tif has 5 band(s)" in text and "needs 12: B1, B2" in text


def test_named_bands_missing_one_says_which() -> None:
    with pytest.raises(BandMismatchError, match="lacks B4"):
        select_bands(("B2", "B3", "B8"), RGB, "f.tif")


def test_duplicated_band_name_is_refused() -> None:
    with pytest.raises(BandMismatchError, match="names band B3 more than once"):
        select_bands(("B2", "B3", "B3", "B4"), RGB, "f.tif")


def test_integer_dn_become_reflectance_and_nodata_is_masked(tmp_path: Path) -> None:
    data = np.full((3, 40, 50), 1500, np.uint16)
    data[:, :, :5] = 0
    path = write_tif(tmp_path / "dn.tif", data, nodata=0, descriptions=RGB)
    scene = read_scene(path, RGB)
    assert scene.data.shape == (40, 50, 3) and scene.data.dtype == np.float32
    assert scene.data[0, 10] == pytest.approx([0.15, 0.15, 0.15])
    assert not scene.valid[:, :5].any() and scene.valid[:, 5:].all()


def test_float_is_reflectance_and_nan_is_nodata(tmp_path: Path) -> None:
    data = np.full((3, 30, 30), 0.12, np.float32)
    data[1, 3, 4] = np.nan
    data[2, 5, 6] = np.inf
    scene = read_scene(write_tif(tmp_path / "f.tif", data, descriptions=RGB), RGB)
    assert scene.data[0, 0, 0] == pytest.approx(0.12)
    assert not scene.valid[3, 4] and not scene.valid[5, 6] and scene.valid.sum() == 900 - 2
    assert np.isfinite(scene.data).all()


def test_real_l1c_13_bands_read_with_12_band_profile(shared_data: Path) -> None:
    path = shared_data / "sentinel2_l1c_sample" / "T33UUU_20170216_L1C_13band_10m.tif"
    info = open_scene(path, S2_12_BANDS)
    assert info.file_bands == tuple(
        f"B{b}" if b == "8A" else f"B{int(b):02d}"
        for b in ["1", "2", "3", "4", "5", "6", "7", "8", "8A", "9", "10", "11", "12"]
    )
    assert info.band_indexes == (1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13)
    assert info.scale == pytest.approx(1e-4)
    with scene_reader(info) as reader:
        data, valid = reader.read(0, 64, 0, 64)
    assert data.shape == (64, 64, 12) and valid.all()
    assert 0.0 < float(np.median(data)) < 1.0
    assert S2_13_BANDS[8] == "B8A"


# --- The catalogue of bad files: each gives a specific message, never a traceback. ---


BAD_CASES = [
    "no_crs",
    "no_transform",
    "rotated",
    "wrong_band_count",
    "missing_named_band",
    "duplicate_band",
    "all_nodata",
    "all_nan",
    "too_small",
    "one_pixel",
    "60m_pixels",
    "not_a_raster",
    "empty_file",
    "missing",
    "folder",
    "truncated",
    "truncated_pixels",
    "far_larger_than_memory",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_file_gives_specific_error(tmp_path: Path, case: str) -> None:
    path, expected = bad_scenes(tmp_path)[case]
    with pytest.raises(MineScanError) as err:
        scan_scene(path, fake_discovery())
    assert expected in str(err.value)
    assert isinstance(err.value, InvalidSceneError)


def test_all_nodata_is_its_own_error(tmp_path: Path) -> None:
    path, _ = bad_scenes(tmp_path)["all_nodata"]
    with pytest.raises(NoValidDataError):
        scan_scene(path, fake_discovery())


def test_real_truncated_export_is_refused_as_too_small(shared_data: Path) -> None:
    path = shared_data / "malformed" / "tailings_img_23_truncated.tif"
    with pytest.raises(InvalidSceneError, match=r"448 .*at least 201 x 201|48 x 448 px"):
        scan_scene(path, fake_discovery())


# --- The tile reader against rasterio's own masked read, for each way a file can declare invalid pixels. ---


def _reference_read(
    path: Path, indexes: tuple[int, ...], scale: float, window: Window
) -> tuple[np.ndarray, np.ndarray]:
    with rasterio.open(path) as src:
        raw = src.read(list(indexes), window=window, masked=True)
    data = np.ma.getdata(raw).astype(np.float32)
    valid = ~np.ma.getmaskarray(raw).any(axis=0) & np.isfinite(data).all(axis=0)
    if scale != 1.0:
        data = data * np.float32(scale)
    data = np.moveaxis(data, 0, -1)
    data[~valid] = 0.0
    return data, valid


def _masked_files(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(4)
    dn = rng.integers(1, 4000, (13, 90, 110), dtype=np.uint16)
    dn[:, 10:20, 30:50] = 0
    dn[4, 50:55, 60:70] = 0  # nodata in one band only
    names = tuple(f"B{b}" for b in ["1", "2", "3", "4", "5", "6", "7", "8", "8A", "9", "10", "11", "12"])
    files = {"uint16_nodata_13_bands": write_tif(tmp_path / "u16.tif", dn, nodata=0, descriptions=names)}
    files["uint16_no_nodata"] = write_tif(tmp_path / "plain.tif", dn[:3], descriptions=RGB)
    fl = (dn[:3] / 10_000).astype(np.float32)
    fl[0, 5, 5], fl[1, 6, 6], fl[2, 7, 7], fl[:, 60:64, 20:30] = np.nan, np.inf, -np.inf, -9999.0
    files["float32_nodata_nan_inf"] = write_tif(tmp_path / "f32.tif", fl, nodata=-9999.0, descriptions=RGB)
    files["int32_nodata"] = write_tif(tmp_path / "i32.tif", dn[:3].astype(np.int32) - 5, nodata=-5, descriptions=RGB)
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True):
        path = write_tif(tmp_path / "mask.tif", dn[:3], descriptions=RGB)
        with rasterio.open(path, "r+") as dst:
            mask = np.full((90, 110), 255, np.uint8)
            mask[40:70, 0:25] = 0
            dst.write_mask(mask)
    files["uint16_internal_mask"] = path
    alpha = np.concatenate([dn[:3], np.where(dn[:1] > 3500, 0, 255).astype(np.uint16)])
    with rasterio.open(
        tmp_path / "alpha.tif", "w", driver="GTiff", width=110, height=90, count=4, dtype="uint16", photometric="RGB",
        alpha="YES", crs="EPSG:32723", transform=Affine(10, 0, 600_000, 0, -10, 7_800_000),
    ) as dst:  # fmt: skip
        dst.write(alpha)
        for i, name in enumerate((*RGB, "alpha"), start=1):
            dst.set_band_description(i, name)
    files["uint16_alpha_band"] = tmp_path / "alpha.tif"
    return files


@pytest.mark.parametrize(
    "case",
    [
        "uint16_nodata_13_bands",
        "uint16_no_nodata",
        "float32_nodata_nan_inf",
        "int32_nodata",
        "uint16_internal_mask",
        "uint16_alpha_band",
    ],
)
def test_tile_reader_matches_rasterio_masked_read(tmp_path: Path, case: str) -> None:
    path = _masked_files(tmp_path)[case]
    bands = S2_12_BANDS if "13_bands" in case else RGB
    info = open_scene(path, bands)
    with scene_reader(info) as reader:
        for row0, row1, col0, col1 in [(0, 90, 0, 110), (7, 61, 13, 99), (40, 41, 0, 1)]:
            data, valid = reader.read(row0, row1, col0, col1)
            want_data, want_valid = _reference_read(
                path, info.band_indexes, info.scale, Window(col0, row0, col1 - col0, row1 - row0)
            )
            assert data.shape == (row1 - row0, col1 - col0, len(bands)) and data.flags.c_contiguous
            np.testing.assert_array_equal(valid, want_valid)
            np.testing.assert_array_equal(data, want_data)
    full = read_scene(path, bands)
    assert 0 < full.valid.sum() < (full.valid.size if case != "uint16_no_nodata" else full.valid.size + 1)


def test_the_reader_caps_gdal_s_block_cache_while_open(tmp_path: Path) -> None:
    path = write_tif(tmp_path / "s.tif", np.full((3, 300, 300), 900, np.uint16), descriptions=RGB)
    info = open_scene(path, RGB)
    before = rasterio.env.get_gdal_config("GDAL_CACHEMAX")
    with scene_reader(info):
        assert rasterio.env.get_gdal_config("GDAL_CACHEMAX") == READ_CACHE_MB * 2**20
    assert rasterio.env.get_gdal_config("GDAL_CACHEMAX") == before
