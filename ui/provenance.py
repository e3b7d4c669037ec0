"""Showing where a scene's pixels came from. Plain text only: a recipe read from a file is never Markdown or HTML."""

from __future__ import annotations

import streamlit as st

from core.imagery.provenance import ImageryProvenance
from core.wording.translate import _


def show_imagery(imagery: ImageryProvenance, label: str) -> None:
    """``label: summary`` of ``imagery`` as plain text, and its full recipe as a table in an expander.

    ``label`` is the app's own text, already translated (it titles the expander, which renders Markdown); the
    recipe never is.
    """
    st.text(_("{label}: {summary}").format(label=label, summary=imagery.summary()))
    with st.expander(_("{label}: full recipe").format(label=label)):
        field, value = _("field"), _("value")
        st.dataframe([{field: name, value: text} for name, text in imagery.details().items()], hide_index=True)
