"""The model card: everything about a trained model that is not its weights (plain JSON, no Keras), and the
catalogue of model folders: ``<root>/<name>/<version>/`` under the shipped ``models/`` and the user's
``<data>/models/``, each model named ``name@version``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from core.errors import ModelBundleError
from core.training.card_metrics import CardMetrics
from core.wording.translate import _, ngettext

ModelKind = Literal["discovery", "impact"]
DISCOVERY_CLASSES: tuple[str, ...] = ("not_mine", "mine")
IMPACT_CLASSES: tuple[str, ...] = ("high_impact", "low_impact", "no_ore")
CARD_FILE = "card.json"
WEIGHTS_FILE = "model.keras"


@dataclass(frozen=True)
class ModelCard:
    """Description of a trained model, saved as ``card.json`` beside ``model.keras``.

    ``classes`` is in the order of the model's softmax outputs. ``mean``/``std`` are per band, in
    reflectance units, computed on the training split only; they are applied at scan time. ``metrics`` has one
    shape for every model (:class:`core.training.card_metrics.CardMetrics`), checked when the card is read.
    """

    name: str
    version: str
    kind: ModelKind
    bands: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    classes: tuple[str, ...]
    threshold: float
    patch_size: int
    created_at: str
    synthetic: bool = False
    description: str = ""
    training: dict[str, Any] = field(default_factory=dict)
    metrics: CardMetrics = field(default_factory=CardMetrics)

    def __post_init__(self) -> None:
        if self.kind not in ("discovery", "impact"):
            message = _("model card {name!r}: kind must be 'discovery' or 'impact', got {kind!r}")
            raise ModelBundleError(message.format(name=self.name, kind=self.kind))
        if not (len(self.bands) == len(self.mean) == len(self.std)):
            message = _("model card {name!r}: {bands} bands but {means} means and {stds} standard deviations")
            raise ModelBundleError(
                message.format(name=self.name, bands=len(self.bands), means=len(self.mean), stds=len(self.std))
            )
        if any(s <= 0 or not np.isfinite(s) for s in self.std):
            message = _("model card {name!r}: every band std must be a positive number")
            raise ModelBundleError(message.format(name=self.name))
        if not 0.0 < self.threshold < 1.0:
            message = _("model card {name!r}: threshold must be in (0, 1), got {threshold}")
            raise ModelBundleError(message.format(name=self.name, threshold=self.threshold))

    @property
    def ref(self) -> str:
        """``name@version``: how the CLI, the pages, the store and the exports name this model."""
        return f"{self.name}@{self.version}"

    @property
    def label(self) -> str:
        """``name@version`` with a synthetic-data marker where so (in the current language)."""
        return _("{model} (synthetic demo)").format(model=self.ref) if self.synthetic else self.ref

    def class_index(self, name: str) -> int:
        """Index of class ``name`` in the model output."""
        try:
            return self.classes.index(name)
        except ValueError:
            message = _("model {model!r} has no class {name!r} (classes: {classes})")
            raise ModelBundleError(message.format(model=self.name, name=name, classes=self.classes)) from None

    def normalise(self, reflectance: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        """Standardise ``(..., bands)`` reflectance with the card's statistics; invalid pixels become 0 (the mean)."""
        mean = np.asarray(self.mean, dtype=np.float32)
        std = np.asarray(self.std, dtype=np.float32)
        out = np.subtract(reflectance, mean, dtype=np.float32)
        out /= std  # in place: one tile-sized array, not two
        if valid is not None:
            out[~valid] = 0.0
        if not np.isfinite(out).all():  # the check is 8x cheaper than nan_to_num on finite tiles
            np.nan_to_num(out, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        return out

    def to_json(self) -> str:
        """Serialise to pretty JSON."""
        data = asdict(self)
        for key in ("bands", "mean", "std", "classes"):
            data[key] = list(data[key])
        data["metrics"] = self.metrics.to_dict()
        return json.dumps(data, indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "card") -> ModelCard:
        """Build a card from parsed JSON, with a clear error for missing fields."""
        required = (
            "name",
            "version",
            "kind",
            "bands",
            "mean",
            "std",
            "classes",
            "threshold",
            "patch_size",
            "created_at",
        )
        missing = [k for k in required if k not in data]
        if missing:
            message = ngettext(
                "{source} lacks the field(s) {fields}", "{source} lacks the field(s) {fields}", len(missing)
            )
            raise ModelBundleError(message.format(source=source, fields=", ".join(missing)))
        known = {f for f in cls.__dataclass_fields__}
        kwargs = {k: v for k, v in data.items() if k in known}
        for key in ("bands", "classes"):
            kwargs[key] = tuple(str(v) for v in kwargs[key])
        for key in ("mean", "std"):
            kwargs[key] = tuple(float(v) for v in kwargs[key])
        kwargs["threshold"] = float(kwargs["threshold"])
        kwargs["patch_size"] = int(kwargs["patch_size"])
        kwargs["metrics"] = CardMetrics.from_dict(data.get("metrics", {}), source)
        return cls(**kwargs)

    @classmethod
    def load(cls, folder: Path) -> ModelCard:
        """Read ``folder/card.json``."""
        path = Path(folder) / CARD_FILE
        if not path.is_file():
            message = _("{folder} has no {card}: a model folder holds {weights} and {card}")
            raise ModelBundleError(message.format(folder=folder, card=CARD_FILE, weights=WEIGHTS_FILE))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ModelBundleError(_("{path} is not valid JSON: {error}").format(path=path, error=err)) from None
        if not isinstance(data, dict):
            raise ModelBundleError(_("{path} must hold a JSON object").format(path=path))
        return cls.from_dict(data, source=str(path))

    def save(self, folder: Path) -> Path:
        """Write ``folder/card.json`` and return its path."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / CARD_FILE
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path


# --- the catalogue: <root>/<name>/<version>/card.json ---------------------------------------------------------


def parse_ref(ref: str) -> tuple[str, str | None]:
    """``"name@version"`` -> (name, version); a bare name -> (name, None) meaning its newest version."""
    name, _at, version = ref.partition("@")
    return name, (version or None)


def version_key(version: str) -> tuple[int, ...] | tuple[float, str]:
    """Sort key of versions: numeric ones by number (2 before 10), others after them, by text."""
    parts = version.split(".")
    if all(p.isdigit() for p in parts):
        return tuple(int(p) for p in parts)
    return (float("inf"), version)


def model_folders(roots: Sequence[Path]) -> list[Path]:
    """Every model folder (one with a ``card.json``) at ``<root>/<name>/<version>/``, shipped roots first.

    A folder ``<root>/<name>/`` that holds a card itself (the layout before versions) is listed too.
    """
    found: list[Path] = []
    for root in roots:
        if not Path(root).is_dir():
            continue
        for named in sorted(p for p in Path(root).iterdir() if p.is_dir()):
            if (named / CARD_FILE).is_file():
                found.append(named)
                continue
            versions = [p for p in named.iterdir() if p.is_dir() and (p / CARD_FILE).is_file()]
            found += sorted(versions, key=lambda p: version_key(p.name))
    return found


def list_cards(roots: Sequence[Path]) -> list[tuple[ModelCard, Path]]:
    """The readable cards of every model folder with their folder, by name then version (broken ones left out)."""
    cards = []
    for folder in model_folders(roots):
        try:
            cards.append((ModelCard.load(folder), folder))
        except ModelBundleError:
            continue
    return sorted(cards, key=lambda cf: (cf[0].name, version_key(cf[0].version)))


def resolve_model(ref: str, roots: Sequence[Path], promoted: Mapping[str, str] | None = None) -> Path:
    """The folder of ``ref``: a path to a model folder, ``name@version``, or ``name`` (its promoted version when
    ``promoted`` names one, else its newest).

    Raises:
        ModelBundleError: no such model; the message lists the models there are, as ``name@version``.
    """
    as_path = Path(ref).expanduser()
    if "@" not in ref and (as_path / CARD_FILE).is_file():
        return as_path
    name, version = parse_ref(ref)
    cards = list_cards(roots)
    if version is None and promoted and name in promoted:
        chosen = [f for c, f in cards if c.name == name and c.version == promoted[name]]
        if chosen:
            return chosen[-1]
    matches = [(c, f) for c, f in cards if c.name == name and (version is None or c.version == version)]
    if name and matches:
        return matches[-1][1]
    available = ", ".join(c.ref for c, _folder in cards) or _("none")
    where = _(" and ").join(str(r) for r in roots)
    message = _("no model {ref!r}: it is neither a model folder nor a model under {where} (available: {available})")
    raise ModelBundleError(message.format(ref=ref, where=where, available=available))


def new_model_folder(name: str, version: str | None, user_root: Path, roots: Sequence[Path]) -> tuple[Path, str]:
    """Where a newly trained or re-scored model goes: ``<user_root>/<name>/<version>/``, never over another.

    ``version`` None takes the next number after every version of ``name`` anywhere in ``roots``.

    Raises:
        ModelBundleError: that version of the model exists already (nothing is overwritten).
    """
    if not name or "@" in name or "/" in name:
        message = _("a model name is letters, digits, '-' and '_' (no '@' or '/'); got {name!r}")
        raise ModelBundleError(message.format(name=name))
    taken = [c.version for c, _folder in list_cards(roots) if c.name == name]
    if version is None:
        numbers = [int(v) for v in taken if v.isdigit()]
        version = str(max(numbers, default=0) + 1)
    folder = Path(user_root) / name / version
    if version in taken or folder.exists():
        message = _("{model} exists already; nothing is overwritten: give another --version")
        raise ModelBundleError(message.format(model=f"{name}@{version}"))
    return folder, version
