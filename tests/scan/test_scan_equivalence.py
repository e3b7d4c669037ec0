"""Tiled, streamed, prefetched and batched scanning gives exactly what the plain path gives.

The plain path is written here independently of ``core.scan.pipeline``, the way the published notebook works: the whole
scene read with rasterio's own masked read, one prediction over it, the nodata rule cell by cell with plain slices,
and the impact model called once per positive cell and patch.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
import rasterio
import rasterio.shutil
from affine import Affine

from core.errors import InvalidSceneError
from core.scan.pipeline import ScanModel, ScanSettings, scan_scene
from core.scan.sites import Site, sites_from_grid
from tests.fakes import RGB, fake_discovery, fake_impact, write_tif


@pytest.fixture(scope="module")
def busy_scene(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1000 x 1100 px (31 x 34 cells): bright squares across tile borders and at the edges, some 'no ore' (dark in
    band 1), a nodata strip on the left and a nodata hole over part of one square."""
    data = np.full((3, 1000, 1100), 800, np.uint16)
    squares = [(100, 120, 60), (230, 560, 45), (400, 300, 90), (520, 610, 50), (700, 880, 120), (880, 500, 80)]
    squares.append((300, 960, 60))
    for r, c, side in squares:
        data[:, r : r + side, c : c + side] = 2500
    data[1, 400:490, 300:390] = 500  # 'no ore' for the fake impact model ...
    data[1, 428:432, 341:345] = 2500  # ... but for a small ore spot inside it, off its cells' centres
    data[1, 520:570, 610:660] = 500
    data[:, :, :100] = 0  # nodata strip
    data[:, 720:760, 900:940] = 0  # nodata hole over part of a square
    data[:, 27 * 5 + 87, 27 * 25 + 87] = 0  # one nodata pixel: the first of cell (5, 25)'s footprint
    path = tmp_path_factory.mktemp("equivalence") / "busy.tif"
    return write_tif(path, data, nodata=0, descriptions=RGB)


def plain_scan(
    path: Path, discovery: ScanModel, impact: ScanModel | None, settings: ScanSettings
) -> tuple[np.ndarray, np.ndarray | None, list[Site]]:
    """The whole scene in memory, one prediction, the nodata rule and the impact model cell by cell."""
    with rasterio.open(path) as src:
        raw = src.read(masked=True)  # the test scenes hold exactly the model's bands, in order
        transform, crs_wkt = src.transform, src.crs.to_wkt()
    valid = ~np.ma.getmaskarray(raw).any(axis=0)
    reflectance = np.moveaxis(np.ma.getdata(raw).astype(np.float32) * np.float32(1e-4), 0, -1)
    reflectance[~valid] = 0.0
    x = discovery.card.normalise(reflectance, valid)
    p_mine = np.asarray(discovery.predict(x[None]))[0, ..., discovery.card.class_index("mine")].copy()
    rows, cols = p_mine.shape
    for r in range(rows):
        for c in range(cols):
            window = valid[27 * r : 27 * r + 201, 27 * c : 27 * c + 201]
            footprint = valid[27 * r + 87 : 27 * r + 114, 27 * c + 87 : 27 * c + 114]
            if not footprint.all() or (~window).sum() > settings.max_window_nodata * window.size:
                p_mine[r, c] = np.nan
    impact_grid = None
    if impact is not None:
        impact_grid = np.full((rows, cols, len(impact.card.classes)), np.nan, np.float32)
        no_ore = impact.card.class_index("no_ore")
        step = settings.impact_offset_px
        for r, c in zip(*np.nonzero(np.nan_to_num(p_mine, nan=0.0) > settings.threshold)):
            best: np.ndarray | None = None
            for dy in (-step, 0, step):
                for dx in (-step, 0, step):
                    r0, c0 = 27 * r + 90 + dy, 27 * c + 90 + dx
                    patch = reflectance[r0 : r0 + 21, c0 : c0 + 21]
                    probs = np.asarray(
                        impact.predict(impact.card.normalise(patch, valid[r0 : r0 + 21, c0 : c0 + 21])[None])
                    )[0]
                    if best is None or probs[no_ore] < best[no_ore]:
                        best = probs
            impact_grid[r, c] = best
    sites = sites_from_grid(
        p_mine,
        impact_grid,
        cell_transform=transform @ Affine.translation(87, 87) @ Affine.scale(27),
        crs_wkt=crs_wkt,
        threshold=settings.threshold,
        impact_classes=impact.card.classes if impact else None,
    )
    return p_mine, impact_grid, sites


