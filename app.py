"""MineScan web app entry point: page configuration, navigation and the shared sidebar."""

import streamlit as st

from core import settings
from ui import resources, state

st.set_page_config(page_title="MineScan", page_icon=":material/landscape:", layout="wide")
pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/home:", default=True),
    st.Page("pages/scan.py", title="Scan", icon=":material/satellite_alt:"),
    st.Page("pages/triage.py", title="Triage", icon=":material/map:"),
    st.Page("pages/register.py", title="Register", icon=":material/list_alt:"),
    st.Page("pages/dashboard.py", title="Dashboard", icon=":material/bar_chart:"),
    st.Page("pages/export.py", title="Export", icon=":material/download:"),
]
nav = st.navigation(pages)
with st.sidebar:
    st.text_input("Reviewer", key=state.REVIEWER, placeholder="your name (required to decide)")
    st.caption(f"Store: `{settings.db_path()}`")
with resources.page_run():
    nav.run()
