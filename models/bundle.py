"""Model bundles: a folder holding ``model.keras`` (the network) and ``card.json`` (everything else).

Keras and TensorFlow are imported only by :func:`save_bundle` and :func:`load_bundle`; listing and resolving model
folders reads JSON only.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import ModelBundleError
from core.model_card import CARD_FILE, WEIGHTS_FILE, ModelCard
from core.wording.translate import _

if TYPE_CHECKING:
    import keras

#: Samples per forward pass in :meth:`LoadedModel.predict`; bounds memory for long lists of impact patches.
PREDICT_CHUNK = 256


@dataclass(frozen=True)
class LoadedModel:
    """A loaded bundle: its card and a compiled prediction function.

    ``predict`` takes already normalised float32 ``(N, H, W, bands)`` input and returns softmax probabilities as
    float32: ``(N, h, w, classes)`` for a discovery FCN, ``(N, classes)`` for the impact classifier.
    """

    card: ModelCard
    model: Any
    _forward: Callable[[Any], Any]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities for a batch of normalised patches or tiles.

        Raises:
            ValueError: ``x`` is not 4-D with the card's band count (and 21 x 21 px for an impact model).
        """
        x = np.asarray(x, dtype=np.float32)
        bands = len(self.card.bands)
        if x.ndim != 4 or x.shape[-1] != bands:
            message = _("{model} expects (N, H, W, {bands}) input; got shape {shape}")
            raise ValueError(message.format(model=self.card.name, bands=bands, shape=x.shape))
        fixed = self.model.input_shape[1:3]
        if None not in fixed and tuple(x.shape[1:3]) != tuple(fixed):
            message = _("{model} expects {rows} x {cols} px patches; got {shape}")
            raise ValueError(message.format(model=self.card.name, rows=fixed[0], cols=fixed[1], shape=x.shape[1:3]))
        parts = [np.asarray(self._forward(x[i : i + PREDICT_CHUNK])) for i in range(0, max(len(x), 1), PREDICT_CHUNK)]
        return np.concatenate(parts).astype(np.float32, copy=False)


def check_card_matches(model: keras.Model, card: ModelCard, source: str) -> None:
    """Check that the card describes this network (bands, classes, kind, patch size).

    Raises:
        ModelBundleError: the first inconsistency found, naming both sides.
    """
    in_shape, out_shape = tuple(model.input_shape), tuple(model.output_shape)
    if len(in_shape) != 4:
        message = _("{source}: the network takes input of shape {shape}, not image patches")
        raise ModelBundleError(message.format(source=source, shape=in_shape))
    if in_shape[-1] != len(card.bands):
        message = _("{source}: the network takes {n} bands but the card lists {listed} ({bands})")
        raise ModelBundleError(
            message.format(source=source, n=in_shape[-1], listed=len(card.bands), bands=", ".join(card.bands))
        )
    if out_shape[-1] != len(card.classes):
        message = _("{source}: the network outputs {n} classes but the card lists {listed} ({classes})")
        raise ModelBundleError(
            message.format(source=source, n=out_shape[-1], listed=len(card.classes), classes=", ".join(card.classes))
        )
    open_dims = in_shape[1:3] == (None, None)
    if card.kind == "discovery":
        if not open_dims or len(out_shape) != 4:
            message = _(
                "{source}: the card says 'discovery' but the network is not fully convolutional "
                "(input {shape}, output rank {rank})"
            )
            raise ModelBundleError(message.format(source=source, shape=in_shape[1:3], rank=len(out_shape)))
        cells = model.compute_output_shape((1, card.patch_size, card.patch_size, in_shape[-1]))[1:3]
        if tuple(cells) != (1, 1):
            message = _(
                "{source}: a {size} px patch (the card's patch_size) gives {rows} x {cols} output cells, not 1 x 1"
            )
            raise ModelBundleError(message.format(source=source, size=card.patch_size, rows=cells[0], cols=cells[1]))
    else:
        if open_dims or len(out_shape) != 2:
            message = _(
                "{source}: the card says 'impact' but the network takes {shape} px input and outputs "
                "rank {rank}; an impact model takes fixed-size patches and outputs one row per patch"
            )
            raise ModelBundleError(message.format(source=source, shape=in_shape[1:3], rank=len(out_shape)))
        if in_shape[1:3] != (card.patch_size, card.patch_size):
            message = _("{source}: the network takes {rows} x {cols} px patches but the card's patch_size is {size}")
            raise ModelBundleError(
                message.format(source=source, rows=in_shape[1], cols=in_shape[2], size=card.patch_size)
            )


def save_bundle(model: keras.Model, card: ModelCard, folder: Path) -> Path:
    """Write ``folder/model.keras`` and ``folder/card.json`` after checking that they agree; return ``folder``.

    Raises:
        ModelBundleError: the card does not describe the model.
    """
    folder = Path(folder)
    check_card_matches(model, card, card.name)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".partial.{WEIGHTS_FILE}"
    _inference_copy(model).save(partial)
    os.replace(partial, folder / WEIGHTS_FILE)  # a crash mid-save never leaves a truncated model.keras
    card.save(folder)
    return folder


def _inference_copy(model: keras.Model) -> keras.Model:
    """The same network and weights without optimizer state (which would triple the file size)."""

    if getattr(model, "optimizer", None) is None:
        return model
    copy = model.__class__.from_config(model.get_config())  # get_config leaves the compile state out
    copy.set_weights(model.get_weights())
    return copy


def _compile_forward(model: keras.Model) -> Callable[[Any], Any]:
    import tensorflow as tf

    spec = tf.TensorSpec((None, *model.input_shape[1:]), tf.float32)

    def forward(x: Any) -> Any:
        return model(x, training=False)

    compiled: Callable[[Any], Any] = tf.function(forward, reduce_retracing=True, input_signature=[spec])
    return compiled


def load_bundle(folder: Path) -> LoadedModel:
    """Load a model folder and check its card against the network.

    Raises:
        ModelBundleError: missing folder or file, unreadable ``model.keras``, invalid card, or a card that does not
            describe the network.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelBundleError(_("model folder {folder} does not exist").format(folder=folder))
    weights = folder / WEIGHTS_FILE
    if not weights.is_file():
        message = _("{folder} has no {weights}: a model folder holds {weights} and {card}")
        raise ModelBundleError(message.format(folder=folder, weights=WEIGHTS_FILE, card=CARD_FILE))
    card = ModelCard.load(folder)
    import keras

    try:
        model = keras.saving.load_model(weights, compile=False, safe_mode=True)
    except (ValueError, OSError, KeyError, TypeError, zipfile.BadZipFile) as err:
        message = _(
            "{file} could not be read ({problem}). The file is damaged or not a Keras 3 model; copy or train it again."
        )
        problem = f"{type(err).__name__}: {str(err)[:200]}"
        raise ModelBundleError(message.format(file=weights, problem=problem)) from None
    check_card_matches(model, card, str(folder))
    return LoadedModel(card=card, model=model, _forward=_compile_forward(model))
