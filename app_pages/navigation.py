"""The web app's frame: sign-in, the pages each role sees, and the shared sidebar (``app.py`` runs :func:`run`).

:data:`PAGES` is the one list of screens: the navigation and the tests read it.
"""

from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from core import settings
from core.access.users import can
from core.wording.translate import N_, _
from db.store_kind import store_kind
from ui import auth, jobs, language, resources

# Each page checks its capability again on the server (a hidden page's URL does not get round it).
PAGES = [
    ("app_pages/overview.py", N_("Overview"), ":material/home:", None),
    ("app_pages/imagery.py", N_("Imagery"), ":material/public:", "scan"),
    ("app_pages/scan.py", N_("Scan"), ":material/satellite_alt:", "scan"),
    ("app_pages/triage.py", N_("Triage"), ":material/map:", "decide"),
    ("app_pages/register.py", N_("Register"), ":material/list_alt:", "decide"),
    ("app_pages/disagreements.py", N_("Disagreements"), ":material/rule:", "supervise"),
    ("app_pages/dashboard.py", N_("Dashboard"), ":material/bar_chart:", "view_dashboard"),
    ("app_pages/models.py", N_("Models"), ":material/model_training:", "view_models"),
    ("app_pages/export.py", N_("Export"), ":material/download:", "export"),
]
DEFAULT_PAGE = "app_pages/overview.py"


def run() -> None:
    """One run of the app: the sign-in form, or the navigation of the signed-in person's pages."""
    st.set_page_config(page_title="MineScan", page_icon=":material/landscape:", layout="wide")
    with resources.page_run():
        identity = auth.current_identity()
        language.settle(identity)
        if identity is None:
            # The sign-in form answers at every page's address, so a reload or a shared link keeps its address and
            # opens that page once the person has signed in (pages are known by their address).
            sign_in = [
                st.Page(auth.sign_in_page, title=_("Sign in"), icon=":material/login:", url_path=Path(path).stem,
                        default=path == DEFAULT_PAGE)
                for path, *_rest in PAGES
            ]  # fmt: skip
            auth.sync_cookie()
            with st.sidebar:
                language.picker(None)
            st.navigation(sign_in, position="hidden").run()
            st.stop()

        pages = [
            st.Page(path, title=_(title), icon=icon, default=path == DEFAULT_PAGE)
            for path, title, icon, capability in PAGES
            if capability is None or can(identity, capability)
        ]
        nav = st.navigation(pages)
        with st.sidebar:
            st.caption(_("Signed in as"))
            st.text(identity.label)  # plain text: a display name is never read as Markdown or HTML
            st.button(_("Sign out"), on_click=auth.sign_out)
            language.picker(identity)
            kind = store_kind(resources.db())
            label = _("Demo store (synthetic data)") if kind == "demo" else _("Working store")
            st.caption(_("{store}: `{file}`").format(store=label, file=settings.db_path().name))
            auth.sync_cookie()
            jobs.sidebar_jobs(identity)
        try:
            nav.run()
        except StopException:  # st.stop(): the page drew all it meant to (a rerun or an interruption did not)
            jobs.page_run_completed()
            raise
        jobs.page_run_completed()
