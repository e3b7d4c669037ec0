"""The real Earth Engine client, initialised offline with the algorithm list its wheel ships for its own tests.

Expressions are built and serialised exactly as they would be for Google's servers; the calls that would leave
the machine (new task ids, export requests, download ids, task status, map ids) are recorded instead of sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ALGORITHMS = "tests/algorithms.json"


@dataclass
class EarthEngineCalls:
    """What would have been sent to Earth Engine."""

    exports: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    downloads: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    maps: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def offline_ee(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``ee`` initialised offline; ``ee.recorded`` holds the requests that would have gone out."""
    ee = pytest.importorskip("ee")
    from ee import _cloud_api_utils, _state

    path = Path(ee.__file__).parent / ALGORITHMS
    algorithms = _cloud_api_utils.convert_algorithms(json.loads(path.read_text(encoding="utf-8")))
    calls = EarthEngineCalls()
    counter = iter(range(1, 10_000))

    def export_image(request_id: str, params: dict[str, Any]) -> dict[str, str]:
        calls.exports.append((request_id, params))
        return {"name": f"projects/test-project/operations/{request_id}"}

    def download_id(params: dict[str, Any]) -> dict[str, str]:
        calls.downloads.append(params)
        return {"docid": f"projects/test-project/thumbnails/chunk{len(calls.downloads)}", "token": ""}

    def map_id(params: dict[str, Any]) -> dict[str, Any]:
        calls.maps.append(params)
        name = f"projects/test-project/maps/map{len(calls.maps)}"
        url = f"https://earthengine.googleapis.com/v1/{name}/tiles/{{z}}/{{x}}/{{y}}"
        return {"mapid": name, "token": "", "tile_fetcher": ee.data.TileFetcher(url, map_name=name)}

    def task_status(task_ids: list[str] | str) -> list[dict[str, Any]]:
        ids = [task_ids] if isinstance(task_ids, str) else task_ids
        return [calls.statuses.get(t, {"id": t, "state": "UNKNOWN"}) for t in ids]

    monkeypatch.setattr(ee.data, "_install_cloud_api_resource", lambda: None)
    monkeypatch.setattr(ee.data, "getAlgorithms", lambda: algorithms)
    monkeypatch.setattr(ee.data, "newTaskId", lambda count=1: [f"TASK{next(counter):04d}"])
    monkeypatch.setattr(ee.data, "exportImage", export_image)
    monkeypatch.setattr(ee.data, "getDownloadId", download_id)
    monkeypatch.setattr(ee.data, "getTaskStatus", task_status)
    monkeypatch.setattr(ee.data, "getMapId", map_id)
    ee.Reset()
    ee.Initialize(None, "", project="test-project")
    ee.recorded = calls
    yield ee
    ee.Reset()
    _state.reset_state()
