"""The synthetic demo data: what a user would check before trusting it as a stand-in for Sentinel-2 scenes."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from shapely.geometry import shape

from core.demo import DemoPaths, demo_is_complete, generate_scene, make_demo
from core.demo.spectra import Cover
from core.imagery.bands import S2_12_BANDS
from core.imagery.raster import open_scene, read_scene
from core.model_card import DISCOVERY_CLASSES, IMPACT_CLASSES

SEED = 7
SIZE = 1536
N_DISCOVERY, N_IMPACT = 12, 9
DMS = re.compile(r"^(-?)(\d{1,3})°(\d{2})'(\d{2}\.\d{3})''$")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    out = tmp_path_factory.mktemp("demo")
    return make_demo(
        out,
        seed=SEED,
        size=SIZE,
        n_train_scenes=2,
        train_size=768,
        n_discovery_per_class=N_DISCOVERY,
        n_impact_per_class=N_IMPACT,
    )


@pytest.fixture(scope="module")
def scene():
    """The demo scene again, in memory: same seed and size as the written one."""
    return generate_scene(SEED, SIZE)


@pytest.fixture(scope="module")
def truth(demo: DemoPaths) -> dict:
    return json.loads(demo.truth.read_text(encoding="utf-8"))


def parse_dms(text: str) -> float:
    sign, deg, minutes, seconds = DMS.match(text).groups()
    value = int(deg) + int(minutes) / 60 + float(seconds) / 3600
    return -value if sign else value


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def to_pixel(scene, lon: float, lat: float) -> tuple[int, int]:
    x, y = Transformer.from_crs(4326, scene.crs, always_xy=True).transform(lon, lat)
    col, row = ~scene.transform @ (x, y)
    return int(row), int(col)


def test_same_seed_same_scene_other_seed_differs() -> None:
    a, b, c = generate_scene(3, 768), generate_scene(3, 768), generate_scene(4, 768)
    assert np.array_equal(a.dn, b.dn) and np.array_equal(a.target_mask, b.target_mask)
    assert [f.polygon_px.wkt for f in a.features] == [f.polygon_px.wkt for f in b.features]
    assert not np.array_equal(a.dn, c.dn)


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    kwargs = {"size": 768, "n_train_scenes": 1, "train_size": 768, "n_discovery_per_class": 2, "n_impact_per_class": 2}
    first, second = make_demo(tmp_path / "a", **kwargs), make_demo(tmp_path / "b", **kwargs)
    for name in ("scene", "truth", "register"):
        assert getattr(first, name).read_bytes() == getattr(second, name).read_bytes(), name
    assert sorted(p.name for p in first.discovery_patches.rglob("*.tif")) == sorted(
        p.name for p in second.discovery_patches.rglob("*.tif")
    )


def test_written_scene_is_a_georeferenced_12_band_sentinel2_like_image(demo: DemoPaths, scene) -> None:
    info = open_scene(demo.scene, S2_12_BANDS)
    assert info.file_bands == S2_12_BANDS
    assert info.crs.to_epsg() == 32723 and info.pixel_size == (10.0, 10.0)
    assert info.synthetic and "synthetic" in info.tags["DESCRIPTION"].lower()
    assert (info.width, info.height, info.dtype, info.nodata) == (SIZE, SIZE, "uint16", 0)
    with rasterio.open(demo.scene) as src:
        assert src.block_shapes[0] == (256, 256) and src.compression.name.lower() == "deflate"
        assert np.array_equal(src.read(), scene.dn)


def test_spectra_are_plausible(scene) -> None:
    refl = scene.dn.astype(np.float32) / 10_000
    b = {name: refl[i] for i, name in enumerate(S2_12_BANDS)}

    def median(band: str, cover: Cover) -> float:
        return float(np.median(b[band][(scene.cover == cover) & scene.valid]))

    for veg in (Cover.FOREST, Cover.PASTURE, Cover.CROP):
        assert median("B8", veg) > 3 * median("B4", veg), veg
    assert median("B5", Cover.FOREST) < median("B6", Cover.FOREST) < median("B7", Cover.FOREST)
    assert median("B8", Cover.CLEAN_WATER) < 0.05 and median("B11", Cover.CLEAN_WATER) < 0.03
    assert median("B4", Cover.TAILINGS_WATER) > median("B4", Cover.CLEAN_WATER) + 0.03
    assert float(b["B10"][scene.valid].max()) < 0.02
    assert median("B1", Cover.FOREST) > median("B2", Cover.FOREST)


def test_truth_locations_have_the_expected_spectra(demo: DemoPaths, truth: dict) -> None:
    data = read_scene(demo.scene, S2_12_BANDS)
    b8, b4 = S2_12_BANDS.index("B8"), S2_12_BANDS.index("B4")
    lakes = [f for f in truth["features"] if f["properties"]["kind"] == "natural_lake"]
    tailings = [f for f in truth["features"] if f["properties"]["kind"] == "tailings_dam"]
    assert lakes and tailings
    for feat in lakes:
        row, col = to_pixel(data, feat["properties"]["centre_lon"], feat["properties"]["centre_lat"])
        assert data.data[row, col, b8] < 0.05
    for feat in tailings:
        row, col = to_pixel(data, feat["properties"]["centre_lon"], feat["properties"]["centre_lat"])
        assert data.data[row, col, b4] > 0.07


def test_truth_features_lie_in_the_scene_and_on_their_sites(demo: DemoPaths, truth: dict, scene) -> None:
    assert truth["synthetic"] is True and truth["scene_file"] == "scene.tif" and "32723" in truth["scene_crs"]
    to_utm = Transformer.from_crs(4326, 32723, always_xy=True)
    left, top = scene.transform @ (0, 0)
    right, bottom = scene.transform @ (SIZE, SIZE)
    kinds = {f["properties"]["kind"] for f in truth["features"]}
    assert {"open_pit_mine", "sand_pit", "tailings_dam", "nodata"} <= kinds
    for number, feat in enumerate(truth["features"], start=1):
        props = feat["properties"]
        lon, lat = np.array(feat["geometry"]["coordinates"][0]).T
        x, y = to_utm.transform(lon, lat)
        assert left <= x.min() and x.max() <= right and bottom <= y.min() and y.max() <= top
        assert props["target"] == (props["kind"] in ("open_pit_mine", "sand_pit", "tailings_dam"))
        assert props["area_m2"] == pytest.approx(scene.features[number - 1].area_px * 100, rel=1e-6)
        row, col = to_pixel(scene, props["centre_lon"], props["centre_lat"])
        assert scene.site_map[row, col] == number
        assert scene.target_mask[row, col] == int(props["target"])


def test_training_masks_label_targets_and_not_confusers(demo: DemoPaths) -> None:
    from core.demo.demo import TRAINING_COUNTS, training_origin, training_seed

    train = generate_scene(
        training_seed(SEED, 0), 768, training_origin(0), counts=TRAINING_COUNTS.scaled(0.25), gap_px=130.0
    )
    with (
        rasterio.open(demo.train_mask_dir / "mask_0.tif") as msk,
        rasterio.open(demo.train_img_dir / "img_0.tif") as img,
    ):
        mask = msk.read(1)
        assert msk.transform == img.transform and msk.crs == img.crs and mask.shape == (img.height, img.width)
        assert np.array_equal(img.read(), train.dn)
    assert set(np.unique(mask)) <= {0, 1} and np.array_equal(mask, train.target_mask)
    for feat in train.features:
        row, col = int(feat.centre_rc[0]), int(feat.centre_rc[1])
        assert mask[row, col] == (1 if feat.target else 0), feat.kind


def test_nodata_blob_is_zero_in_every_band_and_holds_no_target(truth: dict, scene) -> None:
    blobs = [f for f in truth["features"] if f["properties"]["kind"] == "nodata"]
    assert blobs
    for blob in blobs:
        number = next(i for i, f in enumerate(scene.features, start=1) if f.site_id == blob["properties"]["site_id"])
        inside = scene.site_map == number
        assert inside.any() and not scene.valid[inside].any() and not scene.dn[:, inside].any()
        area = shape(blob["geometry"])
        for feat in truth["features"]:
            if feat["properties"]["target"]:
                assert not area.intersects(shape(feat["geometry"]))
    assert scene.valid.mean() > 0.9


def test_register_has_the_sigbm_layout_and_offset_coordinates(demo: DemoPaths, truth: dict) -> None:
    raw = demo.register.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") and raw.startswith(b'"ID";"Nome";')
    rows = list(csv.DictReader(io.StringIO(raw.decode("latin-1"), newline=""), delimiter=";"))
    assert {"ID", "Nome", "Latitude", "Longitude", "Categoria de Risco - CRI", "Município"} <= set(rows[0])
    assert all(r["UF"] == "MG" and r["Nome"].startswith("DEMO ") and r["ID"].isdigit() for r in rows)
    points = {r["ID"]: (parse_dms(r["Longitude"]), parse_dms(r["Latitude"])) for r in rows}
    dams = [f["properties"] for f in truth["features"] if f["properties"]["kind"] == "tailings_dam"]
    registered = [d for d in dams if d["registered"]]
    assert registered and len(registered) < len(dams) and len(rows) > len(registered)
    for dam in dams:
        dists = {rid: haversine_m(dam["dam_lon"], dam["dam_lat"], *p) for rid, p in points.items()}
        if dam["registered"]:
            assert 30 <= dists[dam["register_id"]] <= 1000
        else:
            assert dam["register_id"] is None and min(dists.values()) > 1000


def test_patch_sets_have_the_right_classes_counts_and_shapes(demo: DemoPaths) -> None:
    for root, classes, n, size in (
        (demo.discovery_patches, DISCOVERY_CLASSES, N_DISCOVERY, 201),
        (demo.impact_patches, IMPACT_CLASSES, N_IMPACT, 21),
    ):
        assert sorted(p.name for p in root.iterdir()) == sorted(classes)
        for name in classes:
            files = sorted((root / name).glob("*.tif"))
            assert len(files) == n
            for path in files[:3] + files[-2:]:
                info = open_scene(path, S2_12_BANDS)
                assert (info.height, info.width, len(info.file_bands)) == (size, size, 12)
                scene_tag = info.tags["MINESCAN_SOURCE_SCENE"]
                assert re.fullmatch(r"img_\d+", scene_tag) and path.name.startswith(f"s{scene_tag[4:]}_")


def test_demo_completeness_marker(demo: DemoPaths, tmp_path: Path) -> None:
    assert demo_is_complete(demo.root)
    assert not demo_is_complete(tmp_path)
    with pytest.raises(ValueError, match="512"):
        make_demo(tmp_path, size=100)
