"""The Imagery page's online maps against the offline Earth Engine client: geemap previews the composite as map
tiles with the plan's tiles and regions on it, leafmap swipes between two periods and draws regions.

Each map is rendered to the HTML the browser would get; the map ids Earth Engine would have made are recorded.
"""

from __future__ import annotations

import importlib.util
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from core.imagery.earth_engine.plan import make_plan
from core.imagery.earth_engine.recipe import make_recipe
from core.imagery.periods import parse_periods
from core.imagery.regions import parse_bounds
from tests.earth_engine_helpers import calls_named, invocations

# Looked up, not imported: geemap chooses its folium flavour when first imported (ui.online_maps does that).
for _package in ("geemap", "leafmap"):
    if importlib.util.find_spec(_package) is None:
        pytest.skip(f"{_package} is not installed (requirements.txt installs it)", allow_module_level=True)

BOUNDS = "-44.16, -20.16, -44.07, -20.08"


def _html(fmap: Any) -> str:
    return str(fmap.get_root().render())


def _plan(periods: str | None = None) -> Any:
    recipe = make_recipe(date(2024, 1, 1), date(2025, 1, 1))
    return make_plan([parse_bounds(BOUNDS, label="Córrego do Feijão")], recipe,
                     parse_periods(periods) if periods else None)  # fmt: skip


def test_geemap_previews_the_composite_with_the_tiles_and_the_region(offline_ee: Any) -> None:
    from ui.online_maps import composite_preview, plan_geojson

    plan = _plan()
    html = _html(composite_preview(offline_ee, plan))
    (request,) = offline_ee.recorded.maps  # one map id per tile, nothing downloaded
    assert not offline_ee.recorded.downloads and not offline_ee.recorded.exports
    found = invocations(request["image"].serialize())
    assert calls_named(found, "ImageCollection.load")[0]["id"] == "COPERNICUS/S2_HARMONIZED"
    assert calls_named(found, "reduce.median"), "the composite is the per-pixel median"
    visualise = calls_named(found, "Image.visualize")[0]
    assert visualise["bands"]["arrayValue"]["values"] == ["B4", "B3", "B2"], visualise
    assert json.dumps(visualise["max"]).count("0.3") >= 1, visualise
    assert "projects/test-project/maps/map1/tiles/{z}/{x}/{y}" in html
    tile = plan.tiles[0]
    geojson = json.dumps(plan_geojson(plan))
    assert tile.tile_id in html and json.dumps("Córrego do Feijão")[1:-1] in geojson  # the tiles and the region
    assert html.count("geo_json_") >= 2  # the tiles and the regions drawn as GeoJSON layers
    assert f"Composite {plan.periods[0].label}" in html  # the layer's name in the layer control


def test_leafmap_swipes_between_the_first_and_the_last_period(offline_ee: Any) -> None:
    from ui.online_maps import period_swipe

    plan = _plan("2023, 2024, 2025")
    html = _html(period_swipe(offline_ee, plan))
    assert len(offline_ee.recorded.maps) == 2  # the first and the last period's composites, not the middle one
    dates = [calls_named(invocations(m["image"].serialize()), "DateRange")[0] for m in offline_ee.recorded.maps]
    assert [d["start"] for d in dates] == ["2023-01-01", "2025-01-01"]
    assert "sideBySide" in html or "side-by-side" in html.lower()
    assert "maps/map1/tiles" in html and "maps/map2/tiles" in html and "2023" in html and "2025" in html


def test_an_earth_engine_refusal_is_a_message_not_a_traceback(offline_ee: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.imagery.earth_engine.connection import EarthEngineUnavailable
    from ui.online_maps import composite_preview

    def refuse(params: dict[str, Any]) -> dict[str, Any]:
        raise offline_ee.EEException("Quota exceeded for map tiles")

    monkeypatch.setattr(offline_ee.data, "getMapId", refuse)
    with pytest.raises(EarthEngineUnavailable, match="did not draw the composite.*Quota exceeded"):
        composite_preview(offline_ee, _plan())


def test_leafmap_draws_rectangles_and_polygons_only() -> None:
    import leafmap.foliumap

    from ui.online_maps import drawing_map

    fmap = drawing_map()
    assert isinstance(fmap, leafmap.foliumap.Map)
    html = _html(fmap)
    options = json.loads(html.split('"draw": ', 1)[1].split("},\n", 1)[0] + "}") if '"draw": ' in html else None
    assert "L.Control.Draw" in html
    if options is not None:
        assert options["polygon"] and options["rectangle"] and not options["marker"] and not options["polyline"]


def test_the_preview_is_on_the_page_for_an_account(
    no_account: Path, offline_ee: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ui.earth_engine
    from tests.app_harness import open_app

    monkeypatch.setenv("MINESCAN_EE_PROJECT", "test-project")
    monkeypatch.setenv("MINESCAN_EE_CREDENTIALS", "stored")
    monkeypatch.setattr(ui.earth_engine, "connect", lambda config: offline_ee)
    at = open_app("app_pages/imagery.py")
    at.text_input[0].set_value("Córrego do Feijão")
    at = at.text_input[1].set_value(BOUNDS).run()
    at = at.toggle(key="imagery_preview").set_value(True).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(offline_ee.recorded.maps) == 1  # the composite's map tiles were asked for
