"""The language a person reads the app in: their setting, else their browser's locale, else the server's default.

:func:`settle` runs once per full page run (before anything is drawn) and keeps the answer in the session, where
:func:`provider` reads it for every message, also in fragment reruns. :func:`picker` is the sidebar's choice; a
signed-in person's choice is kept in the store and follows them to any browser.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from core.access.users import Identity
from core.wording import translate
from core.wording.translate import LANGUAGES, _
from db.person_settings import person_language, set_person_language
from ui import resources

#: The language of this session's messages (what :func:`provider` answers).
LANGUAGE = "ui_language"
#: A language picked in this session (before signing in, or by a person whose choice could not be stored).
PICKED = "ui_language_picked"
_PICKER = "ui_language_picker"


def provider() -> str | None:
    """The session's language, or None outside a script run (a background thread: the default applies)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    value = st.session_state.get(LANGUAGE)
    return str(value) if value else None


def browser_language() -> str | None:
    """The browser's preferred language when MineScan speaks it (``st.context.locale``: ``pt-BR``, ``en-US``)."""
    try:
        return translate.normalise(st.context.locale)
    except Exception:  # noqa: BLE001 - no browser behind this run (AppTest, a bare script)
        return None


def settle(identity: Identity | None) -> str:
    """Decide this run's language and keep it in the session: the person's choice (this session's pick, else the
    one kept in the store), else the browser's locale, else ``$MINESCAN_LANGUAGE``, else pt-BR."""
    translate.set_provider(provider)
    stored = person_language(resources.db(), identity.username) if identity is not None else None
    language = (
        translate.normalise(st.session_state.get(PICKED))
        or translate.normalise(stored)
        or browser_language()
        or translate.default_language()
    )
    st.session_state[LANGUAGE] = language
    return language


def _picked(identity: Identity | None) -> None:
    language = st.session_state.get(_PICKER)
    if language not in LANGUAGES:
        return
    st.session_state[PICKED] = language
    st.session_state[LANGUAGE] = language
    if identity is not None:
        set_person_language(resources.db(), identity.username, language)


def picker(identity: Identity | None) -> None:
    """The sidebar's language choice (its label in both languages: a person who cannot read one finds it)."""
    current = st.session_state.get(LANGUAGE) or translate.current()
    st.session_state[_PICKER] = current
    st.selectbox(
        "Idioma / Language", list(LANGUAGES), key=_PICKER, format_func=lambda code: LANGUAGES[code],
        on_change=_picked, args=(identity,),
        help=_("Your choice is kept with your account; until you choose, the app follows your browser's language."),
    )  # fmt: skip
