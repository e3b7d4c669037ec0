"""The two networks of METHOD.md, as Keras functional models (graph only, untrained).

Keras is imported inside the builders so that importing this module stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.model_card import DISCOVERY_CLASSES, IMPACT_CLASSES
from core.scan.grid import IMPACT_PATCH_PX, STRIDE_PX, WINDOW_PX
from core.wording.translate import _

if TYPE_CHECKING:
    import keras

#: Patch sides and stride: one definition, in core.scan.grid (201 px -> one cell, 27 px stride, 21 px impact patch).
DISCOVERY_PATCH = WINDOW_PX
DISCOVERY_STRIDE = STRIDE_PX
IMPACT_PATCH = IMPACT_PATCH_PX


def _filters(base: int, width: float) -> int:
    if width <= 0:
        raise ValueError(_("width must be positive; got {width}").format(width=width))
    return max(1, round(base * width))


def build_discovery_fcn(n_bands: int, *, width: float = 1.0) -> keras.Model:
    """Fully convolutional mine / not-mine classifier: a 201 px patch -> 1 x 1 x 2, a scene -> a grid (stride 27 px).

    ``width`` scales the number of filters (1.0 = the paper's 259,810 parameters with 12 bands); tests use less.
    """
    import keras
    from keras import layers

    inputs = keras.Input((None, None, n_bands), name="reflectance")
    x = layers.Conv2D(_filters(32, width), 3, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(_filters(64, width), 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(_filters(64, width), 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(3)(x)
    # 7 x 7 is what a 201 px patch leaves after the poolings, so the patch maps to exactly one cell.
    x = layers.Conv2D(_filters(64, width), 7, padding="valid", activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Conv2D(len(DISCOVERY_CLASSES), 1, activation="softmax", name="class_probabilities")(x)
    return keras.Model(inputs, outputs, name="discovery_fcn")


def build_impact_cnn(n_bands: int, *, width: float = 1.0) -> keras.Model:
    """Impact classifier of a 21 x 21 px patch into high impact / low impact / no ore (2,373,219 parameters)."""
    import keras
    from keras import layers

    inputs = keras.Input((IMPACT_PATCH, IMPACT_PATCH, n_bands), name="reflectance")
    x = layers.Conv2D(_filters(32, width), 2, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(2, padding="same")(x)  # 21 -> 11
    x = layers.Conv2D(_filters(64, width), 2, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(2, padding="same")(x)  # 11 -> 6
    x = layers.Flatten()(x)
    x = layers.Dense(_filters(1024, width), activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(len(IMPACT_CLASSES), activation="softmax", name="class_probabilities")(x)
    return keras.Model(inputs, outputs, name="impact_cnn")
