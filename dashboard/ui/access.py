"""Whether anyone may see the app before logging in.

The default is open: made for one machine in a clinic room, where whoever sits at the screen
may see the chairs. Set ``DASHBOARD_REQUIRE_LOGIN=1`` (or ``require_login = true`` at the top of
``.streamlit/secrets.toml``) and no page, no patient id and no reading is shown until the user has
logged in through the identity provider of the ``[auth]`` secrets (OIDC, ``st.login``). Asked
to require a login without a provider, the app refuses to show anything rather than run open.
"""

from __future__ import annotations

import os

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from dashboard.ui import identity

REQUIRE_ENV = "DASHBOARD_REQUIRE_LOGIN"
_YES = ("1", "true", "yes", "on")


def login_required() -> bool:
    if os.environ.get(REQUIRE_ENV, "").strip().lower() in _YES:
        return True
    try:
        return str(st.secrets.get("require_login", "")).strip().lower() in _YES
    except StreamlitSecretNotFoundError:  # no secrets file
        return False


def gate() -> None:
    """Stop the run here unless the user may see the app (call before anything reads data)."""
    if not login_required() or (identity.oidc_configured() and st.user.is_logged_in):
        return
    st.title("Ketamine session monitor")
    if not identity.oidc_configured():
        st.error(
            f"This app requires a login ({REQUIRE_ENV} or require_login in the secrets) but no identity "
            "provider is configured. Add an [auth] section to .streamlit/secrets.toml; see the README, "
            "section Security.",
            icon=":material/lock:",
        )
        st.stop()
    st.info("Log in to see the chairs and the sessions.", icon=":material/lock:")
    st.button("Log in", on_click=st.login, icon=":material/login:", type="primary", key="gate_login")
    st.stop()
