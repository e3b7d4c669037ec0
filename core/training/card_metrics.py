"""The one shape of a model card's ``metrics`` (whatever layout the model was trained on), checked on load.

- ``cross_validation``: the held-out classification of the training items (patches, or the 201 px windows of whole
  scenes) fold by fold, with mean ± sd: the paper's measure. Absent when the model was not cross-validated.
- ``sites``: how an auditor would see the out-of-fold scans at the card's threshold (sites found, false sites per
  10 km², area flagged far from tailings), and why that threshold. Only models trained on scenes with masks.
- ``demo_scene``: the scan of the synthetic demo scene scored against its planted truth (demo models).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from core.errors import ModelBundleError
from core.training.metrics import mean_sd
from core.wording.translate import _

#: The classification measures every fold reports, in this order.
MEASURES: tuple[str, ...] = ("accuracy", "precision", "recall", "f1")


@dataclass(frozen=True)
class MeanSd:
    """Mean and sample standard deviation of one measure over the folds."""

    mean: float
    sd: float


@dataclass(frozen=True)
class FoldScore:
    """One fold's held-out classification (``confusion``: rows true, columns predicted).

    ``mean``/``std`` are the band statistics of the fold's own training split; ``train_accuracy`` is Keras' running
    accuracy over the last epoch; both empty/None where a model was recorded without them.
    """

    fold: int
    n_train: int
    n_val: int
    val_groups: int
    val_items: tuple[str, ...]
    accuracy: float
    precision: float
    recall: float
    f1: float
    confusion: tuple[tuple[int, ...], ...]
    seconds: float
    train_accuracy: float | None = None
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()


@dataclass(frozen=True)
class CrossValidation:
    """How the data was split, what one item is, and every fold's held-out scores with their mean ± sd."""

    method: str
    k_requested: int
    k_used: int
    note: str
    unit: str
    scores: str
    folds: tuple[FoldScore, ...]
    summary: dict[str, MeanSd] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.summary:
            stats = {k: mean_sd([getattr(f, k) for f in self.folds]) for k in MEASURES}
            object.__setattr__(self, "summary", {k: MeanSd(m, s) for k, (m, s) in stats.items()})

    def mean_confusion(self) -> list[list[float]]:
        """The confusion matrix averaged over the folds."""
        n = len(self.folds)
        rows = self.folds[0].confusion if n else ()
        return [
            [round(sum(f.confusion[r][c] for f in self.folds) / n, 2) for c in range(len(row))]
            for r, row in enumerate(rows)
        ]


@dataclass(frozen=True)
class SiteScores:
    """The out-of-fold scans scored site by site at ``threshold`` (the card's) and at the paper's 0.6.

    ``at_threshold``/``at_paper_threshold`` are :func:`core.training.mask_evaluation.pool_scores` rows;
    ``windows_at_threshold`` the 201 px windows classified at ``threshold``.
    """

    threshold: float
    why: str
    targets: dict[str, float]
    at_threshold: dict[str, float]
    at_paper_threshold: dict[str, float]
    windows_at_threshold: dict[str, Any]


