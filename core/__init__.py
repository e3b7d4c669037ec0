"""MineScan core: plain-Python logic (no Streamlit, no SQL, no Keras)."""
