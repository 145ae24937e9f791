"""Whether anyone may see the app before logging in.

The default is open: made for one machine in a clinic room, where whoever sits at the screen
may see the chairs. Set ``DASHBOARD_REQUIRE_LOGIN=1`` (or ``require_login = true`` at the top of
``.streamlit/secrets.toml``) and no page, no patient id and no reading is shown until the user has
logged in through the identity provider of the ``[auth]`` secrets (OIDC, ``st.login``). Asked
to require a login without a provider, the app refuses to show anything rather than run open.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from dashboard.core import settings


def oidc_configured() -> bool:
    """Whether sign-in is configured (an ``[auth]`` section): then writes need roles too."""
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError:  # no secrets file: the embedded default
        return False


def login_required() -> bool:
    if settings.login_required_by_environment():
        return True
    try:
        return settings.is_yes(st.secrets.get("require_login", ""))
    except StreamlitSecretNotFoundError:  # no secrets file
        return False


def gate() -> None:
    """Stop the run here unless the user may see the app (call before anything reads data)."""
    if not login_required() or (oidc_configured() and st.user.is_logged_in):
        return
    st.title("Ketamine session monitor")
    if not oidc_configured():
        st.error(
            f"This app requires a login ({settings.REQUIRE_LOGIN_ENV} or require_login in the secrets) "
            "but no identity provider is configured. Add an [auth] section to .streamlit/secrets.toml; "
            "see the README, section Security.",
            icon=":material/lock:",
        )
        st.stop()
    st.info("Log in to see the chairs and the sessions.", icon=":material/lock:")
    st.button("Log in", on_click=st.login, icon=":material/login:", type="primary", key="gate_login")
    st.stop()
