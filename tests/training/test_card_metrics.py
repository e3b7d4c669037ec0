"""One card schema for every model: the shipped cards read into it, and a card of another shape is refused clearly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from core.errors import ModelBundleError
from core.model_card import ModelCard, list_cards
from core.settings import model_roots
from core.training.card_metrics import CardMetrics, CrossValidation, FoldScore


def _fold(n: int, accuracy: float) -> FoldScore:
    return FoldScore(
        fold=n, n_train=8, n_val=4, val_groups=1, val_items=(f"s{n}",), accuracy=accuracy, precision=0.5,
        recall=0.5, f1=0.5, confusion=((2, 0), (1, 1)), seconds=1.0,
    )  # fmt: skip


def test_every_shipped_card_has_the_one_schema_and_survives_a_round_trip() -> None:
    cards = list_cards(model_roots())
    assert {c.ref for c, _ in cards} >= {"demo_discovery@1", "demo_impact@1", "tailings_rgb@2"}
    for card, folder in cards:
        cv = card.metrics.cross_validation
        assert cv is not None and len(cv.folds) == cv.k_used >= 2, card.ref
        assert set(cv.summary) == {"accuracy", "precision", "recall", "f1"}
        assert sum(f.n_val for f in cv.folds) == sum(f.n_train + f.n_val for f in cv.folds) / cv.k_used
        again = ModelCard.from_dict(json.loads(card.to_json()), str(folder))
        assert again == card
    rgb = next(c for c, _ in cards if c.ref == "tailings_rgb@2")
    assert rgb.metrics.sites is not None and rgb.metrics.sites.threshold == rgb.threshold
    assert rgb.metrics.demo_scene is None and rgb.metrics.cross_validation.unit == "201 px windows"  # type: ignore[union-attr]


def test_summary_is_the_mean_and_sample_sd_of_the_folds() -> None:
    cv = CrossValidation("group", 2, 2, "", "patches", "argmax", (_fold(1, 0.8), _fold(2, 0.6)))
    assert cv.summary["accuracy"].mean == pytest.approx(0.7)
    assert cv.summary["accuracy"].sd == pytest.approx(0.1414, abs=1e-4)
    assert cv.mean_confusion() == [[2.0, 0.0], [1.0, 1.0]]
    assert CardMetrics(cross_validation=cv).measure("accuracy") == cv.summary["accuracy"]
    assert CardMetrics().measure("accuracy") is None and CardMetrics().to_dict() == {}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update({"cells_at_0.5_mean_sd": {}}), "unknown part.*cells_at_0.5_mean_sd"),
        (lambda m: m["cross_validation"].pop("summary"), "cross_validation lacks the field.*summary"),
        (lambda m: m["cross_validation"]["folds"][0].update({"accuracy": "high"}), r"folds\[0\].accuracy must be"),
        (lambda m: m["cross_validation"]["summary"].pop("f1"), "summary lacks f1"),
        (lambda m: m.update({"sites": []}), "metrics.sites must be an object"),
    ],
)
def test_a_card_of_another_shape_is_refused_saying_where(tmp_path: Path, change: object, message: str) -> None:
    folder = next(f for c, f in list_cards(model_roots()) if c.ref == "demo_discovery@1")
    copy = Path(shutil.copytree(folder, tmp_path / "m", ignore=shutil.ignore_patterns("*.keras")))
    data = json.loads((copy / "card.json").read_text(encoding="utf-8"))
    change(data["metrics"])  # type: ignore[operator]
    (copy / "card.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ModelBundleError, match=message) as err:
        ModelCard.load(copy)
    assert "card.json" in str(err.value)
