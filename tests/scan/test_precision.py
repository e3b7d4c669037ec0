"""bfloat16 against float32: how far the probabilities move (issue 6 allows at most 1e-2).

MineScan scans in float32; the README's performance section records why bfloat16 was not adopted. This test keeps
the measurement behind that decision reproducible: it runs the shipped models as bfloat16 copies (Keras
``mixed_bfloat16`` on every layer but the softmax output) and the float32 originals over the demo scene and the
real data, prints the largest differences, and checks the 1e-2 bound on P(mine).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.demo import DemoPaths, make_demo_scene
from core.model_card import list_cards, resolve_model
from core.scan.pipeline import ScanModel, ScanResult, scan_scene
from core.settings import DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL, REAL_RGB_MODEL, model_roots

pytestmark = pytest.mark.slow
BOUND = 1e-2


def _bfloat16(model: Any) -> ScanModel:
    """The loaded bundle's network computed in bfloat16, returning float32 probabilities."""
    import tensorflow as tf

    config = model.model.get_config()
    output = config["layers"][-1]["name"]
    for layer in config["layers"]:
        if layer["class_name"] != "InputLayer" and layer["name"] != output:
            layer["config"]["dtype"] = "mixed_bfloat16"
    copy = model.model.__class__.from_config(config)
    copy.set_weights(model.model.get_weights())
    spec = tf.TensorSpec((None, *copy.input_shape[1:]), tf.float32)
    forward = tf.function(lambda x: tf.cast(copy(x, training=False), tf.float32), input_signature=[spec])
    return ScanModel(model.card, lambda x: np.asarray(forward(np.asarray(x, np.float32))))


def _compare(files: list[Path], discovery: str, impact: str | None) -> dict[str, float]:
    from models.bundle import load_bundle

    d = load_bundle(resolve_model(discovery, model_roots()))
    i = load_bundle(resolve_model(impact, model_roots())) if impact else None
    f32 = (ScanModel(d.card, d.predict), ScanModel(i.card, i.predict) if i else None)
    b16 = (_bfloat16(d), _bfloat16(i) if i else None)
    worst = {"p_mine": 0.0, "impact": 0.0, "flips": 0, "files_with_other_sites": 0, "f32_s": 0.0, "bf16_s": 0.0}
    for path in files:
        runs: list[ScanResult] = []
        for key, models in (("f32_s", f32), ("bf16_s", b16)):
            started = time.perf_counter()
            runs.append(scan_scene(path, *models))
            worst[key] += time.perf_counter() - started
        a, b = runs
        worst["p_mine"] = max(worst["p_mine"], float(np.nanmax(np.abs(a.grid.p_mine - b.grid.p_mine))))
        above_a, above_b = (np.nan_to_num(r.grid.p_mine, nan=0.0) > r.settings.threshold for r in runs)
        worst["flips"] += int((above_a != above_b).sum())
        worst["files_with_other_sites"] += int([s.cells for s in a.sites] != [s.cells for s in b.sites])
        if a.grid.impact is not None and b.grid.impact is not None:
            both = np.isfinite(a.grid.impact) & np.isfinite(b.grid.impact)
            if both.any():
                worst["impact"] = max(worst["impact"], float(np.abs(a.grid.impact - b.grid.impact)[both].max()))
    return worst


def _report(name: str, n_files: int, worst: dict[str, float], capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(
            f"\n[bfloat16 vs float32] {name} ({n_files} file(s)): max |dP(mine)| {worst['p_mine']:.4f}, "
            f"max |dP(impact class)| {worst['impact']:.4f}, cells crossing the threshold {worst['flips']:.0f}, "
            f"files whose sites change {worst['files_with_other_sites']:.0f}; "
            f"scan time float32 {worst['f32_s']:.1f} s, bfloat16 {worst['bf16_s']:.1f} s"
        )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return make_demo_scene(tmp_path_factory.mktemp("demo"), seed=7, size=3072)


def test_bfloat16_on_the_demo_scene(demo: DemoPaths, capsys: pytest.CaptureFixture[str]) -> None:
    worst = _compare([demo.scene], DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL)
    _report("demo scene, demo models", 1, worst, capsys)
    assert worst["p_mine"] < BOUND


def test_bfloat16_on_the_real_13_band_l1c_crop(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_data / "sentinel2_l1c_sample" / "T33UUU_20170216_L1C_13band_10m.tif"
    worst = _compare([path], DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL)
    _report("real L1C crop (no mines: P(mine) is near 0 everywhere), demo models", 1, worst, capsys)
    assert worst["p_mine"] < BOUND


def test_bfloat16_on_the_real_rgb_tailings_patches(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not any(c.name == REAL_RGB_MODEL for c, _ in list_cards(model_roots())):
        pytest.skip(f"the real-data model models/{REAL_RGB_MODEL} is not there")
    files = sorted((shared_data / "tailings_seg" / "img").glob("*.tif"))
    assert len(files) >= 50
    worst = _compare(files, REAL_RGB_MODEL, None)
    _report(f"real RGB tailings patches, {REAL_RGB_MODEL}", len(files), worst, capsys)
    assert worst["p_mine"] < BOUND
