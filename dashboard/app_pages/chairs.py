"""Chairs: a tile per live session, most urgent first, refreshed every few seconds."""

from __future__ import annotations

import streamlit as st

from dashboard.core.live.overview import chair_facts
from dashboard.ui import chair_tiles, data, live

LIVE_SESSION_PAGE = "app_pages/live_session.py"


def open_chair(session_id: str) -> None:
    st.session_state[live.SELECTED] = session_id
    st.switch_page(LIVE_SESSION_PAGE)


st.title("Chairs")
chair_tiles.style()
every = live.refresh_every()
timezone = data.load_settings().timezone


@st.fragment(run_every=every)
def overview() -> None:
    snap = live.snapshot()
    live.last_updated(snap, timezone, every)
    live.unassigned_monitors(snap.unassigned_monitors, timezone)
    if snap.sessions.empty:
        live.no_session_live()
        return
    facts = chair_facts(snap.sessions, snap.vitals, snap.events, snap.open_alerts, snap.clocks, snap.protocol,
                        snap.device_alarms)  # fmt: skip
    live.toast_new_high_alerts(snap, facts.set_index("session_id")["chair"])
    chair_tiles.show(facts, snap.open_alerts, snap.device_alarms, timezone, on_open=open_chair)


overview()
