"""The command line picks an impact model that fits the discovery model (or none) and says so in one line, and
refuses a named one that cannot rate its sites, instead of failing inside the scan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from core.model_card import list_cards
from core.scan.fit import choose_impact
from core.settings import DEFAULT_IMPACT_MODEL, model_roots
from tests.fakes import RGB, write_tif


@pytest.fixture
def rgb_scene(tmp_path: Path) -> Path:
    data = np.random.default_rng(1).integers(300, 3000, size=(3, 300, 300), dtype=np.uint16)
    return write_tif(tmp_path / "scene.tif", data, descriptions=RGB)


def _card(name: str):  # type: ignore[no-untyped-def]
    return next(c for c, _ in list_cards(model_roots()) if c.name == name)


def test_the_default_impact_model_is_kept_when_it_fits_and_left_out_when_it_cannot() -> None:
    cards = [c for c, _ in list_cards(model_roots())]
    chosen, note = choose_impact(_card("demo_discovery"), cards, DEFAULT_IMPACT_MODEL)
    assert chosen is not None and chosen.name == DEFAULT_IMPACT_MODEL and note is None
    chosen, note = choose_impact(_card("tailings_rgb"), cards, DEFAULT_IMPACT_MODEL)
    assert chosen is None and note is not None
    assert note.startswith("no impact model fits tailings_rgb@") and "(it reads B2, B3, B4)" in note


def test_scan_with_the_rgb_model_rates_no_impact_and_says_why_in_one_line(
    rgb_scene: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sites.geojson"
    assert main(["scan", str(rgb_scene), "--model", "tailings_rgb", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    why = [line for line in printed.splitlines() if "fits tailings_rgb" in line]
    assert why == ["Note: no impact model fits tailings_rgb@2 (it reads B2, B3, B4), so none is used."], printed
    assert "sites are not rated for impact" in printed
    assert out.is_file()


def test_a_named_impact_model_that_cannot_fit_is_refused_with_what_to_do(
    rgb_scene: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sites.geojson"
    code = main(["scan", str(rgb_scene), "--model", "tailings_rgb", "--impact-model", DEFAULT_IMPACT_MODEL,
                 "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and not out.exists() and "Traceback" not in err
    assert err.startswith("Error: These models don't fit together.") and "--impact-model none" in err


def test_another_impact_model_that_fits_is_picked_and_named() -> None:
    from tests.fakes import card

    rgb_discovery = card("discovery", RGB, name="rgb_pits")
    rgb_impact = card("impact", RGB, name="rgb_impact")
    cards = [_card(DEFAULT_IMPACT_MODEL), rgb_impact]
    chosen, note = choose_impact(rgb_discovery, cards, DEFAULT_IMPACT_MODEL)
    assert chosen == rgb_impact
    assert note == (f"the default impact model {DEFAULT_IMPACT_MODEL} needs bands that rgb_pits@0 does not read "
                    f"({', '.join(RGB)}): rating impact with rgb_impact@0 instead")  # fmt: skip
