"""Who is entering things: the identity provider's user with OIDC, else a staff name.

With an ``[auth]`` section in ``.streamlit/secrets.toml`` the live pages use ``st.login`` and
record the provider's name (or e-mail). Without it, the embedded default asks for a staff name
once per browser session. That is NOT secure: anyone at the screen can type any name, so it
records who says they made an entry, as a paper chart does. The name is only ever shown as
plain text.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from dashboard.ui.components import plain

STAFF_NAME = "staff_name"  # session_state key of the embedded default's name


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError:  # no secrets file: the embedded default
        return False


def current_user() -> str | None:
    """The name entries are recorded under, or None until the user has said who they are."""
    if oidc_configured():
        if not st.user.is_logged_in:
            return None
        return str(st.user.get("name") or st.user.get("email") or "") or None
    return st.session_state.get(STAFF_NAME)


def ask() -> str | None:
    """The current user; if unknown, a log-in button (OIDC) or the staff-name form in its place."""
    user = current_user()
    if user is not None:
        return user
    if oidc_configured():
        st.info("Log in to record entries, acknowledge alerts or end a session.", icon=":material/login:")
        st.button("Log in", on_click=st.login, icon=":material/login:", key="login_button")
        return None
    with st.form("staff_name_form", border=True):
        st.markdown("**Who is entering?** Your name is recorded with each entry, acknowledgement and change.")
        name = st.text_input("Staff name", max_chars=80, key="staff_name_input")
        st.caption(
            "Not secure: anyone at this screen can type any name. Configure single sign-on (OIDC) "
            "for verified names; see the README."
        )
        if st.form_submit_button("Continue", type="primary") and name.strip():
            st.session_state[STAFF_NAME] = name.strip()
            st.rerun()
    return None


def sidebar() -> None:
    """Who is signed in, and the way out (log out, or change the typed name)."""
    user = current_user()
    if user is None:
        return
    with st.sidebar:
        st.caption(f"Entries recorded as: {plain(user)}")
        if oidc_configured():
            st.button("Log out", on_click=st.logout, key="logout_button")
        elif st.button("Not you? Change name", key="change_name_button"):
            st.session_state.pop(STAFF_NAME, None)
            st.rerun()
