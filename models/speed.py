"""How fast the networks can run here: the FCN's arithmetic per input size and this machine's matmul peak."""

from __future__ import annotations

import time
from typing import Any


def fcn_gflop(model: Any, height: int, width: int) -> float:
    """Multiply-adds x 2 of the FCN's convolutions on a ``height`` x ``width`` input, in GFLOP."""
    total = 0.0
    h, w = height, width
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            k = layer.kernel_size[0]
            if layer.padding == "valid":
                h, w = h - k + 1, w - k + 1
            total += 2.0 * k * k * layer.input.shape[-1] * layer.filters * h * w
        elif kind == "MaxPooling2D":
            h, w = h // layer.pool_size[0], w // layer.pool_size[1]
    return total / 1e9


def measure_peak_gflops(n: int = 2048, repeats: int = 8) -> float:
    """This machine's float32 matrix-product rate with TensorFlow (the same kernels library as the FCN)."""
    import tensorflow as tf

    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    tf.linalg.matmul(a, b).numpy()
    started = time.perf_counter()
    for _ in range(repeats):
        tf.linalg.matmul(a, b).numpy()
    return 2.0 * n**3 * repeats / (time.perf_counter() - started) / 1e9
