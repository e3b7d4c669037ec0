"""Sign-in for the app: OpenID Connect when the deployment configures it, else the local users file.

The identity lives in the server-side session state, set only here after a verified sign-in. A local sign-in also
gets a signed session token (core.access.sessions): the browser keeps it in a cookie, the store keeps its hash, so a
reload or a shared link finds the person still signed in until the token is revoked (sign-out, a disabled account)
or lies idle too long. Every run checks the stored session again, so a revocation takes effect on the next click. With
OpenID Connect, ``st.login``'s own cookie does this. Pages call :func:`require_page`; actions go through workflows
that check the role again (core.access.users.require).
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import streamlit as st

from core import settings
from core.access.sessions import (
    COOKIE_NAME,
    cookie_script,
    issue_token,
    needs_touch,
    session_problem,
    signature_ok,
    token_hash,
)
from core.access.users import (
    CAPABILITY_WORDS,
    AuthError,
    Identity,
    User,
    authenticate,
    can,
    identity_for_email,
    load_users,
)
from core.wording.translate import N_, _
from db import sessions
from ui import resources, state

#: Session-state key: the hash of a cookie token already refused on this connection.
_REFUSED = "refused_session_token"
#: Seconds to wait after the n-th failed password in a session (slows guessing down).
_FAIL_DELAYS = (0.0, 0.5, 1.0, 2.0, 4.0)
#: Why the revoked session of a sign-out was ended: kept in the store in English (a code), marked for the catalogs.
SIGNED_OUT_WHY = N_("signed out in the app")


def oidc_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section (Streamlit's OpenID Connect sign-in)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 -- no secrets file at all, or an unreadable one: no OIDC
        return False


def presented_token() -> str | None:
    """The session token the browser sent with this connection's cookies, if any."""
    try:
        token = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # noqa: BLE001 -- no browser behind this run (a bare script run): no cookie
        return None
    return token if isinstance(token, str) and token else None


@st.cache_data(max_entries=4, show_spinner=False)
def _users_at(path: str, mtime_ns: int, size: int) -> dict[str, User]:
    return load_users(Path(path))


def _users() -> dict[str, User]:
    """The users file, read again whenever it changes (a disabled account counts at once)."""
    path = settings.users_path()
    try:
        info = path.stat()
    except FileNotFoundError:
        return {}
    return _users_at(str(path), info.st_mtime_ns, info.st_size)


def _check_session(hash_: str) -> tuple[Identity | None, str | None]:
    """The identity a stored session signs in now, or why it does not."""
    con = resources.db()
    record = sessions.get_session(con, hash_)
    try:
        user = _users().get(record.username) if record else None
    except AuthError as err:
        return None, str(err)
    now = sessions.utc_now()
    problem = session_problem(record, user, now, timedelta(hours=settings.session_idle_hours()))
    if problem or record is None or user is None:
        return None, problem
    if needs_touch(record, now):
        sessions.touch_session(con, hash_)
    return Identity(user.username, user.role, user.display_name, record.method), None


def _end(problem: str | None) -> None:
    """Forget this session's sign-in, say why on the sign-in form, and delete the browser's cookie."""
    for key in (state.IDENTITY, state.SESSION_HASH, state.SELECTED_SITE, state.SITE_SHOWN_AT):
        st.session_state.pop(key, None)
    st.session_state[state.SESSION_ENDED] = problem or _("you were signed out")
    st.session_state[state.SET_COOKIE] = ""


