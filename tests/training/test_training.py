"""Training end to end on a tiny, trivially separable patch set (bright squares vs noise), plus the fold logic."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine

from core.model_card import ModelCard
from core.training.patch_stats import band_statistics
from core.training.patches import PatchSet
from models.patch_layout import PatchLayout
from models.reports import REPORT_JSON, REPORT_MD
from models.trainer import TrainConfig, build_model, train_fold, train_model

BANDS = ("B2", "B3", "B4")
SIZE = 201


def _write_patch(path: Path, data: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {
        "driver": "GTiff",
        "width": SIZE,
        "height": SIZE,
        "count": len(BANDS),
        "dtype": "float32",
        "crs": "EPSG:32723",
        "transform": Affine(10, 0, 600_000, 0, -10, 7_800_000),
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
        dst.descriptions = BANDS


def _square_or_noise(rng: np.random.Generator, mine: bool) -> np.ndarray:
    data = rng.normal(0.10, 0.02, (len(BANDS), SIZE, SIZE)).astype(np.float32)
    if mine:
        data[:, 70:130, 70:130] = 0.6
    return data


@pytest.fixture(scope="module")
def patch_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """32 patches in 8 source scenes (file prefix ``sceneK``), each scene with 2 mines and 2 background patches."""
    root = tmp_path_factory.mktemp("patches")
    rng = np.random.default_rng(1)
    for scene in range(8):
        for i in range(4):
            cls = "mine" if i < 2 else "not_mine"
            _write_patch(root / cls / f"scene{scene}_{i}.tif", _square_or_noise(rng, cls == "mine"))
    return root


def _config(patch_dir: Path, out: Path, **kw: object) -> TrainConfig:
    base: dict[str, object] = {
        "kind": "discovery",
        "name": "tiny",
        "out_dir": out,
        "bands": BANDS,
        "data_dir": patch_dir,
        "epochs": 3,
        "folds": 2,
        "width": 0.25,
        "batch_size": 4,
        "learning_rate": 3e-3,
        "synthetic": True,
    }
    return TrainConfig(**{**base, **kw})  # type: ignore[arg-type]


def test_train_model_writes_bundle_and_reports(patch_dir: Path, tmp_path: Path) -> None:
    messages: list[str] = []
    result = train_model(_config(patch_dir, tmp_path / "tiny", augment=True), progress=messages.append)

    folder = tmp_path / "tiny"
    for name in ("model.keras", "card.json", REPORT_JSON, REPORT_MD):
        assert (folder / name).is_file(), name
    card = ModelCard.load(folder)
    assert card.kind == "discovery" and card.patch_size == SIZE and card.synthetic
    assert len(card.mean) == 3 and all(s > 0 for s in card.std)
    # half the patches hold a 60 x 60 px square 0.5 brighter than the background
    assert card.mean[0] == pytest.approx(0.10 + 0.5 * 0.5 * 3600 / SIZE**2, abs=0.005)
    assert card.training["split_method"] == "group" and card.training["n_groups"] == 8
    assert card.training["learning_rate"] == 3e-3 and card.training["class_counts"] == {"not_mine": 16, "mine": 16}

    report = json.loads((folder / REPORT_JSON).read_text())
    assert [f["fold"] for f in report["cross_validation"]["folds"]] == [1, 2]
    assert report["cross_validation"]["summary"]["accuracy"]["mean"] > 0.8
    assert all(sum(map(sum, f["confusion"])) == 16 for f in report["cross_validation"]["folds"])
    # Each fold validates on whole source scenes: no scene's patches on both sides of a fold.
    validated = [name for f in report["cross_validation"]["folds"] for name in f["val_items"]]
    assert sorted(validated) == sorted(str(p.relative_to(patch_dir)) for p in patch_dir.rglob("*.tif"))
    md = (folder / REPORT_MD).read_text()
    assert "synthetic" in md and "mean ± sd" in md and "| fold |" in md
    cv = card.metrics.cross_validation
    assert cv is not None and len(cv.folds) == 2 and result.report_md == folder / REPORT_MD
    assert card.metrics.measure("accuracy") == cv.summary["accuracy"] and card.metrics.sites is None
    assert any("fold 1/2 epoch 3/3" in m for m in messages) and any("final model" in m for m in messages)


def test_trained_model_classifies_its_patches_and_runs_on_big_scenes(patch_dir: Path, tmp_path: Path) -> None:
    from core.training.patches import load_patch_folder
    from models.bundle import load_bundle

    train_model(_config(patch_dir, tmp_path / "m", folds=0, epochs=3), progress=lambda _: None)
    loaded = load_bundle(tmp_path / "m")
    data = load_patch_folder(patch_dir, BANDS, loaded.card.classes)
    probs = loaded.predict(loaded.card.normalise(data.x, data.valid))
    assert probs.shape == (32, 1, 1, 2)
    assert (probs[:, 0, 0].argmax(axis=1) == data.y).mean() > 0.8
    scene = np.zeros((1, 600, 420, 3), dtype=np.float32)
    assert loaded.predict(scene).shape == (1, 16, 9, 2)
    report = json.loads((tmp_path / "m" / REPORT_JSON).read_text())
    assert report["cross_validation"] is None and loaded.card.metrics.cross_validation is None
    assert "No cross-validation" in (tmp_path / "m" / REPORT_MD).read_text()


def test_fold_statistics_come_from_the_training_split_only(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(0.1, 0.01, (12, 21, 21, 2)).astype(np.float32)
    x[8:] += 5.0  # the validation patches are far off: any leak would shift the mean a lot
    data = PatchSet(
        x=x,
        valid=np.ones(x.shape[:3], bool),
        y=np.arange(12) % 3,
        groups=np.array([f"g{i // 4}" for i in range(12)]),
        classes=("high_impact", "low_impact", "no_ore"),
        sources=np.array([str(i) for i in range(12)]),
    )
    config = TrainConfig(
        kind="impact", name="t", out_dir=tmp_path, bands=("B2", "B3"), data_dir=tmp_path, epochs=1, width=0.05
    )
    train_idx, val_idx = np.arange(8), np.arange(8, 12)
    result, predicted = train_fold(PatchLayout(data, config), train_idx, val_idx, config, 1, 1, lambda _: None)
    mean, std = band_statistics(x, data.valid, train_idx)
    np.testing.assert_allclose(result.mean, mean, rtol=1e-6)
    np.testing.assert_allclose(result.std, std, rtol=1e-6)
    assert max(result.mean) < 1.0 and result.n_train == 8 and result.n_val == 4 and result.val_groups == 1
    assert predicted.shape == (4, 3) and result.val_items == ("10", "11", "8", "9")


def test_config_rejects_layouts_that_do_not_fit(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="layout must be one of"):
        TrainConfig(kind="discovery", name="x", out_dir=tmp_path, bands=BANDS, data_dir=tmp_path, layout="tiles")  # type: ignore[arg-type]
    for layout in ("scene_patches", "scenes"):
        with pytest.raises(ValueError, match="patch folder"):
            TrainConfig(kind="impact", name="x", out_dir=tmp_path, bands=BANDS, data_dir=tmp_path, layout=layout)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="whole scenes"):
        TrainConfig(kind="discovery", name="x", out_dir=tmp_path, bands=BANDS, data_dir=tmp_path, crop_px=228)
    assert TrainConfig(kind="impact", name="x", out_dir=tmp_path, bands=BANDS, data_dir=tmp_path).lr == 1e-4


def test_patch_batches_crop_normalise_and_augment() -> None:
    from core.training.patch_stats import normalise_patches
    from models.datasets import PatchBatches

    rng = np.random.default_rng(3)
    x = rng.normal(0.2, 0.1, (10, 25, 25, 2)).astype(np.float32)
    valid = rng.random((10, 25, 25)) > 0.1
    mean, std = np.array([0.2, 0.1]), np.array([0.1, 0.2])
    plain = PatchBatches(
        x, valid, np.arange(10) % 2, np.arange(10), mean, std, batch_size=4, crop=21, label_shape=(1, 1)
    )
    assert len(plain) == 3
    xb, yb = plain[0]
    assert xb.shape == (4, 21, 21, 2) and xb.dtype == np.float32 and yb.shape == (4, 1, 1)
    np.testing.assert_allclose(xb, normalise_patches(x[:4, 2:23, 2:23], valid[:4, 2:23, 2:23], mean, std), atol=1e-6)

    augmented = PatchBatches(
        x, valid, np.arange(10) % 2, np.arange(10), mean, std, batch_size=4, crop=21, augment=True, seed=1
    )
    xa, _ = augmented[0]
    for got, original in zip(xa, xb, strict=True):
        symmetries = [np.rot90(o, k, axes=(0, 1)) for o in (original, original[:, ::-1]) for k in range(4)]
        assert any(np.array_equal(got, s) for s in symmetries)

    shuffled = PatchBatches(x, valid, np.arange(10), np.arange(10), mean, std, batch_size=10, shuffle=True, seed=2)
    first = shuffled[0][1].copy()
    shuffled.on_epoch_end()
    assert sorted(first.tolist()) == list(range(10)) == sorted(shuffled[0][1].tolist())


@pytest.mark.parametrize("kind", ["discovery", "impact"])
def test_loss_treats_outputs_as_probabilities(kind: str, tmp_path: Path) -> None:
    """The networks end in softmax: the loss of p(true class) = 0.8 must be -log(0.8), not a logits loss."""
    config = TrainConfig(kind=kind, name="t", out_dir=tmp_path, bands=("B2", "B3", "B4"), data_dir=tmp_path)  # type: ignore[arg-type]
    model = build_model(config, 3)
    n_classes = 2 if kind == "discovery" else 3
    probs = np.full((1, n_classes), 0.2 / (n_classes - 1), np.float32)
    probs[0, 1] = 0.8
    loss = float(model.loss(np.array([1]), probs))
    assert loss == pytest.approx(-np.log(0.8), rel=1e-5)
