"""Per-band statistics and standardisation of training patches (pure numpy).

The statistics are those of the valid pixels of the training split only; they go into the model card and are
applied again at scan time, so the two must use the same formula as :meth:`core.model_card.ModelCard.normalise`.
"""

from __future__ import annotations

import numpy as np

from core.errors import TrainingDataError
from core.wording.translate import _


def centre_slice(size: int, crop: int | None) -> slice:
    """The slice taking the central ``crop`` pixels of ``size`` (all of them when ``crop`` is None).

    Raises:
        TrainingDataError: ``crop`` is larger than ``size``.
    """
    if crop is None or crop == size:
        return slice(0, size)
    if crop > size:
        raise TrainingDataError(
            _("patches are {size} px but the model needs {crop} x {crop} px patches").format(size=size, crop=crop)
        )
    start = (size - crop) // 2
    return slice(start, start + crop)


def band_statistics(
    x: np.ndarray, valid: np.ndarray, indices: np.ndarray | None = None, crop: int | None = None, chunk: int = 16
) -> tuple[np.ndarray, np.ndarray]:
    """Per-band mean and standard deviation (float64) of the valid pixels of the patches at ``indices``.

    Works chunk by chunk (Chan's pairwise update), so no full-size copy is made. A band with (near) zero spread
    gets std 1.0, so it normalises to 0 rather than blowing up.

    Raises:
        TrainingDataError: the selected patches hold no valid pixel.
    """
    idx = np.arange(x.shape[0]) if indices is None else np.asarray(indices)
    rows, cols = centre_slice(x.shape[1], crop), centre_slice(x.shape[2], crop)
    count, mean, m2 = 0, np.zeros(x.shape[-1]), np.zeros(x.shape[-1])
    for start in range(0, idx.size, chunk):
        sel = idx[start : start + chunk]
        pixels = x[sel, rows, cols][valid[sel, rows, cols]].astype(np.float64)
        if not pixels.size:
            continue
        n_b, mean_b = pixels.shape[0], pixels.mean(axis=0)
        m2_b = ((pixels - mean_b) ** 2).sum(axis=0)
        delta, total = mean_b - mean, count + n_b
        mean = mean + delta * n_b / total
        m2 = m2 + m2_b + delta**2 * count * n_b / total
        count = total
    if count == 0:
        raise TrainingDataError(_("the training patches hold no valid pixel"))
    std = np.sqrt(m2 / count)
    return mean, np.where(std > 1e-6, std, 1.0)


def normalise_patches(x: np.ndarray, valid: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Standardise ``(..., bands)`` reflectance into a new float32 array; nodata pixels become 0 (the mean)."""
    out = (x - mean.astype(np.float32)) / std.astype(np.float32)
    out[~valid] = 0.0
    np.nan_to_num(out, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
    return out.astype(np.float32, copy=False)
