"""Keras models of MineScan: architectures, saved bundles (weights + card), datasets, the one trainer (``trainer``)
with its two data layouts (``patch_layout``, ``scene_layout``), the one report writer (``reports``) and speed.

The only package that imports Keras/TensorFlow, and it does so inside the functions that need it, so importing
``models`` stays fast. The shipped weights are data under ``models/<name>/<version>/``. Must not import DuckDB,
Streamlit, ``db``, ``ui`` or ``cli``.
"""
