"""What a Dask worker of a scan needs from the models package: load a model folder, cap TensorFlow's threads.

Both are plain module functions, so the worker plugin (:mod:`core.scan.cluster`) carries them by reference and
each worker process imports TensorFlow and loads every model once.
"""

from __future__ import annotations

from pathlib import Path

from core.scan.pipeline import ScanModel
from models.bundle import load_bundle
from models.quiet_import import quiet_tensorflow_import


def load_scan_model_folder(folder: str) -> ScanModel:
    """The model in ``folder``, ready for the scan.

    Raises:
        ModelBundleError: the folder is missing on this worker, or holds no readable model.
    """
    quiet_tensorflow_import()  # a worker's terminal is the person's: no TensorFlow start-up lines
    loaded = load_bundle(Path(folder))
    return ScanModel(card=loaded.card, predict=loaded.predict)


def cap_threads(threads: int) -> None:
    """Give TensorFlow ``threads`` threads for one operation and one for running operations side by side (this
    worker's share of the cores). Must run before the first model is built; later calls are ignored."""
    quiet_tensorflow_import()
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(max(1, threads))
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already initialised in this process: its threads are fixed now
        pass
