"""Where the review's sessions come from: the clinic's records (opened first when the store holds
any), uploaded files or the sample data; for the clinic's records, the days the sessions started
on and a reload once newer entries are in the store."""

from __future__ import annotations

import streamlit as st

from dashboard.ui import data

_WIDGET = "w_review_source"


def pick(timezone: str) -> None:
    """The source choice (shown when there is more than one) and the clinic records' days."""
    there = data.sources()
    chosen = data.source()
    if len(there) > 1:
        # Keyed by the source in use, so an upload (which switches it) shows a new choice. Not set
        # through session_state on every run: a run still going when the user clicked would set it
        # back, and the click would be lost (the choice jumped back to the clinic's records).
        key = f"{_WIDGET}_{chosen}"
        st.radio("Sessions from", there, index=there.index(chosen), horizontal=True, key=key,
                 on_change=lambda: data.choose(st.session_state[key]))  # fmt: skip
    if chosen == data.CLINIC:
        _record_days(timezone)


def _record_days(timezone: str) -> None:
    span = data.record_span(timezone)
    if span is None:
        return
    first, last = st.session_state.get(data.RECORD_DATES) or span
    left, right = st.columns([2, 3])
    picked = left.date_input(
        f"Read from the store: sessions started ({timezone})",
        value=(max(first, span[0]), min(last, span[1])),
        min_value=span[0],
        max_value=span[1],
        key=f"w_record_days_{span[0]}_{span[1]}",  # a new span (a new day's sessions) resets the range
    )
    if len(picked) == 2 and tuple(picked) != (first, last):
        st.session_state[data.RECORD_DATES] = tuple(picked)
        st.rerun()
    if data.record_is_stale():
        right.button("Newer entries are in the store: reload", icon=":material/refresh:",
                     on_click=data.reload_records)  # fmt: skip