@pytest.fixture(scope="module")
def plain(busy_scene: Path) -> tuple[np.ndarray, np.ndarray | None, list[Site]]:
    return plain_scan(busy_scene, fake_discovery(), fake_impact(), ScanSettings())


def test_the_plain_path_sees_what_the_scene_holds(plain: tuple[np.ndarray, np.ndarray | None, list[Site]]) -> None:
    """Guards the comparison below against being vacuous: sites, nodata cells and dropped 'no ore' cells exist."""
    p_mine, impact_grid, sites = plain
    assert p_mine.shape == (31, 34)
    assert np.isnan(p_mine[:, 0]).all() and np.isnan(p_mine).sum() > 31 and np.isnan(p_mine[5, 25])
    assert np.isfinite(p_mine[4, 24:26]).all() and np.isfinite(p_mine[5, 24])
    assert impact_grid is not None and len(sites) >= 4
    assert (np.nan_to_num(p_mine, nan=0.0) > 0.6).sum() > sum(s.cell_count for s in sites)  # 'no ore' dropped


@pytest.mark.parametrize("prefetch", [0, 1, 2])
@pytest.mark.parametrize("cells_per_tile", [3, 7, 40])
def test_tiled_prefetched_batched_scan_equals_the_plain_path(
    busy_scene: Path,
    plain: tuple[np.ndarray, np.ndarray | None, list[Site]],
    cells_per_tile: int,
    prefetch: int,
) -> None:
    p_mine, impact_grid, sites = plain
    settings = ScanSettings(cells_per_tile=cells_per_tile, prefetch=prefetch)
    result = scan_scene(busy_scene, fake_discovery(), fake_impact(), settings)
    np.testing.assert_array_equal(result.grid.p_mine, p_mine)
    assert result.grid.impact is not None and impact_grid is not None
    np.testing.assert_array_equal(result.grid.impact, impact_grid)
    assert result.sites == [s.with_scene("busy", fake_discovery().card, fake_impact().card) for s in sites]


def test_prefetch_reports_a_damaged_file_with_the_same_error(tmp_path: Path) -> None:
    """A file that opens but fails while reading pixels: the reader thread's error reaches the caller unchanged."""
    data = np.random.default_rng(0).integers(0, 9999, (3, 900, 900), np.uint16)
    whole = write_tif(tmp_path / "whole.tif", data, descriptions=RGB)
    cog = tmp_path / "whole_cog.tif"
    rasterio.shutil.copy(whole, cog, driver="COG", compress="NONE", blocksize=256)
    cut = tmp_path / "cut.tif"
    cut.write_bytes(cog.read_bytes()[: int(cog.stat().st_size * 0.7)])
    messages = []
    for prefetch in (0, 1, 2):
        tiles_done: list[int] = []
        with pytest.raises(InvalidSceneError) as err:
            scan_scene(cut, fake_discovery(), settings=ScanSettings(cells_per_tile=3, prefetch=prefetch),
                       progress=lambda done, _, seen=tiles_done: seen.append(done))  # fmt: skip
        messages.append((type(err.value), str(err.value), len(tiles_done)))
    assert messages[0] == messages[1] == messages[2]
    assert "cut.tif is damaged: reading rows" in messages[0][1] and messages[0][2] > 0  # some tiles came through
    assert not [t for t in threading.enumerate() if t.name == "minescan-prefetch"]


