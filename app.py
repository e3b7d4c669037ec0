"""MineScan web app entry point: page configuration and navigation only."""

import streamlit as st

st.set_page_config(page_title="MineScan", page_icon="⛏️", layout="wide")
st.navigation([st.Page("pages/overview.py", title="Overview", default=True)]).run()
