"""Training data and scoring: patches, their statistics, classification metrics and cross-validation splits,
and evaluating a scan or a mask against ground truth.

Owns ``patches``, ``patch_stats``, ``metrics``, ``evaluation``, ``mask_evaluation`` and ``card_metrics`` (the one
shape of a model card's metrics, checked on load): pure numpy/geopandas. The
networks themselves and their fitting live in ``models`` (Keras); nothing here imports Keras/TensorFlow, DuckDB,
Streamlit, ``db``, ``models``, ``ui`` or ``core.demo``.
"""
