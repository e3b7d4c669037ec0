"""Reading patch folders, cutting patches from scenes with masks, and the per-band statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from core.errors import TrainingDataError
from core.model_card import DISCOVERY_CLASSES, ModelCard
from core.settings import shared_data_dir
from core.training.patch_stats import band_statistics, centre_slice, normalise_patches
from core.training.patches import (
    SOURCE_SCENE_TAG,
    CutSettings,
    cut_patches_from_scenes,
    label_windows,
    load_patch_folder,
)

BANDS = ("B2", "B3", "B4")
UTM = Affine(10, 0, 600_000, 0, -10, 7_800_000)
REAL_DATA = shared_data_dir() / "tailings_seg"


def _write(
    path: Path,
    data: np.ndarray,
    *,
    descriptions: tuple[str, ...] | None = BANDS,
    nodata: float | None = None,
    transform: Affine = UTM,
    tags: dict[str, str] | None = None,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[2],
        height=data.shape[1],
        count=data.shape[0],
        dtype=data.dtype,
        crs="EPSG:32723",
        transform=transform,
        nodata=nodata,
    ) as dst:
        dst.write(data)
        if descriptions:
            dst.descriptions = descriptions
        if tags:
            dst.update_tags(**tags)
    return path


def _patch(value: int, size: int = 9) -> np.ndarray:
    return np.full((3, size, size), value, dtype=np.uint16)


def test_load_patch_folder(tmp_path: Path) -> None:
    nodata_patch = _patch(1000)
    nodata_patch[:, 0, :] = 0
    _write(tmp_path / "mine" / "sceneA_1.tif", _patch(3000))
    _write(tmp_path / "mine" / "mine_0007.tif", nodata_patch, nodata=0)
    _write(tmp_path / "not_mine" / "sceneA_2.tif", _patch(1000))
    _write(tmp_path / "not_mine" / "other.tif", _patch(1000), tags={SOURCE_SCENE_TAG: "S2_2019_T23KPS"})

    data = load_patch_folder(tmp_path, BANDS, DISCOVERY_CLASSES)
    order = data.sources.tolist()
    assert order == ["not_mine/other.tif", "not_mine/sceneA_2.tif", "mine/mine_0007.tif", "mine/sceneA_1.tif"]
    assert data.y.tolist() == [0, 0, 1, 1] and data.classes == DISCOVERY_CLASSES
    assert data.groups.tolist() == ["S2_2019_T23KPS", "sceneA", "mine_0007", "sceneA"]
    assert data.x.shape == (4, 9, 9, 3) and data.x.dtype == np.float32
    assert data.x[3, 4, 4, 0] == pytest.approx(0.3)  # DN / 10000
    assert not data.valid[2, 0].any() and data.valid[2, 1:].all()
    assert data.class_counts() == {"not_mine": 2, "mine": 2}


def test_patch_folder_with_wrong_subfolders(tmp_path: Path) -> None:
    _write(tmp_path / "mines" / "a.tif", _patch(1))
    _write(tmp_path / "background" / "b.tif", _patch(1))
    with pytest.raises(TrainingDataError, match="Found: background, mines; expected: not_mine, mine"):
        load_patch_folder(tmp_path, BANDS, DISCOVERY_CLASSES)


def test_patch_folder_with_mixed_sizes_names_the_odd_file(tmp_path: Path) -> None:
    _write(tmp_path / "mine" / "a.tif", _patch(1))
    _write(tmp_path / "mine" / "c.tif", _patch(1))
    _write(tmp_path / "not_mine" / "b.tif", _patch(1, size=11))
    with pytest.raises(TrainingDataError, match=r"not_mine/b\.tif is 11 x 11 px but 2 of the 3 patches are 9 x 9"):
        load_patch_folder(tmp_path, BANDS, DISCOVERY_CLASSES)


def test_patch_folder_with_an_empty_class(tmp_path: Path) -> None:
    _write(tmp_path / "mine" / "a.tif", _patch(1))
    (tmp_path / "not_mine").mkdir()
    with pytest.raises(TrainingDataError, match="not_mine holds no .tif"):
        load_patch_folder(tmp_path, BANDS, DISCOVERY_CLASSES)


SMALL = {"core_size": 9, "margin": 10, "positive_stride": 3, "negative_stride": 15}


@pytest.fixture
def scene_dirs(tmp_path: Path) -> Path:
    """Two 120 x 150 px scenes; a 10 x 10 px 'dam' at rows/cols 20-29 in each; nodata in the last 5 columns of one."""
    for n in (1, 2):
        img = np.full((3, 120, 150), 1000, dtype=np.uint16)
        img[:, 20:30, 20:30] = 4000
        mask = np.zeros((1, 120, 150), dtype=np.uint8)
        mask[:, 20:30, 20:30] = 1
        if n == 2:
            img[:, :, -5:] = 0
        _write(tmp_path / "img" / f"img_{n}.tif", img, nodata=0)
        _write(tmp_path / "mask" / f"mask_{n}.tif", mask, descriptions=None)
    return tmp_path


def test_cut_patches_positives_at_centre_negatives_far(scene_dirs: Path) -> None:
    data = cut_patches_from_scenes(scene_dirs / "img", scene_dirs / "mask", BANDS, patch_size=41, **SMALL)
    assert data.x.shape[1:] == (41, 41, 3) and data.classes == DISCOVERY_CLASSES
    counts = data.class_counts()
    assert counts["mine"] == counts["not_mine"] > 0
    assert set(data.groups.tolist()) == {"img_1.tif", "img_2.tif"}
    for source, label in zip(data.sources, data.y, strict=True):
        row, col = (int(v) for v in source.split("@")[1].split(","))
        core = (row + 16, row + 25, col + 16, col + 25)  # (41 - 9) // 2 = 16
        if DISCOVERY_CLASSES[label] == "mine":
            assert core[0] < 30 and core[1] > 20 and core[2] < 30 and core[3] > 20
        else:  # no mask pixel within the patch grown by the 10 px margin
            assert row - 10 >= 30 or row + 41 + 10 <= 20 or col - 10 >= 30 or col + 41 + 10 <= 20
    mine = data.y == 1
    assert data.x[mine].max() == pytest.approx(0.4) and data.x[~mine].max() == pytest.approx(0.1)
    assert (~data.valid).any()  # nodata pixels travel as a mask
    again = cut_patches_from_scenes(scene_dirs / "img", scene_dirs / "mask", BANDS, patch_size=41, **SMALL)
    assert again.sources.tolist() == data.sources.tolist()  # seeded


def test_label_windows_on_a_point_mask() -> None:
    mask = np.zeros((100, 100), bool)
    mask[50, 50] = True
    positive, negative = label_windows(
        mask, CutSettings(patch_size=21, core_size=3, margin=0, positive_stride=1, negative_stride=1)
    )
    # Core rows are [r + 9, r + 12): it holds row 50 for r in 39..41; same for columns.
    assert sorted({int(r) for r in positive[:, 0]}) == [39, 40, 41] and len(positive) == 9
    assert not any(30 <= r <= 50 and 30 <= c <= 50 for r, c in negative)


def test_cut_patches_with_misaligned_grids(scene_dirs: Path) -> None:
    _write(
        scene_dirs / "mask" / "mask_2.tif",
        np.zeros((1, 120, 150), np.uint8),
        descriptions=None,
        transform=Affine(10, 0, 600_010, 0, -10, 7_800_000),
    )
    with pytest.raises(TrainingDataError, match="mask_2.tif and img_2.tif have different geotransforms"):
        cut_patches_from_scenes(scene_dirs / "img", scene_dirs / "mask", BANDS, patch_size=41, **SMALL)
    _write(scene_dirs / "mask" / "mask_2.tif", np.zeros((1, 100, 150), np.uint8), descriptions=None)
    with pytest.raises(TrainingDataError, match=r"mask_2.tif \(150 x 100 px.*not on the grid of img_2.tif"):
        cut_patches_from_scenes(scene_dirs / "img", scene_dirs / "mask", BANDS, patch_size=41, **SMALL)


def test_cut_patches_from_too_small_scene_or_missing_mask(scene_dirs: Path) -> None:
    with pytest.raises(TrainingDataError, match=r"img_1.tif is 150 x 120 px, smaller than one 201 x 201 px patch"):
        cut_patches_from_scenes(scene_dirs / "img", scene_dirs / "mask", BANDS)
    (scene_dirs / "mask" / "mask_1.tif").unlink()
    with pytest.raises(TrainingDataError, match="lacks mask_1.tif"):
        cut_patches_from_scenes(scene_dirs / "img", scene_dirs / "mask", BANDS, patch_size=41, **SMALL)


def test_cut_patches_needs_both_classes(scene_dirs: Path) -> None:
    with pytest.raises(TrainingDataError, match="background windows"):
        cut_patches_from_scenes(
            scene_dirs / "img", scene_dirs / "mask", BANDS, patch_size=41, **{**SMALL, "margin": 200}
        )


def test_band_statistics_use_valid_pixels_of_the_chosen_patches() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(0.2, 0.05, (40, 15, 15, 2)).astype(np.float32)
    valid = rng.random((40, 15, 15)) > 0.2
    x[~valid] = 99.0  # must not count
    idx = np.arange(0, 40, 3)
    mean, std = band_statistics(x, valid, idx, chunk=4)
    pixels = x[idx][valid[idx]]
    np.testing.assert_allclose(mean, pixels.astype(np.float64).mean(axis=0), rtol=1e-9)
    np.testing.assert_allclose(std, pixels.astype(np.float64).std(axis=0), rtol=1e-9)
    cropped_mean, _ = band_statistics(x, valid, idx, crop=5)
    win = centre_slice(15, 5)
    np.testing.assert_allclose(cropped_mean, x[idx, win, win][valid[idx, win, win]].mean(axis=0, dtype=np.float64))
    card = ModelCard(
        name="t",
        version="1",
        kind="impact",
        bands=("B2", "B3"),
        mean=tuple(mean),
        std=tuple(std),
        classes=("a", "b", "c"),
        threshold=0.6,
        patch_size=21,
        created_at="now",
    )
    np.testing.assert_allclose(normalise_patches(x, valid, mean, std), card.normalise(x, valid), atol=1e-6)
    assert (normalise_patches(x, valid, mean, std)[~valid] == 0).all()
    with pytest.raises(TrainingDataError, match="no valid pixel"):
        band_statistics(x, np.zeros_like(valid), idx)


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"real tailings patches ({REAL_DATA}) not present")
def test_real_tailings_scenes_give_mine_windows_but_no_background(tmp_path: Path) -> None:
    """The real 448 px patches are centred on a dam: every 201 px window lies near it, so no negatives come out."""
    for sub in ("img", "mask"):
        (tmp_path / sub).mkdir()
        for n in (0, 10, 101):
            (tmp_path / sub / f"{sub}_{n}.tif").symlink_to(REAL_DATA / sub / f"{sub}_{n}.tif")
    with pytest.raises(TrainingDataError, match=r"the masks give \d+ mine windows and 0 background windows"):
        cut_patches_from_scenes(tmp_path / "img", tmp_path / "mask", BANDS)
    small = cut_patches_from_scenes(tmp_path / "img", tmp_path / "mask", BANDS, patch_size=101, margin=20)
    assert small.x.shape[1:] == (101, 101, 3) and small.class_counts()["mine"] == small.class_counts()["not_mine"] > 0
    assert 0.0 < float(small.x.mean()) < 0.5 and small.valid.all()  # float reflectance is kept as is
