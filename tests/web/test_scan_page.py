"""The Scan page offers the model that fits the scene, marks synthetic models, and warns before odd runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from affine import Affine

from core.imagery.bands import S2_12_BANDS
from tests.app_harness import open_app
from tests.fakes import write_tif

pytestmark = pytest.mark.usefixtures("clean_caches")
#: 10 m pixels in UTM 23S over Minas Gerais, and the same grid in UTM 31N (France).
IN_BRAZIL = Affine(10, 0, 600_000, 0, -10, 7_800_000)


def _scene(env: Path, name: str, bands: tuple[str, ...], *, crs: str = "EPSG:32723", synthetic: bool = False) -> None:
    data = np.full((len(bands), 300, 300), 900, np.uint16)
    tags = {"MINESCAN_SYNTHETIC": "true"} if synthetic else {}
    write_tif(env / "scenes" / name, data, crs=crs, transform=IN_BRAZIL, descriptions=bands, tags=tags)


def _discovery(at: object) -> object:
    return next(s for s in at.selectbox if s.label == "Discovery model")  # type: ignore[attr-defined]


def test_a_real_rgb_scene_gets_the_real_rgb_model_and_no_warning(env: Path) -> None:
    (env / "scenes").mkdir()
    _scene(env, "rgb_patch.tif", ("B2", "B3", "B4"))
    at = open_app("app_pages/scan.py")
    assert not at.exception
    box = _discovery(at)
    assert box.value == "tailings_rgb@2"
    labels = [box.format_func(o) if hasattr(box, "format_func") else o for o in box.options]
    assert any("demo_discovery@1 (synthetic demo data" in o and "does not fit" in o for o in labels), labels
    assert any(o.startswith("tailings_rgb@2 (real data") for o in labels), labels
    assert not at.warning


def test_a_synthetic_model_on_real_imagery_outside_brazil_is_warned_before_the_run(env: Path) -> None:
    (env / "scenes").mkdir()
    _scene(env, "france.tif", S2_12_BANDS, crs="EPSG:32631")
    at = open_app("app_pages/scan.py")
    box = _discovery(at)
    box.set_value("demo_discovery@1").run()
    texts = " ".join(w.value for w in at.warning)
    assert "trained only on MineScan's synthetic demo scenes" in texts
    assert "outside Brazil" in texts


def test_a_failed_scan_leaves_no_progress_bar_and_no_server_path(env: Path) -> None:
    (env / "scenes").mkdir()
    _scene(env, "rgb_patch.tif", ("B2", "B3", "B4"))
    at = open_app("app_pages/scan.py")
    _discovery(at).set_value("demo_discovery@1").run()  # the wrong model, chosen on purpose
    assert any("reads" in w.value and "this scene has 3 band(s)" in w.value for w in at.warning)
    next(b for b in at.button if b.label == "Run the scan").click().run()
    assert not at.exception
    assert at.error and "band" in at.error[0].value.lower()
    assert not at.get("progress")
