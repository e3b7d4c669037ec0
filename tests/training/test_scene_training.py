"""Training on whole scenes with masks, end to end on small synthetic scenes: report, card, scan, store, export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.demo.demo import training_origin
from core.demo.geotiff import write_bands, write_mask
from core.demo.scene import generate_scene
from core.imagery.bands import S2_12_BANDS
from core.model_card import ModelCard
from core.register.matching import MatchSettings
from core.review.exports import write_export
from core.scan.cells import LabelledScenes, cell_labels
from core.scan.pipeline import ScanModel, ScanSettings
from core.scan.sites import NOT_RATED_NO_MODEL
from db.connection import connect
from db.exports import export_rows
from db.workflows import scan_into_store
from models.bundle import load_bundle
from models.report_plot import CURVE_PNG
from models.reports import REPORT_JSON, REPORT_MD
from models.scene_layout import THRESHOLDS, SceneBatches
from models.trainer import TrainConfig, train_model


@pytest.fixture(scope="module")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four 512 px synthetic scenes with target masks; scenes 0 and 1 overlap by half, the others stand alone."""
    root = tmp_path_factory.mktemp("scenes")
    origins = [training_origin(0), (training_origin(0)[0] + 2_560.0, training_origin(0)[1])]
    origins += [training_origin(2), training_origin(5)]
    for k, origin in enumerate(origins):
        scene = generate_scene(900 + k, 512, origin)
        write_bands(root / "img" / f"img_{k}.tif", scene.dn, scene.transform, scene.crs, {})
        write_mask(root / "mask" / f"mask_{k}.tif", scene.target_mask, scene.transform, scene.crs)
    return root


