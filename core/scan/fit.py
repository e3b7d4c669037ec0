"""Which models can scan a scene, and what to warn about before the run (pure checks on a file's header).

The Scan page offers first the models whose bands the scene holds, marks models trained on synthetic data, and
warns before a synthetic model is run on real imagery or a scene lies outside Brazil (the register, the ore
classes and the models only know Brazil).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import rasterio
from rasterio.errors import NotGeoreferencedWarning, RasterioError, RasterioIOError
from rasterio.warp import transform_bounds

from core.errors import BandMismatchError
from core.imagery.raster import select_bands
from core.model_card import ModelCard, version_key
from core.wording.translate import _, localise_number

#: Brazil's mainland and islands, west, south, east, north (degrees).
BRAZIL_BOUNDS = (-74.0, -34.0, -28.8, 5.3)


@dataclass(frozen=True)
class SceneFacts:
    """What a scene's header says: its bands' names, whether MineScan generated it, where it lies."""

    name: str
    band_names: tuple[str | None, ...]
    synthetic: bool
    bounds_lonlat: tuple[float, float, float, float] | None


def read_scene_facts(path: Path) -> SceneFacts | None:
    """The header facts of ``path``; None when it cannot be opened (the scan itself then says why)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(Path(path)) as src:
                tags = dict(src.tags())
                bounds = None
                if src.crs is not None and not src.transform.is_identity:
                    bounds = tuple(transform_bounds(src.crs, "EPSG:4326", *src.bounds))
                names = tuple(src.descriptions)
    except (RasterioIOError, RasterioError, OSError, ValueError):
        return None
    synthetic = tags.get("MINESCAN_SYNTHETIC", "").lower() in ("1", "true", "yes")
    return SceneFacts(Path(path).name, names, synthetic, bounds)


def model_fits(card: ModelCard, facts: SceneFacts) -> bool:
    """Whether the scene holds every band ``card`` reads."""
    try:
        select_bands(facts.band_names, card.bands, facts.name)
    except BandMismatchError:
        return False
    return True


def preferred_versions(cards: Sequence[ModelCard], promoted: Mapping[str, str] | None = None) -> dict[str, str]:
    """The version of each model a scan uses unless told otherwise: the promoted one, else the newest."""
    out: dict[str, str] = {}
    for card in sorted(cards, key=lambda c: version_key(c.version)):
        out[card.name] = card.version
    for name, version in (promoted or {}).items():
        if any(c.name == name and c.version == version for c in cards):
            out[name] = version
    return out


def order_for_scene(cards: list[ModelCard], facts: SceneFacts | None,
                    promoted: Mapping[str, str] | None = None) -> list[ModelCard]:  # fmt: skip
    """``cards`` with those that fit the scene first (real-data models before synthetic ones among them), and of
    each model its promoted version (else its newest) before the others."""
    preferred = preferred_versions(cards, promoted)

    def key(c: ModelCard) -> tuple[bool, bool, bool]:
        fits = facts is None or model_fits(c, facts)
        mismatch = facts is not None and c.synthetic != facts.synthetic
        return (not fits, mismatch, preferred.get(c.name) != c.version)

    return sorted(cards, key=key)


def scan_warnings(card: ModelCard | None, facts: SceneFacts | None) -> list[str]:
    """What a person should know before running ``card`` on the scene (empty when nothing is odd)."""
    if card is None or facts is None:
        return []
    out = []
    if not model_fits(card, facts):
        have = ", ".join(n or _("unnamed") for n in facts.band_names)
        out.append(
            _(
                "The model {model} reads {bands}; this scene has {n} band(s) ({have}). "
                "Choose a model that reads these bands."
            ).format(model=card.name, bands=", ".join(card.bands), n=len(facts.band_names), have=have)
        )
    if card.synthetic and not facts.synthetic:
        out.append(
            _(
                "The model {model} was trained only on MineScan's synthetic demo scenes: on real imagery its sites "
                "mean little. Use a model trained on real data."
            ).format(model=card.name)
        )
    if facts.bounds_lonlat is not None and not _overlaps(facts.bounds_lonlat, BRAZIL_BOUNDS):
        w, s, e, n = (localise_number(f"{v:.2f}") for v in facts.bounds_lonlat)
        out.append(
            _(
                "This scene lies outside Brazil ({west}, {south} to {east}, {north}): the ANM register and the "
                "models only know Brazilian mines and dams."
            ).format(west=w, south=s, east=e, north=n)
        )
    return out


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and a[2] > b[0] and a[1] < b[3] and a[3] > b[1]


def impact_fits(discovery: ModelCard, impact: ModelCard) -> bool:
    """Whether ``impact`` can rate ``discovery``'s sites: the discovery model reads every band it needs."""
    return set(impact.bands) <= set(discovery.bands)


def choose_impact(discovery: ModelCard, impacts: Sequence[ModelCard], preferred: str,
                  promoted: Mapping[str, str] | None = None) -> tuple[ModelCard | None, str | None]:  # fmt: skip
    """The impact model for ``discovery`` when the person named none: ``preferred`` (a name) if it fits, else the
    first that fits (real-data models first; of each its promoted version, else its newest), else none. Returns
    the card (None: no impact model) and, when it is not ``preferred``, one line saying why."""
    fitting = [c for c in order_for_scene([c for c in impacts if c.kind == "impact"], None, promoted)
               if impact_fits(discovery, c)]  # fmt: skip
    fitting.sort(key=lambda c: (c.name != preferred, c.synthetic != discovery.synthetic))
    if fitting and fitting[0].name == preferred:
        return fitting[0], None
    bands = ", ".join(discovery.bands)
    if fitting:
        note = _("the default impact model {preferred} needs bands that {discovery} does not read ({bands}): "
                 "rating impact with {impact} instead")  # fmt: skip
        return fitting[0], note.format(preferred=preferred, discovery=discovery.ref, bands=bands, impact=fitting[0].ref)
    note = _("no impact model fits {discovery} (it reads {bands}), so none is used")
    return None, note.format(discovery=discovery.ref, bands=bands)
