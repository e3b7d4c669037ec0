"""One command that rebuilds the shipped demo models: demo data, training, evaluation on the demo scene."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from core.demo import make_demo, make_demo_scene
from core.imagery.bands import S2_12_BANDS
from core.model_card import ModelCard, new_model_folder, resolve_model
from core.scan.pipeline import ScanModel, ScanSettings, scan_scene
from core.settings import DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL
from core.training.evaluation import Evaluation, evaluate_sites, load_truth
from core.wording.translate import N_, _
from models.bundle import load_bundle
from models.trainer import TrainConfig, train_model

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
    demo_scene = {**evaluation.as_dict(), "note": note}
    card = replace(card, metrics=replace(card.metrics, demo_scene=demo_scene))
    card.save(model_dir)
    (model_dir / EVALUATION_FILE).write_text(json.dumps(demo_scene, indent=2) + "\n", encoding="utf-8")
    return card


def rebuild_demo_models(
    demo_root: Path,
    models_root: Path,
    epochs: int,
    folds: int,
    impact_epochs: int = 30,
    progress: Callable[[str], None] = print,
) -> Evaluation:
    """Regenerate the demo data (deterministic, ~30 s), train both demo models on its patches as new versions
    (``<models_root>/<name>/<next version>/``; nothing is overwritten), evaluate them."""
    make_demo(demo_root, progress=progress)
    for kind, name, kind_epochs, what in (
        ("discovery", DEFAULT_DISCOVERY_MODEL, epochs, N_("Discovery FCN (METHOD.md model 1)")),
        ("impact", DEFAULT_IMPACT_MODEL, impact_epochs, N_("Impact CNN (METHOD.md model 2)")),
    ):
        out_dir, version = new_model_folder(name, None, models_root, [models_root])
        config = TrainConfig(
            kind=kind,  # type: ignore[arg-type]
            name=name,
            version=version,
            out_dir=out_dir,
            bands=S2_12_BANDS,
            data_dir=demo_root / "patches" / kind,
            epochs=kind_epochs,
            folds=folds,
            augment=True,
            synthetic=True,
            description=_("{model} trained on MineScan's SYNTHETIC demo scenes only.").format(model=_(what)),
        )
        train_model(config, progress=progress)
    return evaluate_demo_models(demo_root, models_root, progress, record=True)


def evaluate_demo_models(
    demo_root: Path, models_root: Path, progress: Callable[[str], None] = print, record: bool = False
) -> Evaluation:
    """Score the newest demo models on the demo scene (made if missing).

    ``record`` stores the result in their cards (for versions just trained); without it the shipped cards are not
    touched, and the measurement is compared with what they recorded.
    """
    if not (demo_root / "scene.tif").is_file() or not (demo_root / "truth.geojson").is_file():
        make_demo_scene(demo_root)
    discovery, impact = (resolve_model(name, [models_root]) for name in (DEFAULT_DISCOVERY_MODEL, DEFAULT_IMPACT_MODEL))
    evaluation = evaluate_on_demo(discovery, impact, demo_root)
    progress(_("Demo scene: {summary}").format(summary=evaluation.summary()))
    if record:
        note = _(
            "synthetic demo scene (seed 7), never used for training; both models; threshold from the card; "
            "impact model over the cell footprint (offset {offset} px)"
        ).format(offset=ScanSettings().impact_offset_px)
        for folder in (discovery, impact):
            record_evaluation(folder, evaluation, note)
        return evaluation
    recorded = ModelCard.load(discovery).metrics.demo_scene or {}
    keys = ("targets", "found", "false_sites")
    if all(recorded.get(k) == getattr(evaluation, k) for k in keys):
        progress(_("the same as recorded in {model}'s card").format(model=f"{discovery.parent.name}@{discovery.name}"))
    else:
        was = ", ".join(f"{k} {recorded.get(k)}" for k in keys)
        message = _(
            "differs from the card ({recorded}); the card is not changed: rebuild with demo-models for a new version"
        )
        progress(message.format(recorded=was))
    return evaluation
