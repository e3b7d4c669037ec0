"""The web app's screens, one per file, run by ``app.py``'s navigation (each checks its capability again).

Pages stay thin: they read through ``ui`` and the ``db`` modules, decide through ``db.workflows`` and render with
``ui``. They must not import Keras/TensorFlow or DuckDB directly, nor ``cli``.
"""