@pytest.fixture(scope="module")
def trained(scenes: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[ModelCard, Path]:
    config = TrainConfig(
        kind="discovery",
        layout="scenes",
        name="tiny_scenes",
        out_dir=tmp_path_factory.mktemp("models") / "tiny_scenes",
        bands=S2_12_BANDS,
        data_dir=scenes,
        augment=True,
        epochs=2,
        batch_size=2,
        folds=3,
        width=0.25,
        description="test model",
    )
    messages: list[str] = []
    result = train_model(config, progress=messages.append)
    assert any("overlap groups" in m for m in messages)
    return result.card, result.folder


def test_report_holds_the_curve_the_threshold_and_out_of_fold_scores(trained: tuple[ModelCard, Path]) -> None:
    card, folder = trained
    report = json.loads((folder / REPORT_JSON).read_text(encoding="utf-8"))
    sites, folds = report["sites"], report["cross_validation"]["folds"]
    assert [row["threshold"] for row in sites["curve"]] == list(THRESHOLDS)
    assert card.threshold == sites["threshold"] and card.threshold in THRESHOLDS
    assert card.bands == S2_12_BANDS and card.kind == "discovery"
    assert report["training"]["n_scenes"] == 4 and report["training"]["n_groups"] == 3
    # Overlapping scenes are validated together, never one in training and the other in validation.
    together = [f["val_items"] for f in folds if "img_0.tif" in f["val_items"]]
    assert len(together) == 1 and "img_1.tif" in together[0]
    assert sorted(s for f in folds for s in f["val_items"]) == [f"img_{k}.tif" for k in range(4)]
    at = sites["at_threshold"]
    assert 0 <= at["found"] <= at["tailings_sites"] and at["scanned_km2"] > 0
    assert 0.0 <= report["cross_validation"]["summary"]["accuracy"]["mean"] <= 1.0
    # The card holds the same scores, in the one card schema.
    assert card.metrics.sites is not None and card.metrics.sites.at_threshold == at
    assert card.metrics.measure("f1") is not None and card.metrics.cross_validation.unit == "201 px windows"
    assert (folder / CURVE_PNG).stat().st_size > 10_000
    text = (folder / REPORT_MD).read_text(encoding="utf-8")
    assert f"Recommended threshold: {card.threshold:g}" in text and CURVE_PNG in text


def test_rescoring_the_saved_grids_reproduces_the_report_and_follows_new_targets(
    trained: tuple[ModelCard, Path], scenes: Path, tmp_path: Path
) -> None:
    import shutil

    from core.training.mask_evaluation import Targets
    from models.scene_layout import OOF_GRIDS, load_out_of_fold, rescore_model

    card, original = trained
    folder = Path(shutil.copytree(original, tmp_path / "copy"))
    untouched = (folder / "card.json").read_bytes()
    p_mine, names, folds = load_out_of_fold(folder / OOF_GRIDS)
    assert p_mine.shape[0] == len(names) == 4 and sorted(set(folds.tolist())) == [1, 2, 3]
    before = json.loads((original / REPORT_JSON).read_text(encoding="utf-8"))
    same = rescore_model(folder, scenes, tmp_path / "v2", "2")
    after = json.loads((tmp_path / "v2" / REPORT_JSON).read_text(encoding="utf-8"))
    assert same.threshold == card.threshold and after["sites"]["curve"] == before["sites"]["curve"]
    assert same.version == "2" and ModelCard.load(tmp_path / "v2").version == "2"
    assert (folder / "card.json").read_bytes() == untouched  # re-scoring makes a new version, never overwrites
    # Targets nobody can meet: recall first, or the stated fallback; the card and the report follow.
    strict = rescore_model(
        folder, scenes, tmp_path / "v3", "3", Targets(min_site_recall=1.01, max_false_per_10km2=-1.0)
    )
    report = json.loads((tmp_path / "v3" / REPORT_JSON).read_text(encoding="utf-8"))
    assert ModelCard.load(tmp_path / "v3").threshold == strict.threshold == report["sites"]["threshold"]
    why = report["sites"]["why"]
    assert "best balance" in why and why in (tmp_path / "v3" / REPORT_MD).read_text(encoding="utf-8")


def test_model_without_impact_scans_into_the_store_and_exports_say_not_rated(
    trained: tuple[ModelCard, Path], scenes: Path, tmp_path: Path
) -> None:
    _, folder = trained
    model = load_bundle(folder)
    con = connect(tmp_path / "store.duckdb")
    # A very low threshold so that even a two-epoch model yields sites.
    stored = scan_into_store(
        con, scenes / "img" / "img_2.tif", ScanModel(model.card, model.predict), None, ScanSettings(threshold=0.01),
        MatchSettings(),
    )  # fmt: skip
    assert stored.new_sites > 0 and stored.result.impact is None
    rows = export_rows(con)
    assert set(rows["impact_rating"]) == {NOT_RATED_NO_MODEL} and rows["impact_class"].isna().all()
    csv = write_export(rows, tmp_path / "sites.csv", "csv")
    back = pd.read_csv(csv)
    assert (back["impact_rating"] == NOT_RATED_NO_MODEL).all()
    assert np.isfinite(back["p_max"]).all()


def test_training_batches_crop_turn_and_label_each_scene_consistently() -> None:
    """Every random crop, turn and mirror keeps the labels of the pixels the model sees, ignored cells weigh 0."""
    rng = np.random.default_rng(5)
    size, n = 444, 6
    masks = np.zeros((n, size, size), bool)
    for m in masks:
        r, c = rng.integers(0, size - 60, size=2)
        m[r : r + 60, c : c + 45] = True
    valid = np.ones_like(masks)
    data = LabelledScenes(
        x=masks[..., None].astype(np.float32),
        valid=valid,
        mask=masks,
        labels=np.stack([cell_labels(m, v) for m, v in zip(masks, valid, strict=True)]),
        groups=np.arange(n).astype(str),
        names=np.array([f"s{k}" for k in range(n)]),
        pixel_m=np.full((n, 2), 10.0),
        bands=("B4",),
    )
    batches = SceneBatches(
        data, np.arange(n), np.array([0.5]), np.array([0.5]), batch_size=3, mine_weight=2.0, crop=228,
        shuffle=True, augment=True, seed=1,
    )  # fmt: skip
    seen_offsets = set()
    for _epoch in range(3):
        for b in range(len(batches)):
            xb, yb, wb = batches[b]
            assert xb.shape == (3, 228, 228, 1) and yb.shape == wb.shape == (3, 2, 2)
            for image, y, w in zip(xb, yb, wb, strict=True):
                labels = cell_labels(image[..., 0] > 0, np.ones((228, 228), bool))
                assert np.array_equal(np.clip(labels, 0, 1), y)
                assert np.array_equal(w, np.where(labels == 1, 2.0, np.where(labels == 0, 1.0, 0.0)))
                seen_offsets.add(image.tobytes())
        batches.on_epoch_end()
    assert len(seen_offsets) > n  # the crops differ from epoch to epoch
