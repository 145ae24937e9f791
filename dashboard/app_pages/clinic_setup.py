"""Clinic setup: the chairs and the identifiers their monitors send, and the staff table of
roles, each changed by a lead and audited."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import chair_forms, identity, live, staff_forms
from dashboard.ui.components import MISSING

st.title("Clinic setup")
st.caption(
    "Each chair and what its monitor sends (HL7 bed, device EUI-64 or VitalRecorder code), or none: "
    "charted by hand. A checked-in patient's session gets the chair's monitors and their readings "
    "from before the start. Every change is kept in the audit log."
)
store = live.store()
chairs = store.chairs()
chair_forms.chairs_table(chairs)
user = identity.ask()
if user is not None:
    chair_forms.chair_setup(store, chairs, user)
waiting = store.held_monitors()
if not waiting.empty:
    st.caption("Monitors sending with no session: " + ", ".join(waiting["monitor_id"].map(chair_forms.plain)))
with st.expander("Every change to the chairs"):
    history = store.chair_history()
    st.dataframe(
        history.assign(monitors=history["monitors"].map(chair_forms.monitors_text)),
        hide_index=True,
        width="stretch",
        column_config={
            "changed_at": st.column_config.DatetimeColumn("Changed at (UTC)", format="YYYY-MM-DD HH:mm")
        },
        placeholder=MISSING,
    )
staff_forms.staff_section(store, user)
