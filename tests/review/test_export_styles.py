"""The exports look the same in QGIS and Google Earth: the GeoPackage's default QGIS style (read back through GDAL, as
QGIS reads it) and the KML's styles and legend (read back with a real XML parser)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from core.review.export_qgis import STYLE_NAME, sites_qml
from core.review.exports import KML_NS, write_export

K = f"{{{KML_NS}}}"
SLD = {"se": "http://www.opengis.net/se", "ogc": "http://www.opengis.net/ogc"}
#: The palette, written out by hand (a golden copy): decision -> (#rrggbb, KML line aabbggrr, KML fill aabbggrr).
COLOURS = {
    "confirmed": ("#ff0000", "ff0000ff", "660000ff"),
    "rejected": ("#808080", "ff808080", "66808080"),
    "unsure": ("#ffa500", "ff00a5ff", "6600a5ff"),
    "undecided": ("#ffff00", "ff00ffff", "6600ffff"),
}
QGIS_COLUMNS = ["f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName", "styleQML",
                "styleSLD", "useAsDefault", "description", "owner", "ui", "update_time"]  # fmt: skip
HOSTILE = '<script>alert(1)</script> ]]> & "quoted"'
SQUARE = "POLYGON ((-43.60 -20.20, -43.50 -20.20, -43.50 -20.10, -43.60 -20.10, -43.60 -20.20))"


@pytest.fixture
def rows() -> pd.DataFrame:
    """Six sites: one per decision, an unknown decision and a site without a register match; hostile text."""
    sites = [
        (1, "confirmed", "unregistered"), (2, "rejected", "registered"), (3, None, "possibly_off_target"),
        (4, "unsure", "unregistered"), (5, "maybe", None), (6, "confirmed", "registered"),
    ]  # fmt: skip
    return pd.DataFrame(
        [{"site_id": i, "lon": -43.55 - i / 100, "lat": -20.15, "decision": d, "match_status": s, "note": HOSTILE,
          "reviewer": HOSTILE if i == 1 else "ana", "outline_wkt": SQUARE} for i, d, s in sites]
    )  # fmt: skip


def _expected_decision(decision: str | None) -> str:
    return decision if decision in ("confirmed", "rejected", "unsure") else "undecided"


def _qgis_rgb(colour: str) -> str:
    """``255,0,0,102`` -> ``#ff0000``."""
    red, green, blue, _ = (int(c) for c in colour.split(","))
    return f"#{red:02x}{green:02x}{blue:02x}"


def test_the_gpkg_carries_a_default_qgis_style_for_the_sites_layer(tmp_path: Path, rows: pd.DataFrame) -> None:
    path = write_export(rows, tmp_path / "sites.gpkg", "gpkg")
    write_export(rows, path, "gpkg")  # written again: still one style, not two
    geometry_column = pyogrio.read_info(path, layer="sites")["geometry_name"]
    styles = pyogrio.read_dataframe(path, layer="layer_styles", read_geometry=False)
    assert list(styles.columns) == QGIS_COLUMNS and len(styles) == 1
    style = styles.iloc[0]
    assert (style["f_table_catalog"], style["f_table_schema"]) == ("", "")  # QGIS asks for '' exactly
    assert (style["f_table_name"], style["f_geometry_column"]) == ("sites", geometry_column)
    assert bool(style["useAsDefault"]) and style["styleName"] == STYLE_NAME
    assert style["update_time"].tzinfo is not None and style["styleQML"] == sites_qml()
    # The attribute filter QGIS's OGR provider sets on layer_styles when it opens "sites" (loadStyle).
    qgis_query = (f"f_table_schema='' AND f_table_name='sites' AND f_geometry_column='{geometry_column}' "
                  "ORDER BY CASE WHEN useAsDefault THEN 1 ELSE 2 END,update_time DESC LIMIT 1")  # fmt: skip
    found = pyogrio.read_dataframe(path, layer="layer_styles", read_geometry=False, where=qgis_query)
    assert found["styleQML"].tolist() == [sites_qml()]


