"""Audit log: every entry, correction, acknowledgement, protocol change and session start or end,
with who made it and when. Entries are append-only, so this is the whole history."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import audit_view, components, data, live

ALL = "All sessions"

st.title("Audit log")
store = live.store()
log = store.audit_log()
timezone = data.load_settings().timezone
if log.empty:
    st.info("Nothing has been recorded yet. Entries appear here as staff and feeds record them.")
    st.stop()

sessions = [ALL, *sorted(log["session_id"].dropna().unique())]
chosen = st.session_state.get(live.SELECTED)
left, middle, right = st.columns([2, 2, 3])
session_id = left.selectbox("Session", sessions, index=sessions.index(chosen) if chosen in sessions else 0)
users = middle.multiselect("Entered by", sorted(log["user"].unique()))
actions = right.multiselect("Action", sorted(log["action"].unique()))

shown = log if session_id == ALL else log.loc[log["session_id"] == session_id]
if users:
    shown = shown.loc[shown["user"].isin(users)]
if actions:
    shown = shown.loc[shown["action"].isin(actions)]
history = None if session_id == ALL else store.session_events(session_id, history=True)
st.caption(f"{len(shown)} of {len(log)} actions, newest first. Times in {timezone}.")
audit_view.log_table(shown, history, timezone)
components.csv_download(st, "Audit log (CSV)", shown, "audit_log.csv")

if history is not None:
    st.subheader("Every version of this session's entries")
    st.caption("A correction is a new entry linked to the one it corrects; nothing is overwritten.")
    audit_view.history_table(history, timezone)

st.subheader("Protocol changes")
audit_view.protocol_table(store.protocol_changes(), timezone)
