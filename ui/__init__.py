"""Streamlit-facing helpers: the only package besides pages/ that imports streamlit."""