def test_the_qml_fills_by_decision_outlines_by_status_and_labels_the_site(tmp_path: Path, rows: pd.DataFrame) -> None:
    path = write_export(rows, tmp_path / "sites.gpkg", "gpkg")
    qml = pyogrio.read_dataframe(path, layer="layer_styles", read_geometry=False)["styleQML"][0]
    root = ET.fromstring(qml)
    assert root.tag == "qgis" and root.get("labelsEnabled") == "1" and root.findtext("layerGeometryType") == "2"
    renderer = root.find("renderer-v2")
    assert renderer is not None and renderer.get("type") == "RuleRenderer"
    symbols = {s.get("name"): s for s in renderer.iter("symbol")}
    groups = {g.get("key"): g.findall("rule") for g in renderer.findall("rules/rule")}
    assert set(groups) == {"decision", "status"}
    fills = {}
    for rule in groups["decision"]:
        options = {o.get("name"): o.get("value") for o in symbols[rule.get("symbol")].iter("Option") if o.get("name")}
        fills[(rule.get("key") or "").removeprefix("decision-")] = _qgis_rgb(options["color"] or "")
        assert options["style"] == "solid" and options["outline_style"] == "no"
    assert fills == {d: rgb for d, (rgb, _, _) in COLOURS.items()}
    outlines = [
        {o.get("name"): o.get("value") for o in symbols[r.get("symbol")].iter("Option")} for r in groups["status"]
    ]
    assert all(o["style"] == "no" and o["outline_style"] != "no" for o in outlines)
    assert len({(o["outline_color"], o["outline_style"]) for o in outlines}) == 4  # each status looks different
    # The rules' QGIS expressions are SQL too: GDAL runs each on the layer. Every site gets one fill and one outline.
    for group, column in (("decision", "decision"), ("status", "match_status")):
        picked: list[int] = []
        for rule in groups[group]:
            hits = pyogrio.read_dataframe(path, layer="sites", read_geometry=False, where=rule.get("filter"))
            picked += hits["site_id"].tolist()
            if group == "decision":
                key = (rule.get("key") or "").removeprefix("decision-")
                assert {_expected_decision(d) for d in hits[column].tolist()} <= {key}
        assert sorted(picked) == rows["site_id"].tolist(), group
    text_style = root.find("labeling/settings/text-style")
    assert text_style is not None and text_style.get("isExpression") == "1"
    assert '"site_id"' in (text_style.get("fieldName") or "") and '"decision"' in (text_style.get("fieldName") or "")


def test_the_sld_names_the_same_colours(tmp_path: Path, rows: pd.DataFrame) -> None:
    path = write_export(rows, tmp_path / "sites.gpkg", "gpkg")
    sld = ET.fromstring(pyogrio.read_dataframe(path, layer="layer_styles", read_geometry=False)["styleSLD"][0])
    fills = [p.text for p in sld.iterfind(".//se:Fill/se:SvgParameter[@name='fill']", SLD)]
    assert fills == [rgb for rgb, _, _ in COLOURS.values()]
    literals = [lit.text for lit in sld.iterfind(".//se:Rule/ogc:Filter//ogc:Literal", SLD)]
    assert literals[:3] == ["confirmed", "rejected", "unsure"] and len(sld.findall(".//se:ElseFilter", SLD)) == 2
    assert [p.text for p in sld.iterfind(".//se:Label/ogc:PropertyName", SLD)] == ["site_id", "decision"]


def test_each_placemark_resolves_to_the_style_of_its_decision(tmp_path: Path, rows: pd.DataFrame) -> None:
    root = ET.parse(write_export(rows, tmp_path / "sites.kml", "kml")).getroot()
    styles = {s.get("id"): s for s in root.iter(f"{K}Style")}
    placemarks = list(root.iter(f"{K}Placemark"))
    assert len(placemarks) == len(rows)
    for placemark, decision in zip(placemarks, rows["decision"], strict=True):
        url = placemark.findtext(f"{K}styleUrl") or ""
        assert url.startswith("#") and url[1:] in styles
        style = styles[url[1:]]
        _, line, fill = COLOURS[_expected_decision(decision)]
        assert style.findtext(f"{K}PolyStyle/{K}color") == fill
        assert style.findtext(f"{K}LineStyle/{K}color") == line == style.findtext(f"{K}IconStyle/{K}color")
    assert placemarks[4].findtext(f"{K}name") == "Site 5: maybe, unmatched"  # an unknown decision is drawn undecided
    assert not any(el.tag.endswith("script") for el in root.iter())
    assert "&lt;script&gt;" in (placemarks[0].findtext(f"{K}description") or "")


def test_the_kml_opens_with_a_legend_of_the_colours_and_counts(tmp_path: Path, rows: pd.DataFrame) -> None:
    root = ET.parse(write_export(rows, tmp_path / "sites.kml", "kml")).getroot()
    document = root.find(f"{K}Document")
    assert document is not None and document.findtext(f"{K}open") == "1"
    snippet = document.findtext(f"{K}Snippet") or ""
    assert snippet == ("confirmed: red (2 sites); rejected: grey (1 site); unsure: orange (1 site); "
                       "undecided: yellow (2 sites)")  # fmt: skip
    balloon = document.findtext(f"{K}description") or ""
    for rgb, _, _ in COLOURS.values():
        assert f"bgcolor='{rgb}'" in balloon
    assert "confirmed: red (2 sites)" in balloon
    # The legend is not a layer: GDAL still reads the six sites as the one "sites" layer.
    assert pyogrio.list_layers(tmp_path / "sites.kml")[:, 0].tolist() == ["sites"]
    assert len(pyogrio.read_dataframe(tmp_path / "sites.kml", layer="sites")) == len(rows)


def test_an_empty_kml_still_has_its_styles_and_a_legend(tmp_path: Path, rows: pd.DataFrame) -> None:
    root = ET.parse(write_export(rows.iloc[:0], tmp_path / "empty.kml", "kml")).getroot()
    assert {s.get("id") for s in root.iter(f"{K}Style")} == {f"decision-{d}" for d in COLOURS}
    assert "confirmed: red (0 sites)" in (root.findtext(f"{K}Document/{K}Snippet") or "")
