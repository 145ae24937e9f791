"""The Sign-off page's parts: the queue of sessions to sign with what each lacks, how a session
ended, the signed sessions, and the addendum form (a note with its reason, the only way a signed
session changes). Patient ids and reasons are table cells or go through ``plain``, never HTML."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core.roles import Actor
from dashboard.core.store import EntryError, Store
from dashboard.ui import identity
from dashboard.ui.components import MISSING, local_times, plain
from dashboard.ui.live_forms import entry_id, recorded

_TIME = "YYYY-MM-DD HH:mm"


def labels(queue: pd.DataFrame) -> dict[str, str]:
    """How each session reads in the picker: chair, patient and what blocks its signature."""
    return {
        row.session_id: f"{row.chair} · {row.patient_id} · {row.session_id} · "
        + (f"missing {', '.join(row.missing)}" if row.missing else "ready to sign")
        for row in queue.itertuples()
    }


def queue_table(queue: pd.DataFrame, timezone: str) -> None:
    if queue.empty:
        st.info("Nothing to sign: every discharged or ended session is signed.", icon=":material/task_alt:")
        return
    shown = local_times(queue, timezone, ("started_at", "ended_at", "discharged_at")).assign(
        missing=queue["missing"].map(lambda m: ", ".join(m) or "nothing: ready to sign")
    )
    order = ("chair", "patient_id", "session_id", "started_at", "discharged_at", "ended_at", "end_reason",
             "missing")  # fmt: skip
    st.dataframe(shown, hide_index=True, width="stretch", column_order=order, column_config={
        "chair": "Chair", "patient_id": "Patient", "session_id": "Session",
        "started_at": st.column_config.DatetimeColumn("Checked in", format=_TIME),
        "discharged_at": st.column_config.DatetimeColumn("Discharged", format=_TIME),
        "ended_at": st.column_config.DatetimeColumn("Ended", format=_TIME),
        "end_reason": st.column_config.TextColumn("Ended without discharge because", width="medium"),
        "missing": st.column_config.TextColumn("Missing to sign", width="medium"),
    }, placeholder=MISSING)  # fmt: skip


def how_it_ended(store: Store, session_id: str, row: pd.Series, timezone: str) -> None:
    """The discharge as recorded, or the reason the session ended without one."""
    discharge = store.session_discharge(session_id)
    if discharge is not None:
        at = pd.Timestamp(discharge["at"]).tz_convert(timezone)
        unmet = [c["label"] for c in discharge["criteria"] if c["state"] != "met"]
        text = f"Discharged at {at:%H:%M} by {discharge['user']}"
        text += (
            f"; not met: {'; '.join(unmet)} (reason: {discharge['reason']})"
            if unmet
            else "; all criteria met"
        )
        st.caption(plain(text))
    elif isinstance(row["end_reason"], str):
        st.caption(plain(f"Ended without a discharge: {row['end_reason']}"))


def signed_table(signed: pd.DataFrame, timezone: str) -> None:
    if signed.empty:
        st.caption("No session is signed yet.")
        return
    st.dataframe(
        local_times(signed, timezone, ("started_at", "signed_at")),
        hide_index=True,
        width="stretch",
        column_config={
            "session_id": "Session", "patient_id": "Patient", "chair": "Chair", "signed_by": "Signed by",
            "started_at": st.column_config.DatetimeColumn("Checked in", format=_TIME),
            "signed_at": st.column_config.DatetimeColumn("Signed", format=_TIME),
        },
        placeholder=MISSING,
    )  # fmt: skip


def addendum_form(store: Store, signed: pd.DataFrame, user: Actor) -> None:
    """A note added to a signed session with its reason, recorded once per submission."""
    if not identity.allowed(user, "entry"):
        return
    with st.form("addendum", border=False):
        session_id = st.selectbox("Signed session", signed["session_id"].tolist(), key="addendum_session")
        text = st.text_area("Addendum", max_chars=2000, key="addendum_text")
        reason = st.text_input("Reason for the addendum (required)", max_chars=300, key="addendum_reason")
        if st.form_submit_button("Add addendum", type="primary"):
            try:
                store.add_addendum(session_id, text, reason, user=user, entry_id=entry_id("addendum"))
            except EntryError as error:
                st.error(plain(error), icon=":material/error:")
                return
            recorded("addendum", "Addendum added")
