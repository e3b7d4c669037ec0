"""Map builders: layers, accessors, escaping of register text, empty inputs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from core.imagery.preview import SceneOverview, ScenePicture
from ui.maps import STATUS_COLOURS, register_deck, triage_deck

EVIL = "<script>alert(1)</script>"


def _sites() -> pd.DataFrame:
    return pd.DataFrame(
        [
            dict(
                site_id=1,
                lon=-43.90,
                lat=-20.05,
                area_km2=0.4,
                p_max=0.93,
                impact_class="high_impact",
                match_status="unregistered",
                decision=None,
                nearest_dam_name=EVIL,
                outline_wkt="POLYGON((-43.91 -20.06, -43.89 -20.06, -43.89 -20.04, -43.91 -20.06))",
            ),
            dict(
                site_id=2,
                lon=-43.85,
                lat=-20.02,
                area_km2=0.1,
                p_max=0.61,
                impact_class="low_impact",
                match_status="registered",
                decision="confirmed",
                nearest_dam_name="Barragem B",
                outline_wkt=None,
            ),
        ]
    )


def _register() -> pd.DataFrame:
    return pd.DataFrame(
        [
            dict(
                id=1,
                kind="dam",
                register_id="R-1",
                name=EVIL,
                owner="Mina & Cia",
                municipality="Itabira",
                main_ore="Ferro",
                risk_category="Alta",
                potential_damage="Alta",
                lon=-43.86,
                lat=-20.03,
                geometry_wkt=None,
            ),
            dict(
                id=2,
                kind="mine",
                register_id="M-2",
                name="Lavra Norte",
                owner="X",
                municipality=None,
                main_ore="Ouro",
                risk_category=None,
                potential_damage=None,
                lon=-43.88,
                lat=-20.01,
                geometry_wkt="MULTIPOLYGON(((-43.881 -20.011, -43.879 -20.011, -43.879 -20.009, -43.881 -20.011)))",
            ),
        ]
    )


def _overview() -> ScenePicture:
    rgba = np.zeros((8, 8, 4), dtype=np.uint8)
    rgba[2:6, 2:6] = [200, 100, 50, 255]
    return SceneOverview(rgb=rgba, bounds_lonlat=(-44.0, -20.1, -43.8, -19.9)).picture()


def _layers(deck_json: str) -> dict[str, dict]:
    return {layer["id"]: layer for layer in json.loads(deck_json)["layers"]}


def test_triage_deck_layers_and_accessors() -> None:
    deck_json = triage_deck(_sites(), _register(), _overview(), selected_site_id=1).to_json()
    layers = _layers(deck_json)
    assert {"scene-overview", "site-outlines", "site-centres", "register-points", "register-polygons"} <= set(layers)
    assert layers["site-centres"]["getPosition"] == "@@=[lon, lat]"
    assert layers["register-points"]["getPosition"] == "@@=[lon, lat]"
    assert layers["site-centres"]["radiusUnits"] == "meters"
    bitmap = layers["scene-overview"]
    assert bitmap["image"].startswith("data:image/webp;base64,")
    assert bitmap["bounds"] == [-44.0, -20.1, -43.8, -19.9]
    view = json.loads(deck_json)["initialViewState"]
    assert (view["longitude"], view["latitude"]) == (-43.90, -20.05)
    assert json.loads(deck_json).get("mapStyle") in (None, "")


def test_site_colours_selection_and_decisions() -> None:
    points = {
        p["site_id"]: p for p in _layers(triage_deck(_sites(), _register(), None, 1).to_json())["site-centres"]["data"]
    }
    assert points[1]["fill"] == STATUS_COLOURS["unregistered"]
    assert points[2]["fill"][:3] == STATUS_COLOURS["registered"][:3]
    assert points[2]["fill"][3] < STATUS_COLOURS["registered"][3]  # decided: fainter
    assert points[2]["line"] == [255, 255, 255, 255]  # decided: white outline
    assert points[1]["radius_m"] > points[2]["radius_m"]


def test_tooltips_are_plain_text_never_markup() -> None:
    """deck.gl shows a ``text`` tooltip with innerText: a register name can never run, and no tag is ever shown."""
    for deck in (triage_deck(_sites(), _register(), _overview(), None), register_deck(_register())):
        assert deck._tooltip["text"] == "{tooltip}" and "html" not in deck._tooltip  # what deck.gl receives
        tips = [r["tooltip"] for layer in _layers(deck.to_json()).values() for r in layer.get("data") or []]
        assert tips and not any("<b>" in t or "<br" in t or "&lt;" in t or "&amp;" in t for t in tips)
        joined = "\n".join(tips)
        assert "<script>alert(1)</script>" in joined  # the register's own text, shown as the letters it is
        assert "Mina & Cia" in joined
        assert "nan" not in joined.lower().split() and "possibly_off_target" not in joined


def test_empty_inputs_give_a_valid_deck() -> None:
    empty_sites = _sites().iloc[0:0]
    empty_register = _register().iloc[0:0]
    for deck in (triage_deck(empty_sites, empty_register, None, None), register_deck(empty_register)):
        parsed = json.loads(deck.to_json())
        assert parsed["layers"] and all(layer.get("data", []) == [] for layer in parsed["layers"])
        assert "latitude" in parsed["initialViewState"]


def test_register_deck_colours_dams_by_risk() -> None:
    layers = _layers(register_deck(_register()).to_json())
    fills = [p["fill"] for p in layers["register-points"]["data"]]
    assert [220, 38, 38, 230] in fills  # the 'Alta' dam
    assert len(layers["register-polygons"]["data"]) == 1
