"""Streamlit helpers for the pages: sign-in and sessions, cached resources, maps, model and provenance panels.

With ``app_pages`` and ``app.py``, the only code that imports Streamlit. Reads and writes the store through
``db`` and shows ``core``'s words; must not import DuckDB or Keras/TensorFlow directly, nor ``cli``.
"""
