"""Reading the model cards and demo status for display (no Keras import: cards are JSON)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from core.model_card import ModelCard, list_cards
from core.settings import DEMO_LATER_SCENE_FILE, DEMO_PERIODS, DEMO_SCENE_FILE


def model_cards(roots: Sequence[Path]) -> list[ModelCard]:
    """Cards of every model (``name@version``) under the shipped and the user's model folders."""
    return [card for card, _ in list_cards(roots)]


def card_summary(card: ModelCard) -> dict[str, object]:
    """The card fields a user reads first, flat (one card schema: no guessing at keys)."""
    metrics = card.metrics
    demo, sites = metrics.demo_scene or {}, metrics.sites

    def mean_sd(name: str) -> str:
        value = metrics.measure(name)
        return "" if value is None else f"{value.mean:.3f} ± {value.sd:.3f}"

    return {
        "model": card.label,
        "kind": card.kind,
        "bands": ", ".join(card.bands),
        "classes": ", ".join(card.classes),
        "threshold": card.threshold,
        "cross-validated accuracy": mean_sd("accuracy"),
        "cross-validated F1": mean_sd("f1"),
        "demo recall": _text(demo.get("recall")),
        "demo false sites / 100 km²": _text(demo.get("false_sites_per_100km2")),
        "real sites found (out of fold)": f"{sites.at_threshold['site_recall']:.0%}" if sites else "",
        "trained on": "synthetic demo data" if card.synthetic else "real data",
    }


def version_rows(cards: Sequence[ModelCard], promoted: Mapping[str, str]) -> list[dict[str, object]]:
    """One row per model version: promoted or not, its parent and training set, measures, when it was made."""
    rows = []
    for card in cards:
        row = card_summary(card)
        rows.append({
            "model": row["model"],
            "promoted": "yes" if promoted.get(card.name) == card.version else "",
            "parent": _text(card.training.get("parent")),
            "training set": _text(card.training.get("training_set")),
            "kind": card.kind,
            "threshold": card.threshold,
            "cross-validated F1": row["cross-validated F1"],
            "real sites found (out of fold)": row["real sites found (out of fold)"],
            "created": card.created_at,
        })  # fmt: skip
    return rows


def scene_choices(demo_dir: Path, scenes_dir: Path) -> dict[str, Path]:
    """Scenes a user can pick: the demo's scene of each period (labelled synthetic) and GeoTIFFs in the imagery
    folder and its sub-folders (Earth Engine downloads go to ``earth_engine/``), by path relative to the folder.
    Files still being downloaded (``.tif.partial``) are not offered."""
    out: dict[str, Path] = {}
    for period, name in zip(DEMO_PERIODS, (DEMO_SCENE_FILE, DEMO_LATER_SCENE_FILE), strict=True):
        if (demo_dir / name).is_file():
            out[f"Demo scene {period} (synthetic, not real imagery)"] = demo_dir / name
    if scenes_dir.is_dir():
        found = [p for p in scenes_dir.rglob("*") if p.is_file() and p.suffix.lower() in (".tif", ".tiff")]
        for path in sorted(found, key=lambda p: p.relative_to(scenes_dir).as_posix()):
            out[path.relative_to(scenes_dir).as_posix()] = path
    return out


def _text(value: object) -> str:
    """A table cell as text (one column type, so the table renders without a type conversion warning)."""
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
