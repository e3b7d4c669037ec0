"""Scans with a real Keras FCN (small, random weights): tiling is exact, real 13-band files work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.imagery.bands import S2_12_BANDS
from core.scan.grid import output_cells
from core.scan.pipeline import ScanModel, ScanSettings, scan_scene
from tests.fakes import card as fake_card
from tests.fakes import write_tif


@pytest.fixture(scope="module")
def small_fcn() -> ScanModel:
    import keras

    from models.architectures import build_discovery_fcn

    keras.utils.set_random_seed(3)
    net = build_discovery_fcn(12, width=0.25)

    def predict(x: np.ndarray) -> np.ndarray:
        return np.asarray(net(x, training=False))

    card = fake_card("discovery", S2_12_BANDS, threshold=0.5, name="random-fcn")
    return ScanModel(card, predict)


def test_tiled_grid_equals_whole_scene_grid(tmp_path: Path, small_fcn: ScanModel) -> None:
    rng = np.random.default_rng(5)
    data = rng.integers(200, 3000, size=(12, 730, 910), dtype=np.uint16)
    path = write_tif(tmp_path / "noise.tif", data, descriptions=S2_12_BANDS)
    whole_direct = small_fcn.predict(small_fcn.card.normalise(np.moveaxis(data, 0, -1) / 10_000.0)[None])[0, ..., 1]
    assert whole_direct.shape == (output_cells(730), output_cells(910))
    for cells_per_tile, prefetch in ((2, 0), (5, 1), (11, 2)):
        settings = ScanSettings(cells_per_tile=cells_per_tile, prefetch=prefetch)
        tiled = scan_scene(path, small_fcn, settings=settings).grid.p_mine
        np.testing.assert_allclose(tiled, whole_direct, rtol=0, atol=1e-5)


def test_real_13_band_l1c_crop_scans_with_the_12_band_profile(shared_data: Path, small_fcn: ScanModel) -> None:
    path = shared_data / "sentinel2_l1c_sample" / "T33UUU_20170216_L1C_13band_10m.tif"
    result = scan_scene(path, small_fcn, settings=ScanSettings(cells_per_tile=20))
    assert result.scene.band_indexes == (1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13)  # B8A (band 9) skipped by name
    assert result.grid.p_mine.shape == (output_cells(768), output_cells(1536)) == (22, 50)
    assert np.isfinite(result.grid.p_mine).all()  # the crop has no nodata
    assert result.valid_area_km2 == pytest.approx(768 * 1536 * 100 / 1e6, rel=0.01)
