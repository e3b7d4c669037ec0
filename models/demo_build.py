"""One command that rebuilds the shipped demo models: demo data, training, evaluation on the demo scene."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from core.bands import S2_12_BANDS
from core.evaluation import Evaluation, evaluate_sites, load_truth
from core.model_card import ModelCard
from core.scan import ScanModel, ScanSettings, scan_scene
from core.settings import DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL
from core.synthetic import make_demo
from models.bundle import load_bundle
from models.training import TrainConfig, train_model

EVALUATION_FILE = "demo_scene_evaluation.json"


def evaluate_on_demo(discovery_dir: Path, impact_dir: Path | None, demo_root: Path) -> Evaluation:
    """Scan the demo scene with the two models and score the sites against the planted truth."""
    disc = load_bundle(discovery_dir)
    imp = load_bundle(impact_dir) if impact_dir else None
    result = scan_scene(
        demo_root / "scene.tif",
        ScanModel(disc.card, disc.predict),
        ScanModel(imp.card, imp.predict) if imp else None,
        ScanSettings(threshold=disc.card.threshold),
    )
    return evaluate_sites(result.sites, load_truth(demo_root / "truth.geojson"), result.valid_area_km2)


def record_evaluation(model_dir: Path, evaluation: Evaluation, note: str) -> ModelCard:
    """Store the demo-scene evaluation in the model's card and beside it as JSON."""
    card = ModelCard.load(model_dir)
    metrics = {**card.metrics, "demo_scene": {**evaluation.as_dict(), "note": note}}
    card = replace(card, metrics=metrics)
    card.save(model_dir)
    (model_dir / EVALUATION_FILE).write_text(json.dumps(metrics["demo_scene"], indent=2) + "\n", encoding="utf-8")
    return card


def rebuild_demo_models(
    demo_root: Path,
    models_root: Path,
    epochs: int,
    folds: int,
    impact_epochs: int = 30,
    progress: Callable[[str], None] = print,
) -> Evaluation:
    """Regenerate the demo data (deterministic, ~30 s), train both demo models on its patches, evaluate them."""
    make_demo(demo_root, progress=progress)
    common = {"bands": S2_12_BANDS, "folds": folds, "synthetic": True, "augment": True}
    train_model(
        TrainConfig(
            kind="discovery",
            name=DEFAULT_DISCOVERY_MODEL,
            out_dir=models_root / DEFAULT_DISCOVERY_MODEL,
            patches_dir=demo_root / "patches" / "discovery",
            epochs=epochs,
            description="Discovery FCN (METHOD.md model 1) trained on MineScan's SYNTHETIC demo scenes only.",
            **common,  # type: ignore[arg-type]
        ),
        progress=progress,
    )
    train_model(
        TrainConfig(
            kind="impact",
            name=DEFAULT_IMPACT_MODEL,
            out_dir=models_root / DEFAULT_IMPACT_MODEL,
            patches_dir=demo_root / "patches" / "impact",
            epochs=impact_epochs,
            description="Impact CNN (METHOD.md model 2) trained on MineScan's SYNTHETIC demo scenes only.",
            **common,  # type: ignore[arg-type]
        ),
        progress=progress,
    )
    evaluation = evaluate_on_demo(models_root / DEFAULT_DISCOVERY_MODEL, models_root / DEFAULT_IMPACT_MODEL, demo_root)
    note = "synthetic demo scene (seed 7), never used for training; both models; threshold from the card"
    for name in (DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL):
        record_evaluation(models_root / name, evaluation, note)
    progress(f"Demo scene: {evaluation.summary()}")
    return evaluation