def current_identity() -> Identity | None:
    """The signed-in identity of this session, if any (its stored session checked again on every run)."""
    identity = st.session_state.get(state.IDENTITY)
    if isinstance(identity, Identity):
        hash_ = st.session_state.get(state.SESSION_HASH)
        if identity.method == "oidc" or hash_ is None:  # OIDC: the provider's cookie; None: set by the server itself
            return identity
        fresh, problem = _check_session(str(hash_))
        if fresh is None:
            _end(problem)
            return None
        st.session_state[state.IDENTITY] = fresh  # a changed role counts at once
        return fresh
    token = presented_token()
    if token and token_hash(token) != st.session_state.get(_REFUSED):
        hash_ = token_hash(token)
        if not signature_ok(token, sessions.signing_secret(resources.db())):
            fresh, problem = None, _("the sign-in cookie was not issued by this MineScan")
        else:
            fresh, problem = _check_session(hash_)
        if fresh is not None:
            st.session_state[state.IDENTITY] = fresh
            st.session_state[state.SESSION_HASH] = hash_
            return fresh
        st.session_state[_REFUSED] = hash_  # this connection keeps sending it: check it once
        _end(problem)
    if oidc_configured() and st.user.is_logged_in:
        try:
            identity = identity_for_email(load_users(settings.users_path()), str(st.user.get("email") or ""))
        except AuthError as err:
            st.error(f"**{_(err.title)}.** {err}")
            if st.button(_("Sign out")):
                st.logout()
            st.stop()
        st.session_state[state.IDENTITY] = identity
        return identity
    return None


def sign_in_page() -> None:
    """The page shown to anyone not signed in."""
    st.title(_("MineScan: sign in"))
    ended = st.session_state.get(state.SESSION_ENDED)
    if ended:
        st.info(_("Please sign in again: {why}.").format(why=ended))
    if oidc_configured():
        st.button(_("Sign in with your organisation's account"), type="primary", on_click=st.login)
        st.caption(_("Or with a local MineScan account:"))
    try:
        users = load_users(settings.users_path())
    except AuthError as err:
        st.error(f"**{_(err.title)}.** {err}")
        return
    if not users:
        st.warning(
            _(
                "No accounts yet. An administrator creates one on the server: "
                "`./run cli users add NAME --role supervisor` (or `./run cli users demo` for the demo account)."
            )
        )
    with st.form("sign_in"):
        username = st.text_input(_("Username"), autocomplete="username")
        password = st.text_input(_("Password"), type="password", autocomplete="current-password")
        submitted = st.form_submit_button(_("Sign in"), type="primary")
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
        start_session(identity)
        st.rerun()  # the same address: a deep link opens its page now


def start_session(identity: Identity) -> None:
    """Sign ``identity`` in on this connection and hand the browser a token for the next ones."""
    con = resources.db()
    token, hash_ = issue_token(sessions.signing_secret(con))
    sessions.create_session(con, hash_, identity.username, identity.method)
    st.session_state[state.IDENTITY] = identity
    st.session_state[state.SESSION_HASH] = hash_
    st.session_state[state.SET_COOKIE] = token
    st.session_state.pop(state.SESSION_ENDED, None)
    st.session_state.pop(_REFUSED, None)


def sync_cookie() -> None:
    """Write (or delete) the browser's session cookie when a sign-in or sign-out asked for it."""
    token = st.session_state.pop(state.SET_COOKIE, None)
    if token is None:
        return
    secure = str(getattr(st.context, "url", "") or "").startswith("https:")
    st.html(cookie_script(token or None, secure=secure), unsafe_allow_javascript=True)


def sign_out() -> None:
    """Forget this session's identity (and the provider's cookie for OpenID Connect)."""
    identity = st.session_state.pop(state.IDENTITY, None)
    hash_ = st.session_state.pop(state.SESSION_HASH, None)
    if hash_:
        sessions.revoke_session(resources.db(), str(hash_), SIGNED_OUT_WHY)
    for key in (state.SELECTED_SITE, state.SITE_SHOWN_AT):
        st.session_state.pop(key, None)
    st.session_state[state.SET_COOKIE] = ""
    st.session_state[state.SESSION_ENDED] = _("you signed out")
    if isinstance(identity, Identity) and identity.method == "oidc":
        st.logout()


def require_page(capability: str) -> Identity:
    """The identity, if it may use a page needing ``capability``; otherwise say so and stop the page."""
    identity = current_identity()
    if identity is None or not can(identity, capability):
        who = identity.label if identity else _("Nobody is signed in")
        needs = CAPABILITY_WORDS.get(capability)
        words = _(needs) if needs else capability.replace("_", " ")
        st.error(_("**Not allowed.** {who}: this page needs '{capability}'.").format(who=who, capability=words))
        st.stop()
    assert identity is not None  # for the type checker: st.stop() does not return
    return identity
