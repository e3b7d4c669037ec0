"""Scanning a scene: tiles streamed from the file, the two networks' cells, sites, and the scan's checks.

Owns the scan pipeline (``pipeline``), the tile plan (``grid``), the cell arithmetic (``cells``, ``box_counts``),
turning cells into sites (``sites``, ``site_io``), read-ahead (``prefetch``) and whether a model fits a scene
(``fit``). Models come in as plain callables (``ScanModel``): nothing here imports Keras/TensorFlow, DuckDB,
Streamlit, ``db``, ``models``, ``ui`` or the synthetic demo generator (``core.demo``).
"""
