"""MineScan web app entry point: page configuration, navigation and the shared sidebar."""

import streamlit as st

from core import settings
from ui import state

st.set_page_config(page_title="MineScan", page_icon="⛏️", layout="wide")
pages = [
    st.Page("pages/overview.py", title="Overview", icon="🏠", default=True),
    st.Page("pages/scan.py", title="Scan", icon="🛰️"),
    st.Page("pages/triage.py", title="Triage", icon="🗺️"),
    st.Page("pages/register.py", title="Register", icon="📋"),
    st.Page("pages/dashboard.py", title="Dashboard", icon="📊"),
    st.Page("pages/export.py", title="Export", icon="⬇️"),
]
nav = st.navigation(pages)
with st.sidebar:
    st.text_input("Reviewer", key=state.REVIEWER, placeholder="your name (required to decide)")
    st.caption(f"Store: `{settings.db_path()}`")
nav.run()
