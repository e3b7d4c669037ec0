"""Training data and scoring: patches, their statistics, classification metrics and cross-validation splits,
and evaluating a scan or a mask against ground truth.

Owns ``patches``, ``patch_stats``, ``metrics``, ``evaluation``, ``mask_evaluation`` and ``card_metrics`` (the one
shape of a model card's metrics, checked on load), the training sets built from reviews, and ``jobs`` (the states
and progress of background trainings, the first kind of job): pure numpy/geopandas. The
networks themselves and their fitting live in ``models`` (Keras); nothing here imports Keras/TensorFlow, DuckDB,
Streamlit, ``db``, ``models``, ``ui`` or ``core.demo``.
"""