def test_an_error_in_the_model_stops_the_reader_thread(busy_scene: Path) -> None:
    def broken(x: np.ndarray) -> np.ndarray:
        raise RuntimeError("model failed")

    try:
        scan_scene(
            busy_scene, ScanModel(fake_discovery().card, broken), settings=ScanSettings(cells_per_tile=3, prefetch=2)
        )
    except RuntimeError as err:  # checked while the traceback (and the scan's frame) is still alive
        assert str(err) == "model failed"
        assert not [t for t in threading.enumerate() if t.name == "minescan-prefetch"]
    else:
        pytest.fail("the model's error was swallowed")


@pytest.fixture(scope="module")
def keras_impact(tmp_path_factory: pytest.TempPathFactory) -> ScanModel:
    """A small impact CNN with random weights, saved and loaded as a bundle (chunked, compiled prediction)."""
    import keras

    from models.architectures import build_impact_cnn
    from models.bundle import load_bundle, save_bundle
    from tests.fakes import card

    keras.utils.set_random_seed(11)
    folder = save_bundle(build_impact_cnn(3, width=0.25), card("impact", RGB, name="random-impact"),
                         tmp_path_factory.mktemp("bundle") / "impact")  # fmt: skip
    loaded = load_bundle(folder)
    return ScanModel(loaded.card, loaded.predict)


def test_batched_keras_impact_equals_one_call_per_cell_and_patch(busy_scene: Path, keras_impact: ScanModel) -> None:
    from models.bundle import PREDICT_CHUNK

    settings = ScanSettings(cells_per_tile=40)
    _, per_cell, per_cell_sites = plain_scan(busy_scene, fake_discovery(), keras_impact, settings)
    result = scan_scene(busy_scene, fake_discovery(), keras_impact, settings)
    assert result.grid.impact is not None and per_cell is not None
    rated = np.isfinite(per_cell).all(axis=-1)
    assert 9 * rated.sum() > PREDICT_CHUNK  # one tile's patches span several of the bundle's prediction chunks
    np.testing.assert_array_equal(np.isfinite(result.grid.impact), np.isfinite(per_cell))
    np.testing.assert_allclose(result.grid.impact, per_cell, rtol=0, atol=1e-6)
    assert [(s.cells, s.impact_class) for s in result.sites] == [(s.cells, s.impact_class) for s in per_cell_sites]


def test_resuming_from_saved_tiles_gives_the_uninterrupted_result(busy_scene: Path) -> None:
    settings = ScanSettings(cells_per_tile=7)
    saved: list = []
    whole = scan_scene(busy_scene, fake_discovery(), fake_impact(), settings, on_tile=saved.append)
    assert [t.index for t in saved] == list(range(whole.tiles)) and whole.tiles == 25
    # An interrupted run finished every third tile; the resumed run computes only the others.
    kept = {t.index: t for t in saved[::3]}
    computed: list = []
    steps: list[tuple[int, int]] = []
    resumed = scan_scene(
        busy_scene,
        fake_discovery(),
        fake_impact(),
        settings,
        progress=lambda d, n: steps.append((d, n)),
        done=kept,
        on_tile=computed.append,
    )
    assert sorted(t.index for t in computed) == sorted(set(range(25)) - set(kept))
    assert steps[0] == (len(kept) + 1, 25) and steps[-1] == (25, 25)
    np.testing.assert_array_equal(resumed.grid.p_mine, whole.grid.p_mine)
    np.testing.assert_array_equal(resumed.grid.impact, whole.grid.impact)
    assert resumed.sites == whole.sites and resumed.valid_area_km2 == pytest.approx(whole.valid_area_km2)


def test_saved_tiles_from_other_settings_are_refused(busy_scene: Path) -> None:
    saved: list = []
    scan_scene(busy_scene, fake_discovery(), None, ScanSettings(cells_per_tile=7), on_tile=saved.append)
    with pytest.raises(InvalidSceneError, match="settings changed"):
        scan_scene(busy_scene, fake_discovery(), None, ScanSettings(cells_per_tile=9), done={0: saved[0]})
