"""What the Earth Engine tests share: a small tile, the recorded calls, and served fake downloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from affine import Affine
from rasterio.io import MemoryFile

from core.imagery.earth_engine.recipe import NODATA
from core.imagery.regions import make_region
from core.imagery.tile_grid import plan_tiles

# About 10 x 9 km south of Brumadinho (MG): one tile on the fixed grid, small enough for direct download.
SMALL = make_region("Córrego do Feijão", -44.16, -20.16, -44.07, -20.08)


def small_tile() -> Any:
    (tile,) = plan_tiles(SMALL)
    return tile


def invocations(expression: str) -> list[tuple[str, dict[str, Any]]]:
    """Every function call of a serialised Earth Engine expression, with its arguments resolved to plain values."""
    doc = json.loads(expression)
    values = doc["values"]
    found: list[tuple[str, dict[str, Any]]] = []

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "valueReference" in node:
                return resolve(values[node["valueReference"]])
            if "constantValue" in node:
                return node["constantValue"]
            if "functionInvocationValue" in node:
                call = node["functionInvocationValue"]
                args = {k: resolve(v) for k, v in call.get("arguments", {}).items()}
                found.append((call["functionName"], args))
                return {"call": call["functionName"], **args}
            if "functionDefinitionValue" in node:
                return resolve(values[node["functionDefinitionValue"]["body"]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolve(values[doc["result"]])
    return found


def calls_named(found: list[tuple[str, dict[str, Any]]], name: str) -> list[dict[str, Any]]:
    return [args for fn, args in found if fn == name]


def fake_pixels(x: np.ndarray, y: np.ndarray, band: int) -> np.ndarray:
    """Reflectance that encodes position and band, so a misplaced chunk shows."""
    return (((x / 10) % 1000) * 1e-4 + ((y / 10) % 1000) * 1e-7 + band * 1e-2).astype("float32")


def serve_chunk(params: dict[str, Any]) -> bytes:
    """What Earth Engine would send for one getDownloadURL request: a GeoTIFF of the asked window."""
    width, height = params["dimensions"]
    a, b, c, d, e, f = params["crs_transform"]
    transform = Affine(a, b, c, d, e, f)
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    x, y = transform @ (cols, rows)
    data = np.stack([fake_pixels(x, y, i) for i in range(len(params["bands"]))])
    data[:, :3, :3] = NODATA  # a corner with no cloud-free observation
    with MemoryFile() as memfile:
        with memfile.open(
            driver="GTiff",
            width=width,
            height=height,
            count=len(data),
            dtype="float32",
            crs=params["crs"],
            transform=transform,
        ) as dst:
            dst.write(data)
        return bytes(memfile.read())


def serve_downloads(ee: Any) -> Any:
    """A fetch answering each download URL the client made with the GeoTIFF of the window it asked for."""
    original = ee.data.getDownloadId
    by_url: dict[str, dict[str, Any]] = {}

    def remember(params: dict[str, Any]) -> dict[str, str]:
        answer = original(params)
        by_url[ee.data.makeDownloadUrl(answer)] = params
        return answer

    ee.data.getDownloadId = remember
    return lambda url: serve_chunk(by_url[url])


def service_account_key(path: Path) -> Path:
    """A well-formed service-account key (a fresh RSA key for an account that does not exist)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "minescan-test",
                "private_key_id": "0" * 40,
                "private_key": pem,
                "client_email": "minescan@minescan-test.iam.gserviceaccount.com",
                "client_id": "1",
                "token_uri": "https://oauth2.googleapis.com/token",
            }
        )
    )
    return path
