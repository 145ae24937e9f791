"""Who is entering things, and with which roles: the identity provider's user with OIDC, else a
staff name.

With an ``[auth]`` section in ``.streamlit/secrets.toml`` the live pages use ``st.login`` and
record the provider's name (or e-mail); the user's roles come from the provider's claim when a
``[roles]`` section names it (``claim = "groups"``, ``[roles.groups]`` mapping the provider's
group names to ours), else from the store's staff table, which a lead edits on Clinic setup.
Without ``[auth]``, the embedded default asks for a staff name once per browser session and that
name holds every role. That is NOT secure: anyone at the screen can type any name, so it records
who says they made an entry, as a paper chart does. The name is only ever shown as plain text.

Pages ask ``allowed`` before drawing a control: it asks the core (``roles.why_not``) and, when
the answer is no, says why in one line instead of the control.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from dashboard.core.roles import Actor, roles_text, signed_in_roles, why_not
from dashboard.ui import access, live
from dashboard.ui.components import plain

STAFF_NAME = "staff_name"  # session_state key of the embedded default's name
OPEN_MODE = "No sign-in configured: every role is allowed to whoever uses this screen."


def oidc_configured() -> bool:
    return access.oidc_configured()


def current_user() -> str | None:
    """The name entries are recorded under, or None until the user has said who they are."""
    if oidc_configured():
        if not st.user.is_logged_in:
            return None
        return str(st.user.get("name") or st.user.get("email") or "") or None
    return st.session_state.get(STAFF_NAME)


def current_actor() -> Actor | None:
    """The user with their roles, or None until known: every role in the open single-machine
    mode; signed in, the roles of the provider's claim or of the staff table (``signed_in_roles``)."""
    name = current_user()
    if name is None:
        return None
    if not oidc_configured():
        return Actor.everyone(name)
    section = roles_section()
    staff = {} if section is not None else live.store().staff_roles()
    return Actor(name, signed_in_roles(st.user.to_dict(), section, staff))


def roles_section() -> Mapping[str, object] | None:
    """The ``[roles]`` secrets (``claim``, ``groups``), or None: roles come from the staff table."""
    try:
        section = st.secrets.get("roles")
    except StreamlitSecretNotFoundError:
        return None
    return None if section is None else dict(section)


def viewer() -> Actor:
    """Who is looking, for controls that need no name (downloads): the current user, anyone in the
    open single-machine mode, else nobody with no role until signed in."""
    actor = current_actor()
    if actor is not None:
        return actor
    return Actor.everyone("") if not oidc_configured() else Actor("")


def allowed(actor: Actor, *operations: str) -> bool:
    """Whether ``actor`` may do one of ``operations``; if not, one line saying why (of the first),
    in the control's place."""
    reasons = [why_not(actor, operation) for operation in operations]
    if all(reasons):
        st.caption(plain(reasons[0]), help="Roles are listed in the README, section Security.")
        return False
    return True


def ask() -> Actor | None:
    """The current user; if unknown, a log-in button (OIDC) or the staff-name form in its place."""
    actor = current_actor()
    if actor is not None:
        return actor
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
    """Who is signed in with which roles, and the way out (log out, or change the typed name);
    without sign-in, that every role is allowed."""
    if not oidc_configured():
        st.sidebar.caption(OPEN_MODE)
    actor = current_actor()
    if actor is None:
        return
    with st.sidebar:
        st.caption(f"Entries recorded as: {plain(actor.name)}")
        if oidc_configured():
            st.caption(f"Roles: {plain(roles_text(actor.roles) or 'none (ask a lead)')}")
            st.button("Log out", on_click=st.logout, key="logout_button")
        elif st.button("Not you? Change name", key="change_name_button"):
            st.session_state.pop(STAFF_NAME, None)
            st.rerun()
