"""The dose plan of an open or discharged session, completed or corrected after check-in
(``core.live.check_in.change_plan``): on the live session page and on the Sign-off page, where a
missing weight or dose blocks the signature.

Filling in an empty value needs no reason; changing a recorded one does, and after sign-off the
change is an addendum. Messages with user text go through ``plain``.
"""

from __future__ import annotations

import streamlit as st

from dashboard.core.live.check_in import DosePlan, change_plan, plan_lines
from dashboard.core.roles import Actor
from dashboard.core.store import EntryError, Store
from dashboard.ui import identity
from dashboard.ui.components import plain
from dashboard.ui.live_forms import recorded

INPUTS: dict[str, str] = {"weight_kg": "Weight (kg)", "dose_mg_per_kg": "Dose (mg/kg)",
                          "planned_minutes": "Planned (min)"}  # fmt: skip


def dose_plan_form(store: Store, session_id: str, user: Actor, key: str) -> None:
    """The recorded plan read back, and a form to fill in or correct it (``key`` keeps forms apart)."""
    recorded_plan = store.session_plan(session_id)
    shown = DosePlan(**{k: recorded_plan[k] for k in DosePlan.__dataclass_fields__})
    st.markdown("  \n".join(plain(line) for line in plan_lines(shown)))
    if not identity.allowed(user, "dose_plan"):
        return
    with st.form(f"plan-{key}", border=False):
        columns = st.columns(len(INPUTS))
        given = {
            name: column.number_input(
                label, value=recorded_plan[name], min_value=0.0, key=f"plan-{key}-{name}"
            )
            for column, (name, label) in zip(columns, INPUTS.items(), strict=True)
        }
        reason = st.text_input(
            "Reason (required to change a recorded value)", max_chars=300, key=f"plan-{key}-reason"
        )
        if st.form_submit_button("Save dose plan"):
            try:
                change_plan(store, session_id, user=user, reason=reason, **given)
            except EntryError as error:
                st.error(plain(error), icon=":material/error:")
                return
            recorded(f"plan-{key}", "Dose plan saved")
