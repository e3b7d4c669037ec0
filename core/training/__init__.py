"""Training data and scoring: patches, their statistics, classification metrics and cross-validation splits,
and evaluating a scan or a mask against ground truth.

Owns ``patches``, ``patch_stats``, ``metrics``, ``evaluation`` and ``mask_evaluation``: pure numpy/geopandas. The
networks themselves and their fitting live in ``models`` (Keras); nothing here imports Keras/TensorFlow, DuckDB,
Streamlit, ``db``, ``models``, ``ui`` or ``core.demo``.
"""
