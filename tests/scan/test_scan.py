"""The scan end to end with numpy stand-in models: geolocation (golden), nodata, impact filter, clustering."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from affine import Affine
from pyproj import Transformer

from core.scan.grid import output_cells
from core.scan.pipeline import ScanModel, ScanSettings, scan_scene
from tests.fakes import RGB, card, fake_discovery, fake_impact, write_tif

DEG_10M = 10 / 111_320  # ~10 m in degrees of latitude


def planted_scene(tmp_path: Path, name: str, transform: Affine, crs: str, size: int = 800) -> Path:
    """Dark background (0.08) with one bright 60 x 60 px square at rows 400-459, cols 300-359."""
    data = np.full((3, size, size), 800, np.uint16)
    data[:, 400:460, 300:360] = 2500
    return write_tif(tmp_path / name, data, crs=crs, transform=transform, descriptions=RGB)


@pytest.mark.parametrize(
    ("crs", "transform"),
    [
        ("EPSG:32723", Affine(10, 0, 600_000, 0, -10, 7_800_000)),
        ("EPSG:4326", Affine(DEG_10M, 0, -43.9, 0, -DEG_10M, -20.0)),
    ],
    ids=["utm", "wgs84"],
)
def test_planted_site_comes_back_within_one_cell(tmp_path: Path, crs: str, transform: Affine) -> None:
    path = planted_scene(tmp_path, "planted.tif", transform, crs)
    result = scan_scene(path, fake_discovery(), settings=ScanSettings(cells_per_tile=5))
    assert len(result.sites) == 1
    site = result.sites[0]
    # Golden: the square's centre (pixel col 330, row 430) in map coordinates, then metres to the site centre.
    x, y = transform @ (330, 430)
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = to_lonlat.transform(x, y)
    geod_m = _metres(lon, lat, site.lon, site.lat)
    assert geod_m <= 270, f"site centre {geod_m:.0f} m from the planted centre"
    assert shapely.from_wkt(site.outline_wkt).contains(shapely.Point(lon, lat))
    # Cells (12, 8), (12, 9), (13, 8), (13, 9): four 270 m cells (the UTM grid's scale factor aside).
    assert site.cell_count == 4
    assert sorted(site.cells) == [(12, 8), (12, 9), (13, 8), (13, 9)]
    expected_km2 = 4 * 0.27 * 0.27 if crs != "EPSG:4326" else 4 * (27 * 10) * (27 * 10 * np.cos(np.radians(20))) / 1e6
    assert site.area_km2 == pytest.approx(expected_km2, rel=0.02)
    assert site.p_max == pytest.approx(1.0)
    assert site.scene_id == "planted" and site.discovery_model == "fake"


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    from core.imagery.geo import haversine_m

    return float(haversine_m(lon1, lat1, lon2, lat2))


def test_grid_shape_and_progress(tmp_path: Path) -> None:
    path = planted_scene(tmp_path, "p.tif", Affine(10, 0, 600_000, 0, -10, 7_800_000), "EPSG:32723", size=700)
    calls: list[tuple[int, int]] = []
    result = scan_scene(
        path, fake_discovery(), settings=ScanSettings(cells_per_tile=4), progress=lambda d, t: calls.append((d, t))
    )
    assert result.grid.p_mine.shape == (output_cells(700), output_cells(700)) == (19, 19)
    assert calls == [(k, 25) for k in range(1, 26)] and result.tiles == 25


def test_tiling_does_not_change_sites(tmp_path: Path) -> None:
    path = planted_scene(tmp_path, "p.tif", Affine(10, 0, 600_000, 0, -10, 7_800_000), "EPSG:32723")
    small = scan_scene(path, fake_discovery(), settings=ScanSettings(cells_per_tile=3))
    whole = scan_scene(path, fake_discovery(), settings=ScanSettings(cells_per_tile=1000))
    np.testing.assert_array_equal(small.grid.p_mine, whole.grid.p_mine)
    assert [s.cells for s in small.sites] == [s.cells for s in whole.sites]


def always_mine(x: np.ndarray) -> np.ndarray:
    rows, cols = output_cells(x.shape[1]), output_cells(x.shape[2])
    out = np.empty((1, rows, cols, 2), np.float32)
    out[..., 0], out[..., 1] = 0.01, 0.99
    return out


def test_cells_touching_nodata_are_never_positive(tmp_path: Path) -> None:
    data = np.full((3, 600, 600), 900, np.uint16)
    data[:, :, :100] = 0  # nodata strip on the left
    data[:, 300:330, 400:430] = 0  # a masked cloud inside
    path = write_tif(tmp_path / "holes.tif", data, nodata=0, descriptions=RGB)
    result = scan_scene(path, ScanModel(card(), always_mine))
    p = result.grid.p_mine
    # Footprint of cell c is pixels [27c+87, 27c+114): only column 0 reaches into the strip.
    assert np.isnan(p[:, 0]).all() and np.isfinite(p[:, 1:3]).all()
    # The cloud (rows/cols 300-329 x 400-429) touches the footprints of rows 7-8 and columns 11-12.
    assert np.isnan(p[7:9, 11:13]).all()
    nodata_cells = {(r, c) for r, c in zip(*np.nonzero(np.isnan(p)))}
    for site in result.sites:
        assert not nodata_cells & set(site.cells)


def test_masked_bright_pixels_do_not_leak_into_detections(tmp_path: Path) -> None:
    data = np.full((3, 600, 600), 800, np.uint16)
    data[:, 250:350, 250:350] = 5000  # bright, but declared nodata
    path = write_tif(tmp_path / "bright_nodata.tif", data, nodata=5000, descriptions=RGB)
    result = scan_scene(path, fake_discovery())
    assert result.sites == []


def test_impact_model_drops_no_ore_and_rates_the_rest(tmp_path: Path) -> None:
    data = np.full((3, 900, 900), 800, np.uint16)
    data[:, 400:460, 200:260] = 2500  # ore: bright in band 1 too
    data[:, 400:460, 600:660] = 2500
    data[1, 400:460, 600:660] = 500  # dark in band 1: 'no ore' for the fake impact model
    path = write_tif(tmp_path / "two.tif", data, descriptions=RGB)
    without = scan_scene(path, fake_discovery())
    assert len(without.sites) == 2 and all(s.impact_class is None for s in without.sites)
    result = scan_scene(path, fake_discovery(), fake_impact())
    assert len(result.sites) == 1
    site = result.sites[0]
    assert site.impact_class == "high_impact" and dict(site.impact_probs)["high_impact"] == pytest.approx(0.9)
    assert site.lon < without.sites[0].lon or site.lon < without.sites[1].lon  # the western one survived
    assert result.dropped_no_ore_cells == 4 and site.impact_model == "fake-impact"


def test_diagonal_cells_form_one_site_and_apart_cells_two(tmp_path: Path) -> None:
    grid = np.zeros((6, 6), np.float32)
    grid[1, 1] = grid[2, 2] = 0.9  # diagonal neighbours: one site
    grid[4, 5] = 0.8
    from core.scan.sites import sites_from_grid

    sites = sites_from_grid(
        grid,
        None,
        cell_transform=Affine(270, 0, 600_000, 0, -270, 7_800_000),
        crs_wkt="EPSG:32723",
        threshold=0.6,
        impact_classes=None,
    )
    assert sorted(s.cell_count for s in sites) == [1, 2]
    assert sites[0].p_max == pytest.approx(0.9)  # strongest first


def test_threshold_is_a_setting(tmp_path: Path) -> None:
    path = planted_scene(tmp_path, "p.tif", Affine(10, 0, 600_000, 0, -10, 7_800_000), "EPSG:32723")
    strict = scan_scene(path, fake_discovery(), settings=ScanSettings(threshold=0.95))
    loose = scan_scene(path, fake_discovery(), settings=ScanSettings(threshold=0.3))
    assert strict.sites[0].cell_count == 2 and loose.sites[0].cell_count == 6  # only 1.0 cells; add 0.81 and 0.41 rows
    with pytest.raises(ValueError, match="threshold must be between 0 and 1"):
        ScanSettings(threshold=1.5)


def test_reads_are_bounded_by_the_tile_not_the_scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.imagery import raster

    path = planted_scene(tmp_path, "big.tif", Affine(10, 0, 600_000, 0, -10, 7_800_000), "EPSG:32723", size=1500)
    shapes: list[tuple[int, int]] = []
    original = raster.SceneReader.read

    def spy(self: raster.SceneReader, row0: int, row1: int, col0: int, col1: int) -> tuple[np.ndarray, np.ndarray]:
        shapes.append((row1 - row0, col1 - col0))
        return original(self, row0, row1, col0, col1)

    monkeypatch.setattr(raster.SceneReader, "read", spy)
    result = scan_scene(path, fake_discovery(), settings=ScanSettings(cells_per_tile=8))
    limit = 27 * 8 + 202 + 27  # cells, receptive field, and at most one stride of scene edge
    assert len(shapes) == result.tiles > 1 and max(max(s) for s in shapes) <= limit < 1500


def test_impact_looks_over_the_whole_cell_footprint(tmp_path: Path) -> None:
    """A small ore spot off the cell centre: the paper's single centre patch misses it, the 3 x 3 patches don't."""
    data = np.full((3, 800, 800), 800, np.uint16)
    data[:, 400:460, 300:360] = 2500
    data[1, 400:460, 300:360] = 500  # 'no ore' for the fake impact model ...
    data[1, 429:432, 321:324] = 2500  # ... except a 3 px spot 6 px below and right of cell (12, 8)'s centre
    path = write_tif(tmp_path / "spot.tif", data, descriptions=RGB)
    paper = scan_scene(path, fake_discovery(), fake_impact(), ScanSettings(impact_offset_px=0))
    footprint = scan_scene(path, fake_discovery(), fake_impact(), ScanSettings(impact_offset_px=6))
    assert paper.sites == [] and paper.dropped_no_ore_cells == 4
    assert [s.cells for s in footprint.sites] == [((12, 8),)] and footprint.sites[0].impact_class == "high_impact"
    with pytest.raises(ValueError, match="impact_offset_px must be between 0 and 89; got 95"):
        ScanSettings(impact_offset_px=95)


def test_rgb_scene_with_a_12_band_impact_model_says_to_scan_without_it(tmp_path: Path) -> None:
    from core.errors import BandMismatchError
    from core.imagery.raster import S2_12_BANDS

    path = planted_scene(tmp_path, "rgb.tif", Affine(10, 0, 600_000, 0, -10, 7_800_000), "EPSG:32723")
    with pytest.raises(BandMismatchError) as err:
        scan_scene(path, fake_discovery(), fake_impact(S2_12_BANDS))
    message = str(err.value)
    assert "lacks B1" in message and "impact model 'none'" in message and "--impact-model none" in message
    assert "not rated" in message
    # Without the impact model the same scene scans.
    assert len(scan_scene(path, fake_discovery()).sites) == 1


def test_missing_discovery_bands_are_not_blamed_on_the_impact_model(tmp_path: Path) -> None:
    from core.errors import BandMismatchError
    from core.imagery.raster import S2_12_BANDS

    path = planted_scene(tmp_path, "rgb.tif", Affine(10, 0, 600_000, 0, -10, 7_800_000), "EPSG:32723")
    with pytest.raises(BandMismatchError) as err:
        scan_scene(path, fake_discovery(S2_12_BANDS), fake_impact(S2_12_BANDS))
    assert "impact model" not in str(err.value) and "lacks B1" in str(err.value)
