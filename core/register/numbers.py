"""Numbers as Brazilian exports write them: ``57.463.773,00`` (dot groups thousands, comma marks decimals)."""

from __future__ import annotations

import re

from core.wording.translate import _

_EMPTY = {"", "-", "--", "n/a", "na", "nan", "none", "null"}
_BR_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_br_number(text: str) -> float | None:
    """Read a number in Brazilian or plain format.

    ``"57.463.773,00"`` -> 57463773.0, ``"10,3"`` -> 10.3, ``"22"`` -> 22.0, ``"19.6"`` -> 19.6. A dot followed by
    groups of exactly three digits and no comma (``"1.290"``) is read as a thousands separator (1290.0), as the
    Brazilian exports mean it. Empty text, ``"-"`` and ``"N/A"`` are None.

    Raises:
        ValueError: the text is not a number (the message quotes it).
    """
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if cleaned.lower() in _EMPTY:
        return None
    if "," in cleaned:
        if cleaned.count(",") > 1:
            raise ValueError(_("'{text}' is not a number").format(text=text))
        whole, _comma, decimals = cleaned.partition(",")
        if "." in whole and not _BR_THOUSANDS.match(whole):
            raise ValueError(_("'{text}' is not a number").format(text=text))
        candidate = whole.replace(".", "") + "." + decimals
    elif _BR_THOUSANDS.match(cleaned):
        candidate = cleaned.replace(".", "")
    else:
        candidate = cleaned
    if not _PLAIN.match(candidate):
        raise ValueError(_("'{text}' is not a number").format(text=text))
    return float(candidate)
