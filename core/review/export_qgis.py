"""The style QGIS applies when it opens an exported GeoPackage: a QML (and its SLD) in a ``layer_styles`` row.

QGIS reads the default style of a GeoPackage layer from the ``layer_styles`` table (the schema QGIS's own "Save as
default" creates): the row whose ``f_table_name`` and ``f_geometry_column`` name the layer, ``f_table_schema`` is
empty and ``useAsDefault`` is true. The style is a rule-based renderer with two groups in the legend: the fill by
decision (the colours of :data:`core.review.export_styles.DECISION_COLOURS`, as in the KML) and the outline by
register status; each site is labelled ``Site 12: confirmed``. The legend's texts and the labels are in the
language current when the file is written; filters and field names are the stored codes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

from core.review.export_styles import (
    DECISION_COLOURS,
    FILL_ALPHA,
    LINE_ALPHA,
    STATUS_OUTLINES,
    UNDECIDED,
    Outline,
    colour_rule,
    qgis_colour,
    word,
)
from core.wording.translate import N_, _

#: The style's name and description in QGIS's style lists (English, translated when the file is written).
STYLE_NAME = N_("MineScan review")
STYLE_DESCRIPTION = N_(
    "MineScan: fill by decision, outline by register status, labelled with the site and its decision"
)
QGIS_VERSION = "3.28.0-Firenze"  # the oldest QGIS in use that writes this QML layout; newer ones read it too
POLYGON = "2"  # QGIS's layerGeometryType of polygons
#: Each site's label on the map (its placeholders are the fields shown there).
SITE_LABEL = N_("Site {site_id}: {decision}")
_FIELD = re.compile(r"(\{site_id\}|\{decision\})")
_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
_MM_PER_PX = 0.28  # SLD's "standardized rendering pixel"


def layer_style_row(table: str, geometry_column: str, updated_at: datetime) -> dict[str, Any]:
    """The ``layer_styles`` row that makes :func:`sites_qml` the default style of ``table``."""
    return {
        "f_table_catalog": "",
        "f_table_schema": "",  # QGIS matches f_table_schema='' exactly: NULL would hide the style
        "f_table_name": table,
        "f_geometry_column": geometry_column,
        "styleName": _(STYLE_NAME),
        "styleQML": sites_qml(),
        "styleSLD": sites_sld(table),
        "useAsDefault": True,
        "description": _(STYLE_DESCRIPTION),
        "owner": "",
        "ui": None,
        "update_time": updated_at,
    }


def decision_filter(decision: str) -> str:
    """The QGIS expression of the sites with ``decision`` (no or an unknown decision is undecided)."""
    if decision == UNDECIDED:
        decided = ", ".join(f"'{d}'" for d in DECISION_COLOURS if d != UNDECIDED)
        return f"coalesce(\"decision\", '') NOT IN ({decided})"
    return f"\"decision\" = '{decision}'"


def status_filter(status: str | None) -> str:
    """The QGIS expression of the sites with register status ``status`` (``None``: none of the known ones)."""
    if status is None:
        known = ", ".join(f"'{s}'" for s in STATUS_OUTLINES if s is not None)
        return f"coalesce(\"match_status\", '') NOT IN ({known})"
    return f"\"match_status\" = '{status}'"


def label_expression() -> str:
    """The QGIS expression of a site's label, ``Site 12: confirmed``, in the current language (the decision
    worded as the legend words it; an unknown one as stored, none as undecided)."""
    words = " ".join(f"WHEN \"decision\" = '{d}' THEN {_quoted(word(d))}" for d in DECISION_COLOURS if d != UNDECIDED)
    fields = {"{site_id}": '"site_id"',
              "{decision}": f"CASE {words} ELSE coalesce(\"decision\", {_quoted(word(UNDECIDED))}) END"}  # fmt: skip
    parts = [fields[p] if p in fields else _quoted(p) for p in _FIELD.split(_(SITE_LABEL)) if p]
    return f"concat({', '.join(parts)})"


def _quoted(text: str) -> str:
    """A QGIS expression's string literal (QgsExpression::quotedString)."""
    escaped = text.replace("\\", "\\\\").replace("'", "''").replace("\n", "\\n").replace("\t", "\\t")
    return f"'{escaped}'"


def sites_qml() -> str:
    """The QGIS style (QML) of the exported sites layer."""
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology|Labeling", labelsEnabled="1")
    renderer = ET.SubElement(root, "renderer-v2", type="RuleRenderer", symbollevels="0", enableorderby="0",
                             forceraster="0", referencescale="-1")  # fmt: skip
    rules = ET.SubElement(renderer, "rules", key="minescan-sites")
    symbols = ET.SubElement(renderer, "symbols")
    fills = ET.SubElement(rules, "rule", key="decision", label=_("Decision (fill)"))
    for decision, (rgb, _name) in DECISION_COLOURS.items():
        ET.SubElement(fills, "rule", key=f"decision-{decision}", label=colour_rule(decision),
                      filter=decision_filter(decision), symbol=str(len(symbols)))  # fmt: skip
        symbols.append(_fill_symbol(str(len(symbols)), qgis_colour(rgb, FILL_ALPHA)))
    outlines = ET.SubElement(rules, "rule", key="status", label=_("Register status (outline)"))
    for status, outline in STATUS_OUTLINES.items():
        ET.SubElement(outlines, "rule", key=f"status-{status or 'none'}", label=_(outline.label),
                      filter=status_filter(status), symbol=str(len(symbols)))  # fmt: skip
        symbols.append(_outline_symbol(str(len(symbols)), outline))
    root.append(_labeling())
    ET.SubElement(root, "layerGeometryType").text = POLYGON
    return _DOCTYPE + "\n" + ET.tostring(root, encoding="unicode")


