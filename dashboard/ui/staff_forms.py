"""The staff table on Clinic setup: which login holds which roles, for clinics whose identity
provider sends no roles claim. Everyone signed in sees it; a lead edits it (the store refuses
anyone else), and every edit is audited. Logins and roles are table cells or go through ``plain``.
"""

from __future__ import annotations

import streamlit as st

from dashboard.core.roles import GRANTS, ROLES, Actor
from dashboard.core.store import EntryError, Store
from dashboard.ui.components import MISSING, plain
from dashboard.ui.identity import allowed, roles_section

DONE = "staff_done"  # session_state key of the message shown after the edit's rerun


def staff_section(store: Store, user: Actor | None) -> None:
    """The table, where roles come from, and (for a lead) the form to give or take away roles."""
    st.subheader("Staff and their roles")
    if roles_section() is not None:
        st.caption(
            "Roles come from the identity provider's claim ([roles] in the secrets); this table is "
            "not used while it is configured."
        )
    else:
        st.caption("Signed-in users get the roles listed here for their e-mail, user name or name.")
    st.dataframe(
        store.staff(),
        hide_index=True,
        width="stretch",
        column_config={
            "login": "Login",
            "roles": "Roles",
            "set_by": "Set by",
            "set_at": st.column_config.DatetimeColumn("Set at (UTC)", format="YYYY-MM-DD HH:mm"),
        },
        placeholder=MISSING,
    )
    if DONE in st.session_state:
        st.success(plain(st.session_state.pop(DONE)), icon=":material/check:")
    if user is None or not allowed(user, "staff_edit"):
        return
    with st.form("staff-set", border=True):
        st.markdown("**Give a login its roles** (none: every role taken away)")
        login = st.text_input("Login (e-mail or user name)", max_chars=128, key="staff-login")
        roles = st.multiselect("Roles", list(ROLES + GRANTS), key="staff-roles")
        if st.form_submit_button("Save roles", type="primary"):
            try:
                changed = store.set_staff(login, roles, user=user)
            except EntryError as error:
                st.error(plain(error), icon=":material/error:")
                return
            st.session_state[DONE] = f"Saved {login.strip()}." if changed else "Nothing changed."
            st.rerun()
