"""Showing where a scene's pixels came from. Plain text only: a recipe read from a file is never Markdown or HTML."""

from __future__ import annotations

import streamlit as st

from core.imagery.provenance import ImageryProvenance


def show_imagery(imagery: ImageryProvenance, label: str) -> None:
    """``label: summary`` of ``imagery`` as plain text, and its full recipe as a table in an expander.

    ``label`` is the app's own text (it titles the expander, which renders Markdown); the recipe never is.
    """
    st.text(f"{label}: {imagery.summary()}")
    with st.expander(f"{label}: full recipe"):
        st.dataframe([{"field": name, "value": value} for name, value in imagery.details().items()], hide_index=True)
