"""Feeding patches to Keras batch by batch: centre crop, standardise, optionally augment.

Only one batch is normalised at a time, so ``fit()`` never receives (or copies) the whole patch array.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras
import numpy as np

from core.training.patch_stats import centre_slice


def augment_arrays(arrays: Sequence[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Apply to item ``i`` of every array the same random symmetry of the square: k x 90 degrees, maybe mirrored.

    Arrays are (N, H, W, ...) with square H x W: patches, and for example their (N, k, k) per-cell label grids.
    These symmetries keep overhead imagery realistic (no north-up assumption in the features).
    """
    n = len(arrays[0])
    turns = rng.integers(0, 4, size=n)
    mirror = rng.integers(0, 2, size=n).astype(bool)
    outs = []
    for arr in arrays:
        out = np.empty_like(arr)
        for i, item in enumerate(arr):
            item = np.rot90(item, k=int(turns[i]), axes=(0, 1))
            out[i] = item[:, ::-1] if mirror[i] else item
        outs.append(out)
    return outs


def augment_batch(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One random symmetry of the square per (H, W, bands) patch (see :func:`augment_arrays`)."""
    return augment_arrays([x], rng)[0]


class EpochBatches(keras.utils.PyDataset):
    """The batching both training datasets share: ``indices`` in batches, reshuffled (seeded) every epoch."""

    def __init__(self, indices: np.ndarray, batch_size: int, shuffle: bool, seed: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1; got {batch_size}")
        self.indices = np.asarray(indices, dtype=np.int64)
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.epoch = 0
        self.order = self._order()

    def _order(self) -> np.ndarray:
        if not self.shuffle:
            return self.indices
        return np.random.default_rng([self.seed, self.epoch]).permutation(self.indices)

    def batch_indices(self, batch: int) -> np.ndarray:
        """The indices of batch ``batch`` in this epoch's order."""
        return self.order[batch * self.batch_size : (batch + 1) * self.batch_size]

    def __len__(self) -> int:
        return -(-len(self.indices) // self.batch_size)

    def on_epoch_end(self) -> None:
        """Move to the next epoch: a new shuffle and new augmentations."""
        self.epoch += 1
        self.order = self._order()


class PatchBatches(EpochBatches):
    """Batches ``(x, y)`` of the patches at ``indices``, normalised with the given per-band ``mean`` and ``std``.

    Args:
        x: (N, P, P, bands) float32 reflectance; ``valid``: (N, P, P) bool, nodata pixels become 0 after
            normalisation.
        y: (N,) class indices; each batch's labels are reshaped to ``(batch, *label_shape)`` (``(1, 1)`` for an FCN
            whose training patches give a 1 x 1 output grid).
        crop: side of the centred window the model sees (None = whole patch).
        shuffle: reshuffle the order at the start of every epoch (seeded, so runs repeat).
        augment: random 90-degree rotations and mirroring, drawn per batch from ``seed``, the epoch and the batch.
    """

    def __init__(
        self,
        x: np.ndarray,
        valid: np.ndarray,
        y: np.ndarray,
        indices: np.ndarray,
        mean: np.ndarray,
        std: np.ndarray,
        *,
        batch_size: int = 16,
        crop: int | None = None,
        label_shape: tuple[int, ...] = (),
        shuffle: bool = False,
        augment: bool = False,
        seed: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(indices, batch_size, shuffle, seed, **kwargs)
        self.x, self.valid, self.y = x, valid, y
        self.mean = np.asarray(mean, dtype=np.float32)
        self.std = np.asarray(std, dtype=np.float32)
        self.rows, self.cols = centre_slice(x.shape[1], crop), centre_slice(x.shape[2], crop)
        self.label_shape = label_shape
        self.augment = augment

    def __getitem__(self, batch: int) -> tuple[np.ndarray, np.ndarray]:
        # Sorted indices read the big array front to back; the order within a batch does not matter to the loss.
        idx = np.sort(self.batch_indices(batch))
        xb = self.x[idx, self.rows, self.cols]
        xb -= self.mean
        xb /= self.std
        xb[~self.valid[idx, self.rows, self.cols]] = 0.0
        np.nan_to_num(xb, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        if self.augment:
            xb = augment_batch(xb, np.random.default_rng([self.seed, self.epoch, batch]))
        yb = self.y[idx].reshape(len(idx), *self.label_shape)
        return xb, yb
