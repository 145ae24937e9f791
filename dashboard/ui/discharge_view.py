"""Recovery and discharge on the live session page: the protocol's discharge checklist (ticked
from the data where it can be, by hand otherwise), the Discharge button (with a reason when a
criterion is unmet), then the clinician's Sign-off (saying what is missing while it cannot be).

Criteria labels come from the protocol and reasons from the data: shown in a table or through
``plain``, never as HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core.live.discharge import Criterion, DischargeCheck, confirmed, records, unmet
from dashboard.core.roles import Actor
from dashboard.core.store import EntryError, Store
from dashboard.core.store.discharge_rows import BY_HAND, MET, NOT_MET
from dashboard.ui import identity
from dashboard.ui.components import MISSING, plain
from dashboard.ui.live_forms import entry_id, recorded

MARKS = {MET: "✓ met", NOT_MET: "✗ not yet", BY_HAND: "? by hand"}


def recovery_and_discharge(
    store: Store, session_id: str, check: DischargeCheck, user: Actor, timezone: str
) -> None:
    """The checklist and the Discharge button; once discharged, the Sign-off."""
    stopped = _clock(check.stopped_at, timezone)
    st.caption(
        f"Infusion stopped at {stopped}: the patient is in recovery. Criteria from the protocol in force."
    )
    discharge = store.session_discharge(session_id)
    if discharge is not None:
        _discharged(discharge, timezone)
        sign_off(store, session_id, user)
        return
    table = st.container()  # drawn above the ticks, with them applied
    ticked = {
        c.key
        for c in check.criteria
        if c.state == BY_HAND and st.checkbox(plain(c.label), key=f"tick_{c.key}")
    }
    criteria = confirmed(check, ticked)
    with table:
        checklist(check, criteria, timezone)
    missing = unmet(criteria)
    reason = ""
    if missing:
        st.warning(
            "Not met: " + plain("; ".join(missing)) + ". Discharge only with a reason.",
            icon=":material/warning:",
        )
        reason = st.text_input("Reason to discharge anyway (required)", key="discharge_reason", max_chars=300)
    blocked = bool(missing) and not reason.strip()
    if not identity.allowed(user, "discharge"):
        return
    if st.button("Discharge", type="primary", disabled=blocked, icon=":material/directions_walk:"):
        try:
            store.discharge(session_id, records(criteria), user=user, reason=reason, ready_at=check.ready_at,
                            entry_id=entry_id("discharge"))  # fmt: skip
        except EntryError as error:
            st.error(plain(error))
            return
        recorded("discharge", "Discharge recorded")


def checklist(check: DischargeCheck, criteria: tuple[Criterion, ...], timezone: str) -> None:
    """Each criterion with its state and reason (``criteria``: those ticked by hand confirmed), and
    when the patient was ready by the data."""
    if check.ready:
        st.success(f"Ready for discharge since {_clock(check.ready_at, timezone)} (by the data; "
                   "confirm the rest by hand)", icon=":material/check_circle:")  # fmt: skip
    elif check.ready_at is not None:
        st.info(f"The criteria were all met at {_clock(check.ready_at, timezone)}, and no longer are.")
    else:
        st.info("Not ready for discharge yet.", icon=":material/hourglass_top:")
    rows = pd.DataFrame(
        {"state": [MARKS[c.state] for c in criteria], "criterion": [c.label for c in criteria],
         "reason": [c.reason for c in criteria]}
    )  # fmt: skip
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        "state": "State", "criterion": st.column_config.TextColumn("Criterion", width="large"),
        "reason": st.column_config.TextColumn("Why", width="large"),
    }, placeholder=MISSING)  # fmt: skip


def sign_off(store: Store, session_id: str, user: Actor) -> None:
    """The clinician's signature: blocked, naming what is missing, while a required field is empty;
    in its place, why not, for a user without the role."""
    if not identity.allowed(user, "sign_off"):
        return
    missing = store.missing_for_sign_off(session_id)
    if missing:
        st.warning(f"Cannot sign off yet: missing {', '.join(missing)}.", icon=":material/block:")
    st.caption("Signing locks the record and ends the session; later changes are addenda with a reason.")
    if st.button("Sign off", type="primary", disabled=bool(missing), icon=":material/signature:"):
        try:
            store.sign_off(session_id, user=user)
        except EntryError as error:
            st.error(plain(error))
            return
        recorded("sign_off", "Session signed off and locked")


def _discharged(discharge: dict, timezone: str) -> None:
    ready = discharge["ready_at"]
    when = f"; ready for discharge from {_clock(pd.Timestamp(ready), timezone)}" if ready is not None else ""
    st.success(f"Discharged at {_clock(pd.Timestamp(discharge['at']), timezone)} by "
               f"{plain(discharge['user'])}{when}.", icon=":material/directions_walk:")  # fmt: skip
    if discharge["reason"]:
        st.caption(f"Reason, with a criterion unmet: {plain(discharge['reason'])}")
    shown = pd.DataFrame(discharge["criteria"]).assign(state=lambda f: f["state"].map(MARKS))
    st.dataframe(shown, hide_index=True, width="stretch", column_order=("state", "label", "reason"),
                 column_config={"state": "State", "label": "Criterion", "reason": "Why"},
                 placeholder=MISSING)  # fmt: skip


def _clock(at: pd.Timestamp, timezone: str) -> str:
    return at.tz_convert(timezone).strftime("%H:%M")
