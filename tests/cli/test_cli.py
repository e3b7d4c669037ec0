"""The command line as a user runs it: files written, clear errors with exit status 2, no tracebacks."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from core.model_card import ModelCard
from core.settings import ROOT
from tests.fakes import RGB, write_tif
from tests.fakes import card as fake_card


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder with one tiny random RGB discovery model called 'tiny'."""
    import keras

    from models.architectures import build_discovery_fcn
    from models.bundle import save_bundle

    root = tmp_path_factory.mktemp("models")
    keras.utils.set_random_seed(0)
    card = fake_card("discovery", RGB, name="tiny")
    save_bundle(build_discovery_fcn(3, width=0.125), card, root / "tiny")
    return root


@pytest.fixture
def scene(tmp_path: Path) -> Path:
    data = np.random.default_rng(1).integers(300, 3000, size=(3, 500, 600), dtype=np.uint16)
    return write_tif(tmp_path / "scene.tif", data, descriptions=RGB)


@pytest.mark.parametrize("suffix", [".geojson", ".csv"])
def test_scan_writes_sites(
    models_dir: Path,
    scene: Path,
    tmp_path: Path,
    suffix: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MINESCAN_MODELS", str(models_dir))
    out = tmp_path / f"sites{suffix}"
    code = main(
        ["scan", str(scene), "--model", "tiny", "--impact-model", "none", "--threshold", "0.2", "--out", str(out)]
    )
    printed = capsys.readouterr().out
    assert code == 0 and out.is_file()
    count = int(printed.split(" candidate site(s)")[0].split()[-1])
    assert "No impact model" in printed
    if suffix == ".geojson":
        data = json.loads(out.read_text(encoding="utf-8"))
        assert len(data["features"]) == count and data["metadata"]["discovery_model"] == "tiny@0 (synthetic demo)"
        if count:
            props = data["features"][0]["properties"]
            assert {"lon", "lat", "area_km2", "p_max", "p_mean", "cell_count", "impact_class"} <= set(props)
            assert props["impact_class"] == "not rated"
    else:
        with out.open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == count
        if count:
            assert -90 <= float(rows[0]["lat"]) <= 90 and rows[0]["outline_wkt"].startswith(("POLYGON", "MULTIPOLYGON"))


def test_scan_of_a_bad_file_prints_a_message_and_exits_2(
    models_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MINESCAN_MODELS", str(models_dir))
    bad = write_tif(tmp_path / "nocrs.tif", np.ones((3, 300, 300), np.uint16), crs=None, descriptions=RGB)
    out = tmp_path / "sites.geojson"
    code = main(["scan", str(bad), "--model", "tiny", "--impact-model", "none", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert err.startswith("Error: This image can't be analysed.") and "no coordinate reference system" in err
    assert "Traceback" not in err


def test_unknown_model_lists_the_available_ones(
    models_dir: Path, scene: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MINESCAN_MODELS", str(models_dir))
    code = main(["scan", str(scene), "--model", "nope", "--out", str(tmp_path / "x.csv")])
    err = capsys.readouterr().err
    assert code == 2 and "nope" in err and "tiny" in err


def test_wrong_output_extension_is_refused(
    models_dir: Path, scene: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MINESCAN_MODELS", str(models_dir))
    code = main(["scan", str(scene), "--model", "tiny", "--out", str(tmp_path / "sites.xlsx")])
    assert code == 2 and ".geojson or .csv" in capsys.readouterr().err


def test_train_from_scenes_with_masks_then_scan_with_the_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Layout (b): img/img_N.tif + mask/mask_N.tif; a full-size RGB FCN, one epoch, no folds (seconds).

    Without --out the model lands in the data folder, as a new version each time; nothing is overwritten."""
    rng = np.random.default_rng(2)
    for k in range(2):
        img = rng.integers(500, 900, size=(3, 700, 700), dtype=np.uint16)
        img[:, 80:200, 80:200] = 2600  # the 'tailings' in the top-left corner
        mask = np.zeros((1, 700, 700), np.uint8)
        mask[0, 80:200, 80:200] = 1
        (tmp_path / "data" / "img").mkdir(parents=True, exist_ok=True)
        (tmp_path / "data" / "mask").mkdir(parents=True, exist_ok=True)
        write_tif(tmp_path / "data" / "img" / f"img_{k}.tif", img, descriptions=RGB)
        write_tif(tmp_path / "data" / "mask" / f"mask_{k}.tif", mask)
    monkeypatch.setenv("MINESCAN_DATA", str(tmp_path / "home"))
    train = ["train", "--kind", "discovery", "--name", "rgb_test", "--scenes", str(tmp_path / "data"),
             "--profile", "rgb", "--epochs", "1", "--folds", "0"]  # fmt: skip
    assert main(train) == 0
    printed = capsys.readouterr().out
    out = tmp_path / "home" / "models" / "rgb_test" / "1"
    assert "epoch 1/1" in printed and f"Model saved in {out}" in printed
    assert not (ROOT / "models" / "rgb_test").exists()  # never into the code's models/
    card = ModelCard.load(out)
    assert card.bands == RGB and card.kind == "discovery" and len(card.mean) == 3 and card.ref == "rgb_test@1"
    assert (out / "report.md").is_file() and (out / "model.keras").is_file()
    first_weights = (out / "model.keras").read_bytes()
    assert main(train) == 0 and ModelCard.load(out.parent / "2").ref == "rgb_test@2"  # the next version
    assert (out / "model.keras").read_bytes() == first_weights  # version 1 untouched
    assert main([*train, "--version", "1"]) == 2
    assert "rgb_test@1 exists already" in capsys.readouterr().err
    sites = tmp_path / "sites.csv"
    scan = ["scan", str(tmp_path / "data" / "img" / "img_0.tif"), "--model", "rgb_test@1", "--impact-model", "none",
            "--out", str(sites)]  # fmt: skip
    assert main(scan) == 0
    assert "rgb_test@1" in sites.read_text()


def test_demo_scene_only_then_if_missing_does_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out), "--size", "768", "--scene-only", "--if-missing"]) == 0
    assert {p.name for p in out.iterdir()} == {
        "scene.tif", "truth.geojson", "scene_2025.tif", "truth_2025.geojson", "anm_register_demo.csv"
    }  # fmt: skip
    assert main(["demo", "--out", str(out), "--size", "768", "--scene-only", "--if-missing"]) == 0
    assert "already present" in capsys.readouterr().out


def test_demo_store_fills_an_empty_store_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MINESCAN_DATA", str(tmp_path / "data"))
    db = str(tmp_path / "store.duckdb")
    assert main(["demo-store", "--db", db]) == 0
    assert "Demo ready" in capsys.readouterr().out
    assert main(["demo-store", "--db", db]) == 0
    assert "nothing to do" in capsys.readouterr().out
