"""How exported sites look: one palette for every format, and the KML styles and legend built from it.

A site is filled in its decision's colour (the same in QGIS and Google Earth); in QGIS its outline shows its
register status (:data:`STATUS_OUTLINES`). KML has one style per placemark, so there the outline takes the decision's
colour too and the placemark's name says the register status.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass

UNDECIDED = "undecided"
DECISIONS = ("confirmed", "rejected", "unsure", UNDECIDED)
#: Each decision's colour: (``#rrggbb``, its name in the legends).
DECISION_COLOURS: dict[str, tuple[str, str]] = {
    "confirmed": ("#ff0000", "red"),
    "rejected": ("#808080", "grey"),
    "unsure": ("#ffa500", "orange"),
    UNDECIDED: ("#ffff00", "yellow"),
}
FILL_ALPHA = 0x66  # 40 %: the imagery under a site stays visible
LINE_ALPHA = 0xFF
KML_ICON = "https://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"


@dataclass(frozen=True)
class Outline:
    """An outline in QGIS: colour ``#rrggbb``, width in mm, Qt pen style (``solid``, ``dash``, ``dot``)."""

    colour: str
    width_mm: float
    pen: str
    label: str


#: The outline per register status; ``None`` is a site whose register match has not run.
STATUS_OUTLINES: dict[str | None, Outline] = {
    "unregistered": Outline("#000000", 1.0, "solid", "unregistered (in no register): thick black"),
    "possibly_off_target": Outline("#7b3294", 0.8, "dash", "possibly off target: dashed purple"),
    "registered": Outline("#1f78b4", 0.5, "dot", "registered: dotted blue"),
    None: Outline("#606060", 0.3, "solid", "not matched: thin grey"),
}


def decision_of(value: str | None) -> str:
    """The decision a site is styled as: one of :data:`DECISIONS` (no or an unknown decision is undecided)."""
    return value if value in DECISION_COLOURS else UNDECIDED


def kml_colour(rgb: str, alpha: int) -> str:
    """KML's ``aabbggrr`` of ``#rrggbb`` and an alpha of 0-255, e.g. ``#ffa500``, 255 -> ``ff00a5ff``."""
    red, green, blue = _channels(rgb)
    return f"{alpha:02x}{blue:02x}{green:02x}{red:02x}"


def qgis_colour(rgb: str, alpha: int) -> str:
    """QGIS's ``r,g,b,a`` of ``#rrggbb`` and an alpha of 0-255, e.g. ``#ffa500``, 255 -> ``255,165,0,255``."""
    return ",".join(str(c) for c in (*_channels(rgb), alpha))


def kml_style_id(decision: str | None) -> str:
    """The id of the KML ``Style`` of a decision: ``decision-confirmed``."""
    return f"decision-{decision_of(decision)}"


def kml_styles() -> list[ET.Element]:
    """One ``Style`` per decision: icon and outline in its colour, the fill in it at 40 %."""
    styles = []
    for decision, (rgb, _) in DECISION_COLOURS.items():
        style = ET.Element("Style", id=kml_style_id(decision))
        icon_style = ET.SubElement(style, "IconStyle")
        ET.SubElement(icon_style, "color").text = kml_colour(rgb, LINE_ALPHA)
        ET.SubElement(ET.SubElement(icon_style, "Icon"), "href").text = KML_ICON
        line_style = ET.SubElement(style, "LineStyle")
        ET.SubElement(line_style, "color").text = kml_colour(rgb, LINE_ALPHA)
        ET.SubElement(line_style, "width").text = "2"
        ET.SubElement(ET.SubElement(style, "PolyStyle"), "color").text = kml_colour(rgb, FILL_ALPHA)
        styles.append(style)
    return styles


def decision_counts(decisions: Iterable[str | None]) -> dict[str, int]:
    """How many sites each decision has, every decision listed (0 included), in :data:`DECISIONS` order."""
    counts = dict.fromkeys(DECISIONS, 0)
    for decision in decisions:
        counts[decision_of(decision)] += 1
    return counts


def legend_lines(counts: dict[str, int]) -> list[str]:
    """``confirmed: red (3 sites)``, one line per decision."""
    lines = []
    for decision, (_, name) in DECISION_COLOURS.items():
        n = counts.get(decision, 0)
        lines.append(f"{decision}: {name} ({n} site{'' if n == 1 else 's'})")
    return lines


def legend_html(counts: dict[str, int]) -> str:
    """The legend as an HTML table with a colour swatch per decision (a balloon needs no image for it)."""
    rows = []
    for (rgb, _), line in zip(DECISION_COLOURS.values(), legend_lines(counts), strict=True):
        swatch = f"<td bgcolor='{rgb}' width='24' style='border:2px solid {rgb}'>&#160;</td>"
        rows.append(f"<tr>{swatch}<td>{html.escape(line)}</td></tr>")
    statuses = "The placemark's name also says the register status: registered, possibly_off_target or unregistered."
    return "<b>Fill and outline: the reviewer's decision</b><table>" + "".join(rows) + f"</table><p>{statuses}</p>"


def _channels(rgb: str) -> tuple[int, int, int]:
    if len(rgb) != 7 or not rgb.startswith("#"):
        raise ValueError(f"colour must be #rrggbb; got {rgb!r}")
    return int(rgb[1:3], 16), int(rgb[3:5], 16), int(rgb[5:7], 16)
