"""A chunk that fails in passing (Earth Engine busy, a dropped connection) is asked for again; a refusal is not."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio

from core.imagery.earth_engine import transfer
from core.imagery.earth_engine.connection import EarthEngineUnavailable
from core.imagery.earth_engine.recipe import PAPER_DATES, make_recipe
from core.imagery.earth_engine.transfer import DownloadInterrupted, download_tile
from tests.earth_engine_helpers import serve_downloads, small_tile


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The back-off waits asked for, recorded instead of slept."""
    asked: list[float] = []
    monkeypatch.setattr(transfer, "_wait", asked.append)
    return asked


@pytest.fixture
def answers() -> Iterator[tuple[str, list[int]]]:
    """A local HTTP server answering each GET with the next status code of the list (200 sends a body)."""
    codes: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            code = codes.pop(0)
            body = b"pixels" if code == 200 else b'{"error": {"message": "Too many requests"}}'
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/download", codes
    server.shutdown()


@pytest.mark.parametrize("code", [429, 500, 503])
def test_a_busy_server_is_a_passing_failure(answers: tuple[str, list[int]], code: int) -> None:
    url, codes = answers
    codes.append(code)
    with pytest.raises(DownloadInterrupted, match=f"HTTP {code}"):
        transfer._fetch_url(url)


def test_a_refused_request_is_not_tried_again(answers: tuple[str, list[int]]) -> None:
    url, codes = answers
    codes.extend([400, 200])
    with pytest.raises(EarthEngineUnavailable, match="HTTP 400") as caught:
        transfer._fetch_url(url)
    assert not isinstance(caught.value, DownloadInterrupted)
    assert transfer._fetch_url(url) == b"pixels"


def _pixels(path: Path) -> np.ndarray:
    with rasterio.open(path) as src:
        return np.asarray(src.read())


def test_chunks_that_fail_in_passing_give_the_same_file(offline_ee: Any, tmp_path: Path, waits: list[float]) -> None:
    recipe, tile = make_recipe(*PAPER_DATES), small_tile()
    serve = serve_downloads(offline_ee)
    clean = download_tile(offline_ee, recipe, tile, tmp_path / "clean", fetch=serve)
    assert waits == []
    calls = {"n": 0}

    def flaky(url: str) -> bytes:
        calls["n"] += 1
        if calls["n"] in (2, 3, 5):  # the second chunk fails twice, the third once
            raise DownloadInterrupted("Earth Engine refused a download (HTTP 503): try later")
        return serve(url)

    retried = download_tile(offline_ee, recipe, tile, tmp_path / "retried", fetch=flaky)
    assert waits == [transfer.RETRY_WAITS_S[0], transfer.RETRY_WAITS_S[1], transfer.RETRY_WAITS_S[0]]
    np.testing.assert_array_equal(_pixels(retried), _pixels(clean))


def test_a_chunk_failing_on_every_try_fails_the_tile_and_leaves_no_file(
    offline_ee: Any, tmp_path: Path, waits: list[float]
) -> None:
    def down(url: str) -> bytes:
        raise DownloadInterrupted("Earth Engine could not be reached to download pixels (timed out)")

    with pytest.raises(DownloadInterrupted, match="could not be reached"):
        download_tile(offline_ee, make_recipe(*PAPER_DATES), small_tile(), tmp_path, fetch=down)
    assert waits == list(transfer.RETRY_WAITS_S)
    assert list(tmp_path.iterdir()) == []
