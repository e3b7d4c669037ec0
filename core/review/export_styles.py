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

from core.wording import count
from core.wording.translate import N_, _

UNDECIDED = "undecided"
DECISIONS = ("confirmed", "rejected", "unsure", UNDECIDED)
#: Each decision's colour: (``#rrggbb``, its name in the legends: English, translated where shown).
DECISION_COLOURS: dict[str, tuple[str, str]] = {
    "confirmed": ("#ff0000", N_("red")),
    "rejected": ("#808080", N_("grey")),
    "unsure": ("#ffa500", N_("orange")),
    UNDECIDED: ("#ffff00", N_("yellow")),
}
#: The decisions and register statuses as the legends and placemark names word them (in English, the stored code).
WORDS: dict[str, str] = {
    "confirmed": N_("confirmed"),
    "rejected": N_("rejected"),
    "unsure": N_("unsure"),
    UNDECIDED: N_("undecided"),
    "unregistered": N_("unregistered"),
    "possibly_off_target": N_("possibly_off_target"),
    "registered": N_("registered"),
    "unmatched": N_("unmatched"),
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
    label: str  # its legend text (English, translated where shown)


#: The outline per register status; ``None`` is a site whose register match has not run.
STATUS_OUTLINES: dict[str | None, Outline] = {
    "unregistered": Outline("#000000", 1.0, "solid", N_("unregistered (in no register): thick black")),
    "possibly_off_target": Outline("#7b3294", 0.8, "dash", N_("possibly off target: dashed purple")),
    "registered": Outline("#1f78b4", 0.5, "dot", N_("registered: dotted blue")),
    None: Outline("#606060", 0.3, "solid", N_("not matched: thin grey")),
}


def decision_of(value: str | None) -> str:
    """The decision a site is styled as: one of :data:`DECISIONS` (no or an unknown decision is undecided)."""
    return value if value in DECISION_COLOURS else UNDECIDED


def word(code: str) -> str:
    """A decision or register status as the legends and placemark names say it; an unknown code as it is."""
    return _(WORDS[code]) if code in WORDS else code


def colour_rule(decision: str) -> str:
    """The legend entry of a decision's fill: ``confirmed: red``."""
    return _("{decision}: {colour}").format(decision=word(decision), colour=_(DECISION_COLOURS[decision][1]))


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
    for decision, (rgb, _name) in DECISION_COLOURS.items():
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
    for decision, (_rgb, colour) in DECISION_COLOURS.items():
        sites = count(counts.get(decision, 0), "site", "sites")
        lines.append(_("{decision}: {colour} ({sites})").format(decision=word(decision), colour=_(colour), sites=sites))
    return lines


def legend_html(counts: dict[str, int]) -> str:
    """The legend as an HTML table with a colour swatch per decision (a balloon needs no image for it)."""
    rows = []
    for (rgb, _name), line in zip(DECISION_COLOURS.values(), legend_lines(counts), strict=True):
        swatch = f"<td bgcolor='{rgb}' width='24' style='border:2px solid {rgb}'>&#160;</td>"
        rows.append(f"<tr>{swatch}<td>{html.escape(line)}</td></tr>")
    title = html.escape(_("Fill and outline: the reviewer's decision"), quote=False)
    statuses = _("The placemark's name also says the register status: registered, possibly_off_target or unregistered.")
    return f"<b>{title}</b><table>" + "".join(rows) + f"</table><p>{html.escape(statuses, quote=False)}</p>"


def _channels(rgb: str) -> tuple[int, int, int]:
    if len(rgb) != 7 or not rgb.startswith("#"):
        raise ValueError(_("colour must be #rrggbb; got {rgb!r}").format(rgb=rgb))
    return int(rgb[1:3], 16), int(rgb[3:5], 16), int(rgb[5:7], 16)
