"""Small stand-ins shared by tests: GeoTIFF writers and numpy models with the FCN's exact output geometry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine

from core.model_card import DISCOVERY_CLASSES, IMPACT_CLASSES, ModelCard
from core.scan.grid import STRIDE_PX, output_cells
from core.scan.pipeline import ScanModel

RGB = ("B2", "B3", "B4")


def write_tif(
    path: Path,
    data: np.ndarray,
    *,
    crs: str | None = "EPSG:32723",
    transform: Affine | None = None,
    nodata: float | None = None,
    descriptions: Sequence[str] | None = None,
    tags: Mapping[str, str] | None = None,
) -> Path:
    """Write (bands, rows, cols) ``data`` as a GeoTIFF, with dataset ``tags``."""
    count, height, width = data.shape
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": count,
        "dtype": data.dtype,
        "transform": transform if transform is not None else Affine(10, 0, 600_000, 0, -10, 7_800_000),
    }
    if crs is not None:
        profile["crs"] = crs
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(data)
        for i, name in enumerate(descriptions or [], start=1):
            dst.set_band_description(i, name)
        if tags:
            dst.update_tags(**tags)
    return path


def card(
    kind: str = "discovery", bands: tuple[str, ...] = RGB, threshold: float = 0.6, name: str = "fake"
) -> ModelCard:
    """A card whose statistics leave reflectance readable: mean 0.1, std 0.05."""
    return ModelCard(
        name=name,
        version="0",
        kind=kind,  # type: ignore[arg-type]
        bands=bands,
        mean=tuple(0.1 for _ in bands),
        std=tuple(0.05 for _ in bands),
        classes=DISCOVERY_CLASSES if kind == "discovery" else IMPACT_CLASSES,
        threshold=threshold,
        patch_size=201 if kind == "discovery" else 21,
        created_at="2026-11-22T00:00:00Z",
        synthetic=True,
    )


def fake_fcn_predict(x: np.ndarray) -> np.ndarray:
    """P(mine) of a cell = bright share of its 27-px footprint (band 0 above reflectance 0.2), FCN-shaped output."""
    _, height, width, _ = x.shape
    rows, cols = output_cells(height), output_cells(width)
    bright = (x[0, :, :, 0] > (0.2 - 0.1) / 0.05).astype(np.float32)
    out = np.zeros((1, rows, cols, 2), np.float32)
    for r in range(rows):
        for c in range(cols):
            r0, c0 = STRIDE_PX * r + 87, STRIDE_PX * c + 87
            out[0, r, c, 1] = bright[r0 : r0 + STRIDE_PX, c0 : c0 + STRIDE_PX].mean()
    out[..., 0] = 1.0 - out[..., 1]
    return out


def fake_impact_predict(x: np.ndarray) -> np.ndarray:
    """'no ore' when band 1 of the patch centre is dark (< 0.15), else high impact."""
    centre = x[:, 10, 10, 1] * 0.05 + 0.1
    out = np.zeros((len(x), 3), np.float32)
    out[:, 0] = np.where(centre >= 0.15, 0.9, 0.05)
    out[:, 2] = 1.0 - out[:, 0] - 0.05
    out[:, 1] = 0.05
    return out


def fake_discovery(bands: tuple[str, ...] = RGB) -> ScanModel:
    """The numpy FCN stand-in with its card."""
    return ScanModel(card("discovery", bands), fake_fcn_predict)


def fake_impact(bands: tuple[str, ...] = RGB) -> ScanModel:
    """The numpy impact stand-in with its card."""
    return ScanModel(card("impact", bands, name="fake-impact"), fake_impact_predict)
