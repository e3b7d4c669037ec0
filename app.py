"""MineScan web app entry point: sign-in, navigation by role, and the shared sidebar."""

import streamlit as st

from core import settings
from core.users import can
from ui import auth, resources

st.set_page_config(page_title="MineScan", page_icon=":material/landscape:", layout="wide")
identity = auth.current_identity()
if identity is None:
    st.navigation([st.Page(auth.sign_in_page, title="Sign in", icon=":material/login:")]).run()
    st.stop()

# Each page checks its capability again on the server (a hidden page's URL does not get round it).
PAGES = [
    ("app_pages/overview.py", "Overview", ":material/home:", None),
    ("app_pages/imagery.py", "Imagery", ":material/public:", "scan"),
    ("app_pages/scan.py", "Scan", ":material/satellite_alt:", "scan"),
    ("app_pages/triage.py", "Triage", ":material/map:", "decide"),
    ("app_pages/register.py", "Register", ":material/list_alt:", "decide"),
    ("app_pages/disagreements.py", "Disagreements", ":material/rule:", "supervise"),
    ("app_pages/dashboard.py", "Dashboard", ":material/bar_chart:", "view_dashboard"),
    ("app_pages/export.py", "Export", ":material/download:", "export"),
]
pages = [
    st.Page(path, title=title, icon=icon, default=path == "app_pages/overview.py")
    for path, title, icon, capability in PAGES
    if capability is None or can(identity, capability)
]
nav = st.navigation(pages)
with st.sidebar:
    st.caption("Signed in as")
    st.text(identity.label)  # plain text: a display name is never read as Markdown or HTML
    st.button("Sign out", on_click=auth.sign_out)
    st.caption(f"Store: `{settings.db_path()}`")
with resources.page_run():
    nav.run()
