"""MineScan's core: all the logic, as pure functions over plain data (arrays, dataclasses, DataFrames).

Grouped by capability: ``scan`` (tiles, cells, sites), ``imagery`` (reading scenes, provenance, pictures, Earth
Engine), ``register`` (ANM/SIGBM registers and matching), ``review`` (decisions, queue, agreement, exports),
``training`` (patches, metrics, evaluation), ``access`` (users, roles, sessions) and ``demo`` (the synthetic demo
generator, used only by the demo set-up). Shared at the top: ``errors``, ``settings``, ``geo``, ``model_card`` and
``wording``. Nothing in ``core`` imports Streamlit, DuckDB, Keras/TensorFlow, ``db``, ``models``, ``ui`` or ``cli``.
"""
