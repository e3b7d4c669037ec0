"""The shipped demo models on the demo scene: they find the planted mines and dams with few false sites.

The scene is regenerated here from its seed (the generator is deterministic) and was never used for training.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.demo import DemoPaths, make_demo_scene
from core.imagery.bands import S2_12_BANDS
from core.model_card import ModelCard, resolve_model
from core.scan.pipeline import ScanModel, ScanResult, ScanSettings, scan_scene
from core.settings import DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL, ROOT
from core.training.evaluation import Evaluation, evaluate_sites, load_truth


def _shipped(name: str) -> Path:
    """The newest shipped version's folder of ``name`` (``models/<name>/<version>/``)."""
    return resolve_model(name, [ROOT / "models"])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoPaths:
    return make_demo_scene(tmp_path_factory.mktemp("demo"), seed=7, size=3072)


@pytest.fixture(scope="module")
def scan_and_score(demo: DemoPaths) -> tuple[ScanResult, Evaluation]:
    from models.bundle import load_bundle

    disc = load_bundle(_shipped(DEFAULT_DISCOVERY_MODEL))
    imp = load_bundle(_shipped(DEFAULT_IMPACT_MODEL))
    result = scan_scene(
        demo.scene, ScanModel(disc.card, disc.predict), ScanModel(imp.card, imp.predict), ScanSettings()
    )
    return result, evaluate_sites(result.sites, load_truth(demo.truth), result.valid_area_km2)


@pytest.mark.parametrize(("name", "kind"), [(DEFAULT_DISCOVERY_MODEL, "discovery"), (DEFAULT_IMPACT_MODEL, "impact")])
def test_shipped_cards_say_synthetic_and_hold_their_metrics(name: str, kind: str) -> None:
    card = ModelCard.load(_shipped(name))
    assert card.kind == kind and card.bands == S2_12_BANDS and card.synthetic
    assert "synthetic" in card.label and "SYNTHETIC" in card.description
    assert card.threshold == pytest.approx(0.6)
    assert {"recall", "false_sites_per_100km2"} <= set(card.metrics.demo_scene or {})
    assert (_shipped(name) / "report.md").is_file() and (_shipped(name) / "model.keras").is_file()


def test_demo_models_find_planted_sites(
    scan_and_score: tuple[ScanResult, Evaluation], capsys: pytest.CaptureFixture[str]
) -> None:
    result, ev = scan_and_score
    with capsys.disabled():
        print(f"\n[demo scene] {ev.summary()}; missed {list(ev.missed)}; false sites on {ev.false_site_kinds}")
    assert ev.targets >= 25
    assert ev.recall >= 0.90, ev.summary()
    assert ev.false_sites <= 3, ev.summary()  # "at most a few" over the ~940 km² scene
    assert all(s.impact_class in ("high_impact", "low_impact") for s in result.sites)


def test_card_reports_what_the_scan_measures(scan_and_score: tuple[ScanResult, Evaluation]) -> None:
    _, ev = scan_and_score
    recorded = ModelCard.load(_shipped(DEFAULT_DISCOVERY_MODEL)).metrics.demo_scene or {}
    assert recorded["found"] == ev.found and recorded["targets"] == ev.targets
    assert recorded["false_sites"] == ev.false_sites


def test_nodata_blobs_yield_no_site(demo: DemoPaths, scan_and_score: tuple[ScanResult, Evaluation]) -> None:
    import shapely

    result, _ = scan_and_score
    blobs = [shapely.from_wkt(f.outline_wkt) for f in load_truth(demo.truth) if f.kind == "nodata"]
    assert blobs
    for site in result.sites:
        assert not any(shapely.from_wkt(site.outline_wkt).intersects(b) for b in blobs)


def test_evaluate_only_compares_with_the_cards_and_changes_nothing(demo: DemoPaths) -> None:
    from core.settings import models_dir
    from models.demo_build import evaluate_demo_models

    cards = {
        name: (_shipped(name) / "card.json").read_bytes() for name in (DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL)
    }
    said: list[str] = []
    evaluation = evaluate_demo_models(demo.scene.parent, models_dir(), progress=said.append)
    assert evaluation.targets >= 25 and any("the same as recorded" in s for s in said), said
    assert {name: (_shipped(name) / "card.json").read_bytes() for name in cards} == cards
