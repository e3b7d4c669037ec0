"""Several periods in one download (offline fake Earth Engine): one file per tile and period, named by the period,
each tagged with its recipe and its period, so a later scan reads when its pixels were seen."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from affine import Affine

from core.imagery.bands import S2_12_BANDS
from core.imagery.earth_engine.plan import make_plan
from core.imagery.earth_engine.recipe import PAPER_DATES, make_recipe
from core.imagery.earth_engine.requests import legacy_file_prefix
from core.imagery.earth_engine.transfer import (
    download_scenes,
    download_tiles,
    existing_scene_path,
    scene_path,
    tag_exported_file,
)
from core.imagery.periods import PERIOD_TAG, parse_period, parse_periods, period_of_scene
from core.imagery.provenance import PROVENANCE_TAG, ImageryProvenance
from core.imagery.raster import open_scene
from core.imagery.regions import make_region
from tests.earth_engine_helpers import SMALL, serve_downloads, small_tile

TWO_TILES = make_region("across a grid line", -43.66, -20.10, -43.58, -20.05)


def test_two_periods_of_a_small_region_give_tiles_times_two_files(offline_ee: Any, tmp_path: Path) -> None:
    plan = make_plan([TWO_TILES], make_recipe(*PAPER_DATES), parse_periods("2023, 2024-Q2"))
    assert len(plan.tiles) == 2
    seen: list[tuple[str, int, int]] = []
    results = download_scenes(offline_ee, plan.scenes, tmp_path, fetch=serve_downloads(offline_ee),
                              progress=lambda name, i, n, done, total: seen.append((name, i, n)))  # fmt: skip

    files = sorted(tmp_path.glob("*.tif"))
    assert len(files) == len(results) == 4 and not any(r.already_there for r in results)
    assert {f.name for f in files} == {r.path.name for r in results}  # four distinct names
    assert [(r.tile_id, r.period) for r in results] == [(t.tile_id, p) for t in plan.tiles for p in ("2023", "2024-Q2")]
    expected = {"2023": ("2023-01-01", "2024-01-01"), "2024-Q2": ("2024-04-01", "2024-07-01")}
    for result in results:
        assert f"_{result.tile_id}_{result.period}_" in result.path.name
        info = open_scene(result.path, S2_12_BANDS)
        record = ImageryProvenance.from_json(info.tags[PROVENANCE_TAG])
        assert info.tags[PERIOD_TAG] == result.period
        assert (record.start, record.end) == expected[result.period] and record.tile == result.tile_id
        assert record.max_cloud_percent == 20 and "QA60 bit 10" in record.cloud_mask
        found = period_of_scene(info.tags, record.start, record.end)
        assert found is not None and found[0] == parse_period(result.period)
        assert period_of_scene(info.tags) == (parse_period(result.period), "tags")  # the tag alone says it too
    # The progress names each scene by tile and period, counting scenes.
    assert {(name, n) for name, _, n in seen} == {
        (f"{t.tile_id} {p}", 4) for t in plan.tiles for p in ("2023", "2024-Q2")
    }

    before = len(offline_ee.recorded.downloads)
    again = download_scenes(offline_ee, plan.scenes, tmp_path, fetch=serve_downloads(offline_ee))
    assert all(r.already_there for r in again) and len(offline_ee.recorded.downloads) == before


def test_a_file_named_before_periods_is_used_as_it_is(offline_ee: Any, tmp_path: Path) -> None:
    """A whole-year recipe typed as dates was named by its dates; that file is still found, not fetched again."""
    tile = small_tile()
    year = make_recipe(date(2024, 1, 1), date(2025, 1, 1))
    legacy = tmp_path / f"{legacy_file_prefix(year, tile)}.tif"
    assert legacy.name != scene_path(tmp_path, year, tile).name and "_20240101-20250101_" in legacy.name
    assert "_2024_" in scene_path(tmp_path, year, tile).name
    legacy.write_bytes(b"a scene downloaded by an earlier MineScan")
    assert existing_scene_path(tmp_path, year, tile) == legacy
    (result,) = download_tiles(offline_ee, year, [tile], tmp_path, fetch=lambda url: b"")
    assert result.already_there and result.path == legacy and offline_ee.recorded.downloads == []
    # The same tile and year planned as a period finds the same file.
    plan = make_plan([SMALL], make_recipe(*PAPER_DATES), parse_periods("2024"))
    assert existing_scene_path(tmp_path, plan.recipe, plan.tiles[0]) == legacy


def test_a_copied_export_is_tagged_with_its_period(tmp_path: Path) -> None:
    recipe = make_recipe(date(2024, 4, 1), date(2024, 7, 1))
    tile = small_tile()
    path = tmp_path / "export.tif"
    with rasterio.open(path, "w", driver="GTiff", width=8, height=8, count=12, dtype="float32", crs=tile.crs,
                       transform=Affine(10, 0, tile.x0, 0, -10, tile.y1)) as dst:  # fmt: skip
        dst.write(np.full((12, 8, 8), 0.1, dtype="float32"))
    tag_exported_file(path, recipe.provenance(crs=tile.crs, region=tile.region, tile=tile.tile_id))
    tags = open_scene(path, S2_12_BANDS).tags
    assert tags[PERIOD_TAG] == "2024-Q2"
    assert ImageryProvenance.from_json(tags[PROVENANCE_TAG]).start == "2024-04-01"