@dataclass(frozen=True)
class CardMetrics:
    """Everything measured about a model; any part may be absent."""

    cross_validation: CrossValidation | None = None
    sites: SiteScores | None = None
    demo_scene: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, absent parts left out."""
        return {k: v for k, v in asdict(self).items() if v is not None}

    def measure(self, name: str) -> MeanSd | None:
        """The cross-validated mean ± sd of ``name`` (one of :data:`MEASURES`), if cross-validated."""
        return self.cross_validation.summary.get(name) if self.cross_validation else None

    @classmethod
    def from_dict(cls, data: Any, source: str = "card") -> CardMetrics:
        """Read and check the card's ``metrics``.

        Raises:
            ModelBundleError: a part is missing a field, has a field of the wrong type, or is unknown.
        """
        where = f"{source}: metrics"
        data = _mapping(data, where)
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            message = _("{where} has unknown part(s) {parts} (known: {known})")
            raise ModelBundleError(message.format(where=where, parts=", ".join(unknown), known=_known(cls)))
        cv, sites, demo = data.get("cross_validation"), data.get("sites"), data.get("demo_scene")
        return cls(
            cross_validation=None if cv is None else _cross_validation(cv, f"{where}.cross_validation"),
            sites=None if sites is None else _site_scores(sites, f"{where}.sites"),
            demo_scene=None if demo is None else dict(_mapping(demo, f"{where}.demo_scene")),
        )


def _known(cls: type) -> str:
    return ", ".join(cls.__dataclass_fields__)  # type: ignore[attr-defined]


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ModelBundleError(
            _("{where} must be an object, not {kind}").format(where=where, kind=type(value).__name__)
        )
    return value


def _fields(data: Any, cls: type, where: str, optional: Sequence[str] = ()) -> dict[str, Any]:
    data = _mapping(data, where)
    names = list(cls.__dataclass_fields__)  # type: ignore[attr-defined]
    missing = [k for k in names if k not in data and k not in optional]
    if missing:
        raise ModelBundleError(_("{where} lacks the field(s) {fields}").format(where=where, fields=", ".join(missing)))
    unknown = sorted(set(data) - set(names))
    if unknown:
        message = _("{where} has unknown field(s) {fields} (known: {known})")
        raise ModelBundleError(message.format(where=where, fields=", ".join(unknown), known=", ".join(names)))
    return dict(data)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ModelBundleError(_("{where} must be a number, not {value!r}").format(where=where, value=value))
    return float(value)


def _fold(data: Any, where: str) -> FoldScore:
    d = _fields(data, FoldScore, where, optional=("train_accuracy", "mean", "std"))
    for key in (*MEASURES, "seconds"):
        d[key] = _number(d[key], f"{where}.{key}")
    for key in ("fold", "n_train", "n_val", "val_groups"):
        d[key] = int(_number(d[key], f"{where}.{key}"))
    if d.get("train_accuracy") is not None:
        d["train_accuracy"] = _number(d["train_accuracy"], f"{where}.train_accuracy")
    d["val_items"] = tuple(str(v) for v in d["val_items"])
    d["confusion"] = tuple(tuple(int(_number(v, f"{where}.confusion")) for v in row) for row in d["confusion"])
    for key in ("mean", "std"):
        d[key] = tuple(_number(v, f"{where}.{key}") for v in d.get(key, ()))
    return FoldScore(**d)


def _cross_validation(data: Any, where: str) -> CrossValidation:
    d = _fields(data, CrossValidation, where)
    d["folds"] = tuple(_fold(f, f"{where}.folds[{i}]") for i, f in enumerate(d["folds"]))
    summary = _mapping(d["summary"], f"{where}.summary")
    missing = [k for k in MEASURES if k not in summary]
    if missing:
        raise ModelBundleError(_("{where}.summary lacks {measures}").format(where=where, measures=", ".join(missing)))
    d["summary"] = {
        k: MeanSd(**{p: _number(v[p], f"{where}.summary.{k}.{p}") for p in ("mean", "sd")})
        for k, v in ((k, _fields(s, MeanSd, f"{where}.summary.{k}")) for k, s in summary.items())
    }
    for key in ("k_requested", "k_used"):
        d[key] = int(_number(d[key], f"{where}.{key}"))
    return CrossValidation(**d)


def _site_scores(data: Any, where: str) -> SiteScores:
    d = _fields(data, SiteScores, where)
    d["threshold"] = _number(d["threshold"], f"{where}.threshold")
    for key in ("targets", "at_threshold", "at_paper_threshold", "windows_at_threshold"):
        d[key] = dict(_mapping(d[key], f"{where}.{key}"))
    for key in ("site_recall", "false_per_10km2", "far_share"):
        _number(d["at_threshold"].get(key), f"{where}.at_threshold.{key}")
    return SiteScores(**d)
