"""The web app's frame: sign-in, the pages each role sees, and the shared sidebar (``app.py`` runs :func:`run`).

:data:`PAGES` is the one list of screens: the navigation and the tests read it.
"""

from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from core import settings
from core.access.users import can
from db.store_kind import store_kind
from ui import auth, jobs, resources

# Each page checks its capability again on the server (a hidden page's URL does not get round it).
PAGES = [
    ("app_pages/overview.py", "Overview", ":material/home:", None),
    ("app_pages/imagery.py", "Imagery", ":material/public:", "scan"),
    ("app_pages/scan.py", "Scan", ":material/satellite_alt:", "scan"),
    ("app_pages/triage.py", "Triage", ":material/map:", "decide"),
    ("app_pages/register.py", "Register", ":material/list_alt:", "decide"),
    ("app_pages/disagreements.py", "Disagreements", ":material/rule:", "supervise"),
    ("app_pages/dashboard.py", "Dashboard", ":material/bar_chart:", "view_dashboard"),
    ("app_pages/models.py", "Models", ":material/model_training:", "view_models"),
    ("app_pages/export.py", "Export", ":material/download:", "export"),
]
DEFAULT_PAGE = "app_pages/overview.py"


def run() -> None:
    """One run of the app: the sign-in form, or the navigation of the signed-in person's pages."""
    st.set_page_config(page_title="MineScan", page_icon=":material/landscape:", layout="wide")
    with resources.page_run():
        identity = auth.current_identity()
        if identity is None:
            # The sign-in form answers at every page's address, so a reload or a shared link keeps its address and
            # opens that page once the person has signed in (pages are known by their address).
            sign_in = [
                st.Page(auth.sign_in_page, title="Sign in", icon=":material/login:", url_path=Path(path).stem,
                        default=path == DEFAULT_PAGE)
                for path, *_ in PAGES
            ]  # fmt: skip
            auth.sync_cookie()
            st.navigation(sign_in, position="hidden").run()
            st.stop()

        pages = [
            st.Page(path, title=title, icon=icon, default=path == DEFAULT_PAGE)
            for path, title, icon, capability in PAGES
            if capability is None or can(identity, capability)
        ]
        nav = st.navigation(pages)
        with st.sidebar:
            st.caption("Signed in as")
            st.text(identity.label)  # plain text: a display name is never read as Markdown or HTML
            st.button("Sign out", on_click=auth.sign_out)
            kind = store_kind(resources.db())
            label = "Demo store (synthetic data)" if kind == "demo" else "Working store"
            st.caption(f"{label}: `{settings.db_path().name}`")
            auth.sync_cookie()
            jobs.sidebar_jobs(identity)
        try:
            nav.run()
        except StopException:  # st.stop(): the page drew all it meant to (a rerun or an interruption did not)
            jobs.page_run_completed()
            raise
        jobs.page_run_completed()
