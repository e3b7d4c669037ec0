"""The two architectures (METHOD.md parameter counts and output grids) and model bundles (save, load, checks)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from core.errors import ModelBundleError
from core.model_card import (
    CARD_FILE,
    DISCOVERY_CLASSES,
    IMPACT_CLASSES,
    WEIGHTS_FILE,
    ModelCard,
    list_cards,
    new_model_folder,
    resolve_model,
)
from core.scan.grid import output_cells as discovery_grid_size
from models.architectures import build_discovery_fcn, build_impact_cnn
from models.bundle import load_bundle, save_bundle

BANDS3 = ("B2", "B3", "B4")


def _trainable(model: object) -> int:
    return int(sum(np.prod(w.shape) for w in model.trainable_weights))  # type: ignore[attr-defined]


def _card(kind: str = "discovery", bands: tuple[str, ...] = BANDS3, **kw: object) -> ModelCard:
    classes = DISCOVERY_CLASSES if kind == "discovery" else IMPACT_CLASSES
    fields: dict[str, object] = {
        "name": f"tiny-{kind}",
        "version": "1",
        "kind": kind,
        "bands": bands,
        "mean": (0.1,) * len(bands),
        "std": (0.05,) * len(bands),
        "classes": classes,
        "threshold": 0.6,
        "patch_size": 201 if kind == "discovery" else 21,
        "created_at": "2025-01-01T00:00:00+00:00",
    }
    return ModelCard(**{**fields, **kw})  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def tiny_fcn() -> object:
    return build_discovery_fcn(len(BANDS3), width=0.125)


@pytest.fixture(scope="module")
def tiny_impact() -> object:
    return build_impact_cnn(len(BANDS3), width=0.05)


def test_parameter_counts_match_the_paper() -> None:
    assert _trainable(build_discovery_fcn(12)) == 259_810
    assert _trainable(build_impact_cnn(12)) == 2_373_219


@pytest.mark.parametrize(("rows", "cols"), [(201, 201), (1000, 800), (215, 189), (260, 227)])
def test_fcn_output_grid(tiny_fcn: object, rows: int, cols: int) -> None:
    expected = (rows // 27 - 6, cols // 27 - 6)
    assert tiny_fcn.compute_output_shape((1, rows, cols, 3))[1:] == (*expected, 2)  # type: ignore[attr-defined]
    assert (discovery_grid_size(rows), discovery_grid_size(cols)) == expected
    assert discovery_grid_size(201) == 1 and discovery_grid_size(188) == 0


def test_round_trip_keeps_predictions(tiny_fcn: object, tmp_path: Path) -> None:
    folder = save_bundle(tiny_fcn, _card(), tmp_path / "m")  # type: ignore[arg-type]
    assert {p.name for p in folder.iterdir()} == {WEIGHTS_FILE, CARD_FILE}
    loaded = load_bundle(folder)
    x = np.random.default_rng(0).normal(size=(2, 230, 260, 3)).astype(np.float32)
    before = np.asarray(tiny_fcn(x, training=False))  # type: ignore[operator]
    after = loaded.predict(x)
    assert after.dtype == np.float32 and after.shape == (2, 2, 3, 2)
    np.testing.assert_array_equal(after, before)
    np.testing.assert_allclose(after.sum(axis=-1), 1.0, rtol=1e-5)
    assert loaded.card == _card()
    # Another tile size reuses the traced function (open height/width in the signature).
    assert loaded.predict(x[:1, :201, :201]).shape == (1, 1, 1, 2)
    assert loaded._forward.experimental_get_tracing_count() == 1  # type: ignore[attr-defined]


def test_impact_predict_shape(tiny_impact: object, tmp_path: Path) -> None:
    loaded = load_bundle(save_bundle(tiny_impact, _card("impact"), tmp_path / "imp"))  # type: ignore[arg-type]
    probs = loaded.predict(np.random.default_rng(1).normal(size=(300, 21, 21, 3)).astype(np.float32))
    assert probs.shape == (300, 3) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="21 x 21"):
        loaded.predict(np.zeros((1, 20, 20, 3), np.float32))
    with pytest.raises(ValueError, match="3\\)"):
        loaded.predict(np.zeros((1, 21, 21, 4), np.float32))


@pytest.mark.parametrize(
    ("card_changes", "message"),
    [
        (
            {"bands": ("B2", "B3", "B4", "B8"), "mean": (0.1,) * 4, "std": (0.1,) * 4},
            "takes 3 bands but the card lists 4",
        ),
        ({"classes": IMPACT_CLASSES}, "outputs 2 classes but the card lists 3"),
        ({"patch_size": 240}, "gives 2 x 2 output cells"),
    ],
)
def test_card_mismatch_is_reported(tiny_fcn: object, tmp_path: Path, card_changes: dict, message: str) -> None:
    folder = save_bundle(tiny_fcn, _card(), tmp_path / "m")  # type: ignore[arg-type]
    replace(_card(), **card_changes).save(folder)  # edit the card behind the bundle's back
    with pytest.raises(ModelBundleError, match=message):
        load_bundle(folder)
    with pytest.raises(ModelBundleError, match=message):
        save_bundle(tiny_fcn, replace(_card(), **card_changes), tmp_path / "other")  # type: ignore[arg-type]


def test_kind_mismatch_is_reported(tiny_fcn: object, tiny_impact: object, tmp_path: Path) -> None:
    with pytest.raises(ModelBundleError, match="says 'impact'"):
        save_bundle(tiny_fcn, _card("impact", classes=DISCOVERY_CLASSES), tmp_path / "a")  # type: ignore[arg-type]
    with pytest.raises(ModelBundleError, match="not fully convolutional"):
        save_bundle(tiny_impact, _card("discovery", classes=IMPACT_CLASSES), tmp_path / "b")  # type: ignore[arg-type]


def test_broken_folders_are_reported(tiny_fcn: object, tmp_path: Path) -> None:
    with pytest.raises(ModelBundleError, match="does not exist"):
        load_bundle(tmp_path / "nowhere")
    folder = save_bundle(tiny_fcn, _card(), tmp_path / "m")  # type: ignore[arg-type]
    (folder / CARD_FILE).unlink()
    with pytest.raises(ModelBundleError, match="has no card.json"):
        load_bundle(folder)
    _card().save(folder)
    (folder / WEIGHTS_FILE).write_bytes(b"PK\x03\x04 this is not a zip file")
    with pytest.raises(ModelBundleError, match="could not be read"):
        load_bundle(folder)
    (folder / WEIGHTS_FILE).unlink()
    with pytest.raises(ModelBundleError, match="has no model.keras"):
        load_bundle(folder)


def test_models_are_named_by_version_and_the_newest_is_the_default(tmp_path: Path) -> None:
    shipped, user = tmp_path / "shipped", tmp_path / "user"
    _card(name="alpha", version="1").save(shipped / "alpha" / "1")
    _card(name="alpha", version="10").save(user / "alpha" / "10")
    _card(name="alpha", version="2").save(shipped / "alpha" / "2")
    _card("impact", name="beta", version="1").save(shipped / "beta" / "1")
    _card(name="legacy", version="3").save(user / "legacy")  # a folder from before versions still loads
    (shipped / "junk").mkdir()
    (shipped / "broken" / "1").mkdir(parents=True)
    (shipped / "broken" / "1" / CARD_FILE).write_text("{not json")
    roots = [shipped, user, tmp_path / "missing"]
    assert [c.ref for c, _ in list_cards(roots)] == ["alpha@1", "alpha@2", "alpha@10", "beta@1", "legacy@3"]
    assert resolve_model("alpha", roots) == user / "alpha" / "10"  # 10 after 2: versions sort as numbers
    assert resolve_model("alpha@2", roots) == shipped / "alpha" / "2"
    assert resolve_model("legacy", roots) == user / "legacy"
    assert resolve_model(str(shipped / "beta" / "1"), []) == shipped / "beta" / "1"
    with pytest.raises(ModelBundleError, match="available: alpha@1, alpha@2, alpha@10, beta@1, legacy@3"):
        resolve_model("alpha@7", roots)
    assert new_model_folder("alpha", None, user, roots) == (user / "alpha" / "11", "11")
    assert new_model_folder("gamma", None, user, roots) == (user / "gamma" / "1", "1")
    with pytest.raises(ModelBundleError, match="alpha@2 exists already"):
        new_model_folder("alpha", "2", user, roots)
    with pytest.raises(ModelBundleError, match="no '@'"):
        new_model_folder("alpha@3", None, user, roots)


def test_saved_bundle_holds_no_optimizer_state(tmp_path: Path) -> None:
    import keras

    net = build_impact_cnn(12, width=0.25)
    net.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    x = np.zeros((4, 21, 21, 12), np.float32)
    net.fit(x, np.zeros(4, int), epochs=1, verbose=0)  # creates Adam's moment variables
    card = _card("impact", bands=tuple(f"B{k}" for k in range(1, 13)))
    save_bundle(net, card, tmp_path / "m")
    weights_bytes = sum(w.size * 4 for w in net.get_weights())
    assert (tmp_path / "m" / "model.keras").stat().st_size < 1.5 * weights_bytes + 50_000
    loaded = load_bundle(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict(x), np.asarray(net(x, training=False)), atol=1e-6)
