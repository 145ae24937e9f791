"""Tables of the audit page: who did what and when, every version of an entry, protocol changes.

All user text (names, notes, reasons) is shown in ``st.dataframe`` cells, never as HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.ui.components import MISSING, local_times

_TIME = "YYYY-MM-DD HH:mm:ss"


def log_table(log: pd.DataFrame, history: pd.DataFrame | None, timezone: str) -> None:
    """The audit log, newest first; with one session's ``history``, each entry's name beside it."""
    shown = local_times(log, timezone, ("at",)).iloc[::-1]
    if history is not None:
        shown = shown.assign(entry=shown["entity_id"].map(history.set_index("id")["event"]))
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(shown), 500),
        column_order=("at", "user", "action", "session_id", "entry", "detail", "entity_id"),
        column_config={
            "at": st.column_config.DatetimeColumn("When", format=_TIME),
            "user": "Who",
            "action": "Action",
            "session_id": "Session",
            "entry": "Entry",
            "detail": st.column_config.TextColumn("Detail / reason", width="large"),
            "entity_id": st.column_config.TextColumn("Record id", width="small"),
        },
        placeholder=MISSING,
    )


def history_table(history: pd.DataFrame, timezone: str) -> None:
    shown = local_times(history, timezone, ("timestamp", "entered_at")).sort_values("entered_at")
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_order=(
            "entered_at",
            "user",
            "timestamp",
            "event",
            "severity",
            "scale",
            "score",
            "note",
            "amends",
            "reason",
            "retracted",
            "id",
        ),  # fmt: skip
        column_config={
            "entered_at": st.column_config.DatetimeColumn("Entered", format=_TIME),
            "user": "By",
            "timestamp": st.column_config.DatetimeColumn("Event time", format=_TIME),
            "event": "Entry",
            "severity": "Severity",
            "scale": "Scale",
            "score": st.column_config.NumberColumn("Score", format="%g"),
            "note": st.column_config.TextColumn("Note", width="medium"),
            "amends": st.column_config.TextColumn("Corrects entry", help="id of the entry this one corrects"),
            "reason": st.column_config.TextColumn("Reason for correction", width="medium"),
            "retracted": st.column_config.CheckboxColumn("Withdrawn"),
            "id": st.column_config.TextColumn("Entry id", width="small"),
        },
        placeholder=MISSING,
    )


def protocol_table(changes: pd.DataFrame, timezone: str) -> None:
    if changes.empty:
        st.caption("None: the shipped default protocol is in force for live monitoring.")
        return
    st.dataframe(
        local_times(changes, timezone, ("changed_at",)).iloc[::-1],
        hide_index=True,
        width="stretch",
        column_order=("changed_at", "user", "reason", "id"),
        column_config={
            "changed_at": st.column_config.DatetimeColumn("When", format=_TIME),
            "user": "Who",
            "reason": st.column_config.TextColumn("Reason", width="large"),
            "id": st.column_config.TextColumn("Change id", width="small"),
        },
        placeholder=MISSING,
    )
