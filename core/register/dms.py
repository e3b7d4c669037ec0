"""Coordinates written as degrees-minutes-seconds text (``-20°06'36.060''``) or decimal degrees (``-20,11``)."""

from __future__ import annotations

import re
import unicodedata

from core.wording.translate import N_, _, localise_number

#: Every mark exports use for degrees, minutes and seconds, mapped to one spelling each.
_MARKS = str.maketrans(
    {
        "º": "°",
        "˚": "°",
        "′": "'",
        "’": "'",
        "‘": "'",
        "´": "'",
        "`": "'",
        "″": '"',
        "”": '"',
        "“": '"',
    }
)
_DMS = re.compile(
    r"""^(?P<sign>[+-])?\s*
    (?P<deg>\d+(?:[.,]\d+)?)\s*(?:°|d|\s)\s*
    (?:(?P<min>\d+(?:[.,]\d+)?)\s*(?:'|m)?\s*)?
    (?:(?P<sec>\d+(?:[.,]\d+)?)\s*(?:"|''|s)?\s*)?$""",
    re.VERBOSE,
)
_DECIMAL = re.compile(r"^(?P<sign>[+-])?\s*(?P<deg>\d+(?:[.,]\d+)?)\s*°?$")
_NEGATIVE_WORDS = ("sul", "south", "oeste", "west")
_POSITIVE_WORDS = ("norte", "north", "leste", "east")
_NEGATIVE_LETTERS = {"S", "W", "O"}
_POSITIVE_LETTERS = {"N", "E", "L"}
#: A problem with one axis of a point, said with the axis's name ({problem}: what is wrong with its text).
AXIS_PROBLEM: dict[str, str] = {"latitude": N_("latitude {problem}"), "longitude": N_("longitude {problem}")}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def hemisphere_sign(text: str | None) -> int | None:
    """-1 for South/West (``S``, ``W``, ``O``, ``"Sul do Equador"``), +1 for North/East, None when not stated."""
    if text is None or not text.strip():
        return None
    plain = _plain(text).strip()
    if any(word in plain for word in _NEGATIVE_WORDS):
        return -1
    if any(word in plain for word in _POSITIVE_WORDS):
        return 1
    letter = plain.upper()
    if letter in _NEGATIVE_LETTERS:
        return -1
    if letter in _POSITIVE_LETTERS:
        return 1
    raise ValueError(_("hemisphere '{text}' is not N, S, E, W or 'Norte/Sul do Equador'").format(text=text))


def _split_hemisphere(text: str) -> tuple[str, int | None]:
    """Take a hemisphere letter off either end of the text (``20°S``, ``S 20°``)."""
    match = re.match(r"^\s*([NSEWOL])\b\s*(.*)$", text, re.IGNORECASE) or re.match(
        r"^(.*?)\s*([NSEWOL])\s*$", text, re.IGNORECASE
    )
    if match is None:
        return text, None
    groups = match.groups()
    letter, rest = (groups[0], groups[1]) if len(groups[0]) == 1 and groups[0].isalpha() else (groups[1], groups[0])
    return rest, hemisphere_sign(letter)


def _number(part: str | None) -> float:
    return float(part.replace(",", ".")) if part else 0.0


def parse_dms(text: str, hemisphere: str | None = None, *, allow_overflow: bool = False) -> float:
    """Degrees from DMS text or decimal degrees; South and West are negative.

    The sign comes from, in order: a hemisphere letter in the text, the ``hemisphere`` argument (a letter or
    ``"Sul do Equador"``/``"Norte do Equador"``), a leading minus. Quote variants (``''``, ``"``, ``”``, ``″``,
    ``′``, ``’``) and spaces between the parts are accepted. ``allow_overflow`` reads minutes or seconds from 60
    to 99 as carried over (``34'60"`` = ``35'00"``), a slip found in the real exports.

    Raises:
        ValueError: the text is not a coordinate, or minutes/seconds are 60 or more (the message quotes the text).
    """
    if text is None or not str(text).strip():
        raise ValueError(_("empty coordinate"))
    body = str(text).strip().translate(_MARKS).replace("''", '"').strip('"').strip()
    body = body.replace("\u00a0", " ")
    try:
        body, text_sign = _split_hemisphere(body)
    except ValueError as exc:
        raise ValueError(_("'{text}' is not a coordinate: {problem}").format(text=text, problem=exc)) from None
    match = _DECIMAL.match(body) or _DMS.match(body + ("" if "°" in body or " " in body else " "))
    if match is None or not match.group("deg"):
        raise ValueError(_("'{text}' is not a coordinate").format(text=text))
    parts = match.groupdict()
    minutes, seconds = _number(parts.get("min")), _number(parts.get("sec"))
    if minutes >= (100 if allow_overflow else 60) or seconds >= (100 if allow_overflow else 60):
        raise ValueError(_("'{text}' is not a coordinate: minutes and seconds must be below 60").format(text=text))
    if (parts.get("min") or parts.get("sec")) and "." in parts["deg"].replace(",", "."):
        raise ValueError(_("'{text}' is not a coordinate: decimal degrees followed by minutes").format(text=text))
    magnitude = _number(parts["deg"]) + minutes / 60 + seconds / 3600
    sign = text_sign or hemisphere_sign(hemisphere) or (-1 if parts.get("sign") == "-" else 1)
    value = sign * magnitude
    if magnitude > 180:
        raise ValueError(_("'{text}' is not a coordinate: more than 180 degrees").format(text=text))
    return value


def parse_lat(text: str, hemisphere: str | None = None, *, allow_overflow: bool = False) -> float:
    """Latitude from DMS or decimal text (see :func:`parse_dms`), checked to lie within ±90°.

    Raises:
        ValueError: not a coordinate, or beyond the poles.
    """
    value = parse_dms(text, hemisphere, allow_overflow=allow_overflow)
    if abs(value) > 90:
        raise ValueError(_("'{text}' is not a latitude: beyond ±90°").format(text=text))
    return value


def parse_lon_brazil(text: str, *, allow_overflow: bool = False) -> float:
    """Longitude from DMS or decimal text; West unless the text says East, as every Brazilian longitude is.

    Raises:
        ValueError: not a coordinate, or beyond ±180°.
    """
    return parse_dms(text, "W", allow_overflow=allow_overflow)


def dms(lat: float, lon: float, decimals: int = 1) -> str:
    """A point as people write it on paper: ``20°07'11.2"S 44°07'25.6"W`` (seconds to ``decimals`` places).

    Rounding carries over (``59.96"`` becomes the next minute), so the text never reads ``60.0"``.

    Raises:
        ValueError: a latitude beyond ±90° or a longitude beyond ±180°.
    """
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        message = _("({lat}, {lon}) is not a latitude, longitude pair")
        raise ValueError(message.format(lat=localise_number(f"{lat}"), lon=localise_number(f"{lon}")))
    parts = []
    for value, positive, negative in ((lat, "N", "S"), (lon, "E", "W")):
        unit = 10**decimals
        ticks = round(abs(value) * 3600 * unit)
        degrees, rest = divmod(ticks, 3600 * unit)
        minutes, seconds = divmod(rest, 60 * unit)
        whole, fraction = divmod(seconds, unit)
        sec = f"{whole:02d}.{fraction:0{decimals}d}" if decimals > 0 else f"{whole:02d}"
        hemisphere = negative if value < 0 and ticks else positive
        parts.append(f"{degrees}°{minutes:02d}'{sec}\"{hemisphere}")
    return " ".join(parts)
