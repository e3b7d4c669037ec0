"""Sign-in for the app: OpenID Connect when the deployment configures it, else the local users file.

The identity lives in the server-side session state, set only here after a verified sign-in. Pages call
:func:`require_page`; actions go through workflows that check the role again (core.users.require).
"""

from __future__ import annotations

import time

import streamlit as st

from core import settings
from core.users import AuthError, Identity, authenticate, can, identity_for_email, load_users
from ui import state

#: Seconds to wait after the n-th failed password in a session (slows guessing down).
_FAIL_DELAYS = (0.0, 0.5, 1.0, 2.0, 4.0)


def oidc_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section (Streamlit's OpenID Connect sign-in)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 -- no secrets file at all, or an unreadable one: no OIDC
        return False


def current_identity() -> Identity | None:
    """The signed-in identity of this session, if any."""
    identity = st.session_state.get(state.IDENTITY)
    if isinstance(identity, Identity):
        return identity
    if oidc_configured() and st.user.is_logged_in:
        try:
            identity = identity_for_email(load_users(settings.users_path()), str(st.user.get("email") or ""))
        except AuthError as err:
            st.error(f"**{err.title}.** {err}")
            if st.button("Sign out"):
                st.logout()
            st.stop()
        st.session_state[state.IDENTITY] = identity
        return identity
    return None


def sign_in_page() -> None:
    """The page shown to anyone not signed in."""
    st.title("MineScan: sign in")
    if oidc_configured():
        st.button("Sign in with your organisation's account", type="primary", on_click=st.login)
        st.caption("Or with a local MineScan account:")
    try:
        users = load_users(settings.users_path())
    except AuthError as err:
        st.error(f"**{err.title}.** {err}")
        return
    if not users:
        st.warning(
            "No accounts yet. An administrator creates one on the server: "
            "`./run cli users add NAME --role supervisor` (or `./run cli users demo` for the demo account)."
        )
    with st.form("sign_in"):
        username = st.text_input("Username", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        failures = int(st.session_state.get(state.SIGN_IN_FAILURES, 0))
        try:
            identity = authenticate(users, username, password)
        except AuthError as err:
            time.sleep(_FAIL_DELAYS[min(failures, len(_FAIL_DELAYS) - 1)])
            st.session_state[state.SIGN_IN_FAILURES] = failures + 1
            st.error(str(err).capitalize() + ".")
            return
        st.session_state[state.SIGN_IN_FAILURES] = 0
        st.session_state[state.IDENTITY] = identity
        st.rerun()


def sign_out() -> None:
    """Forget this session's identity (and the provider's cookie for OpenID Connect)."""
    identity = st.session_state.pop(state.IDENTITY, None)
    for key in (state.SELECTED_SITE, state.SITE_SHOWN_AT):
        st.session_state.pop(key, None)
    if isinstance(identity, Identity) and identity.method == "oidc":
        st.logout()


def require_page(capability: str) -> Identity:
    """The identity, if it may use a page needing ``capability``; otherwise say so and stop the page."""
    identity = current_identity()
    if identity is None or not can(identity, capability):
        who = identity.label if identity else "Nobody is signed in"
        st.error(f"**Not allowed.** {who}: this page needs '{capability.replace('_', ' ')}'.")
        st.stop()
    assert identity is not None  # for the type checker: st.stop() does not return
    return identity
