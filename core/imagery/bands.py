"""Band profiles: which Sentinel-2 bands a model needs, by name, and how file band names map to them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.wording.translate import N_, _

#: The paper's 12 bands in model order (B8A is not used).
S2_12_BANDS: tuple[str, ...] = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "B11", "B12")
#: Sentinel-2 L1C bands as delivered (13, with B8A after B8).
S2_13_BANDS: tuple[str, ...] = ("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B8A", "B9", "B10", "B11", "B12")

_COLOUR_NAMES = {"BLUE": "B2", "GREEN": "B3", "RED": "B4", "NIR": "B8"}
_BAND_RE = re.compile(r"^B0*(\d{1,2}A?)$")


@dataclass(frozen=True)
class BandProfile:
    """A named, ordered set of bands a model reads; ``description`` is English, marked (show it as ``_(...)``)."""

    name: str
    bands: tuple[str, ...]
    description: str = ""


PROFILES: dict[str, BandProfile] = {
    "s2_12": BandProfile("s2_12", S2_12_BANDS, N_("Sentinel-2 B1-B12 without B8A (the paper's 12 bands)")),
    "rgb": BandProfile("rgb", ("B2", "B3", "B4"), N_("Sentinel-2 true colour: blue, green, red")),
}


def get_profile(name: str) -> BandProfile:
    """Return the profile called ``name``.

    Raises:
        ValueError: unknown profile name (the message lists the known ones).
    """
    try:
        return PROFILES[name]
    except KeyError:
        message = _("unknown band profile {name!r}; known: {known}")
        raise ValueError(message.format(name=name, known=", ".join(sorted(PROFILES)))) from None


def profile_for_bands(bands: tuple[str, ...]) -> BandProfile:
    """Return the registered profile with exactly these bands, or an ad-hoc one."""
    for profile in PROFILES.values():
        if profile.bands == tuple(bands):
            return profile
    return BandProfile("custom", tuple(bands), N_("bands listed in the model card"))


def canonical_band_name(text: str | None) -> str | None:
    """Map a band description to a canonical Sentinel-2 name (``"B02"`` -> ``"B2"``), or None.

    Accepts ``B02``, ``b2``, ``B8A``, ``B02 (blue)``, ``Band 2``-less names such as ``blue``/``red``/``nir``,
    and the ``SR_B4``-style prefixes some exporters add.
    """
    if not text:
        return None
    token = text.strip().upper()
    token = re.split(r"[\s(:,;/]+", token)[0] if token else token
    token = token.removeprefix("SR_").removeprefix("TOA_")
    if token in _COLOUR_NAMES:
        return _COLOUR_NAMES[token]
    match = _BAND_RE.match(token)
    if not match:
        return None
    return "B" + match.group(1)