def sites_sld(layer: str) -> str:
    """The same style as SLD 1.1 (QGIS shows it in "Style manager"; other GIS read it): fill, outline, label."""
    root = ET.Element("StyledLayerDescriptor", {
        "xmlns": "http://www.opengis.net/sld", "xmlns:ogc": "http://www.opengis.net/ogc",
        "xmlns:se": "http://www.opengis.net/se", "version": "1.1.0",
    })  # fmt: skip
    named = ET.SubElement(root, "NamedLayer")
    ET.SubElement(named, "se:Name").text = layer
    user_style = ET.SubElement(named, "UserStyle")
    ET.SubElement(user_style, "se:Name").text = _(STYLE_NAME)
    fills = ET.SubElement(user_style, "se:FeatureTypeStyle")
    for decision, (rgb, _name) in DECISION_COLOURS.items():
        rule = _sld_rule(fills, colour_rule(decision), "decision", None if decision == UNDECIDED else decision)
        fill = ET.SubElement(ET.SubElement(rule, "se:PolygonSymbolizer"), "se:Fill")
        _sld_parameter(fill, "fill", rgb)
        _sld_parameter(fill, "fill-opacity", f"{FILL_ALPHA / 255:.2f}")
    strokes = ET.SubElement(user_style, "se:FeatureTypeStyle")
    for status, outline in STATUS_OUTLINES.items():
        rule = _sld_rule(strokes, _(outline.label), "match_status", status)
        stroke = ET.SubElement(ET.SubElement(rule, "se:PolygonSymbolizer"), "se:Stroke")
        _sld_parameter(stroke, "stroke", outline.colour)
        _sld_parameter(stroke, "stroke-width", f"{outline.width_mm / _MM_PER_PX:.1f}")
        if outline.pen != "solid":
            _sld_parameter(stroke, "stroke-dasharray", "8 4" if outline.pen == "dash" else "2 3")
    labels = ET.SubElement(ET.SubElement(user_style, "se:FeatureTypeStyle"), "se:Rule")
    label = ET.SubElement(ET.SubElement(labels, "se:TextSymbolizer"), "se:Label")
    last: ET.Element | None = None
    for part in (p for p in _FIELD.split(_(SITE_LABEL)) if p):
        if part in ("{site_id}", "{decision}"):
            last = ET.SubElement(label, "ogc:PropertyName")
            last.text = part[1:-1]
        elif last is None:
            label.text = part
        else:
            last.tail = part
    return ET.tostring(root, encoding="unicode")


def _fill_symbol(name: str, fill: str) -> ET.Element:
    """A symbol filled with ``fill`` (``r,g,b,a``) and no outline."""
    return _symbol(name, {"color": fill, "style": "solid", "outline_color": "0,0,0,0", "outline_style": "no",
                          "outline_width": "0"})  # fmt: skip


def _outline_symbol(name: str, outline: Outline) -> ET.Element:
    """A symbol with ``outline`` and no fill."""
    return _symbol(name, {"color": "0,0,0,0", "style": "no", "outline_color": qgis_colour(outline.colour, LINE_ALPHA),
                          "outline_style": outline.pen, "outline_width": str(outline.width_mm)})  # fmt: skip


def _symbol(name: str, props: dict[str, str]) -> ET.Element:
    """A QGIS fill symbol of one SimpleFill layer with ``props`` (widths in mm, round joins)."""
    props = {**props, "outline_width_unit": "MM", "joinstyle": "round", "offset": "0,0", "offset_unit": "MM"}
    symbol = ET.Element("symbol", type="fill", name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"})
    # QGIS >= 3.10 reads the <Option> map; the <prop> copy is what 3.4 to 3.8 read.
    options = ET.SubElement(layer, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(options, "Option", name=key, type="QString", value=value)
    for key, value in props.items():
        ET.SubElement(layer, "prop", k=key, v=value)
    return symbol


def _labeling() -> ET.Element:
    labeling = ET.Element("labeling", type="simple")
    settings = ET.SubElement(labeling, "settings", calloutType="simple")
    text_style = ET.SubElement(settings, "text-style", fieldName=label_expression(), isExpression="1", fontSize="9",
                               fontSizeUnit="Point", textColor="0,0,0,255", fontWeight="75")  # fmt: skip
    ET.SubElement(text_style, "text-buffer", bufferDraw="1", bufferSize="1", bufferSizeUnits="MM",
                  bufferColor="255,255,255,255", bufferOpacity="0.8")  # fmt: skip
    ET.SubElement(settings, "placement", placement="1", centroidInside="1", centroidWhole="0", priority="5",
                  overlapHandling="PreventOverlap")  # fmt: skip
    ET.SubElement(settings, "rendering", drawLabels="1", obstacle="0", scaleVisibility="0")
    return labeling


def _sld_rule(parent: ET.Element, title: str, column: str, value: str | None) -> ET.Element:
    """A rule for ``column = value``; ``value`` ``None`` is the rule for every other site (an ElseFilter)."""
    rule = ET.SubElement(parent, "se:Rule")
    ET.SubElement(rule, "se:Name").text = title
    ET.SubElement(ET.SubElement(rule, "se:Description"), "se:Title").text = title
    if value is None:
        ET.SubElement(rule, "se:ElseFilter")
    else:
        equal = ET.SubElement(ET.SubElement(rule, "ogc:Filter"), "ogc:PropertyIsEqualTo")
        ET.SubElement(equal, "ogc:PropertyName").text = column
        ET.SubElement(equal, "ogc:Literal").text = value
    return rule


def _sld_parameter(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, "se:SvgParameter", name=name).text = value
