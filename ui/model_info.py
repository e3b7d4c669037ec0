"""Reading the model cards and demo status for display (no Keras import: cards are JSON)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from core.model_card import ModelCard, list_cards
from core.settings import DEMO_LATER_SCENE_FILE, DEMO_PERIODS, DEMO_SCENE_FILE
from core.wording.translate import N_, _, localise_number

#: The headers of a model card's table (codes -> words, translated where shown).
COLUMNS: dict[str, str] = {
    "model": N_("model"),
    "kind": N_("kind"),
    "bands": N_("bands"),
    "classes": N_("classes"),
    "threshold": N_("threshold"),
    "accuracy": N_("cross-validated accuracy"),
    "f1": N_("cross-validated F1"),
    "demo_recall": N_("demo recall"),
    "demo_false_sites": N_("demo false sites / 100 km²"),
    "site_recall": N_("real sites found (out of fold)"),
    "trained_on": N_("trained on"),
    "promoted": N_("promoted"),
    "parent": N_("parent"),
    "training_set": N_("training set"),
    "created": N_("created"),
}
#: What each kind of model does, in words.
KINDS: dict[str, str] = {"discovery": N_("discovery"), "impact": N_("impact")}
SYNTHETIC_DATA = N_("synthetic demo data")
REAL_DATA = N_("real data")


def model_cards(roots: Sequence[Path]) -> list[ModelCard]:
    """Cards of every model (``name@version``) under the shipped and the user's model folders."""
    return [card for card, _folder in list_cards(roots)]


def kind_word(kind: str) -> str:
    """A model's kind (``discovery``, ``impact``) in words."""
    return _(KINDS[kind]) if kind in KINDS else kind


def model_label(card: ModelCard) -> str:
    """``name@version`` with a synthetic-data marker where so (the words of ``ModelCard.label``, translated)."""
    return _("{model} (synthetic demo)").format(model=card.ref) if card.synthetic else card.ref


def _fields(card: ModelCard) -> dict[str, object]:
    """The card fields a user reads first, by code (see :data:`COLUMNS`)."""
    metrics = card.metrics
    demo, sites = metrics.demo_scene or {}, metrics.sites

    def mean_sd(name: str) -> str:
        value = metrics.measure(name)
        return "" if value is None else localise_number(f"{value.mean:.3f} ± {value.sd:.3f}")

    return {
        "model": model_label(card),
        "kind": kind_word(card.kind),
        "bands": ", ".join(card.bands),
        "classes": ", ".join(card.classes),
        "threshold": card.threshold,
        "accuracy": mean_sd("accuracy"),
        "f1": mean_sd("f1"),
        "demo_recall": _text(demo.get("recall")),
        "demo_false_sites": _text(demo.get("false_sites_per_100km2")),
        "site_recall": localise_number(f"{sites.at_threshold['site_recall']:.0%}") if sites else "",
        "trained_on": _(SYNTHETIC_DATA) if card.synthetic else _(REAL_DATA),
    }


def _headed(fields: Mapping[str, object]) -> dict[str, object]:
    """``fields`` with the words of :data:`COLUMNS` as keys (the table's headers)."""
    return {_(COLUMNS[code]): value for code, value in fields.items()}


def card_summary(card: ModelCard) -> dict[str, object]:
    """The card fields a user reads first, flat (one card schema: no guessing at keys), headed in words."""
    return _headed(_fields(card))


def version_rows(cards: Sequence[ModelCard], promoted: Mapping[str, str]) -> list[dict[str, object]]:
    """One row per model version: promoted or not, its parent and training set, measures, when it was made."""
    rows = []
    for card in cards:
        row = _fields(card)
        rows.append(_headed({
            "model": row["model"],
            "promoted": _("yes") if promoted.get(card.name) == card.version else "",
            "parent": _text(card.training.get("parent")),
            "training_set": _text(card.training.get("training_set")),
            "kind": row["kind"],
            "threshold": card.threshold,
            "f1": row["f1"],
            "site_recall": row["site_recall"],
            "created": card.created_at,
        }))  # fmt: skip
    return rows


def scene_choices(demo_dir: Path, scenes_dir: Path) -> dict[str, Path]:
    """Scenes a user can pick: the demo's scene of each period (labelled synthetic) and GeoTIFFs in the imagery
    folder and its sub-folders (Earth Engine downloads go to ``earth_engine/``), by path relative to the folder.
    Files still being downloaded (``.tif.partial``) are not offered."""
    out: dict[str, Path] = {}
    for period, name in zip(DEMO_PERIODS, (DEMO_SCENE_FILE, DEMO_LATER_SCENE_FILE), strict=True):
        if (demo_dir / name).is_file():
            out[_("Demo scene {period} (synthetic, not real imagery)").format(period=period)] = demo_dir / name
    if scenes_dir.is_dir():
        found = [p for p in scenes_dir.rglob("*") if p.is_file() and p.suffix.lower() in (".tif", ".tiff")]
        for path in sorted(found, key=lambda p: p.relative_to(scenes_dir).as_posix()):
            out[path.relative_to(scenes_dir).as_posix()] = path
    return out


def _text(value: object) -> str:
    """A table cell as text (one column type, so the table renders without a type conversion warning)."""
    return "" if value is None else localise_number(f"{value:g}") if isinstance(value, float) else str(value)
