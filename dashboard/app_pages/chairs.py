"""Chairs: a tile per live session, most urgent first, refreshed every few seconds; then each
free chair of the clinic with its check-in form. With ``?view=wall`` the wall screen instead:
every live chair in one window, no sidebar, no forms (``ui.wall_view``)."""

from __future__ import annotations

import streamlit as st

from dashboard.core.live.overview import chair_facts
from dashboard.ui import chair_forms, chair_tiles, data, identity, live, wall_view

LIVE_SESSION_PAGE = "app_pages/live_session.py"
FREE_SHOWN = "free_chairs_shown"  # the free chairs drawn by the last full run


def open_chair(session_id: str) -> None:
    st.session_state[live.SELECTED] = session_id
    st.switch_page(LIVE_SESSION_PAGE)


def checked_in(session_id: str) -> None:
    st.session_state[live.SELECTED] = session_id
    st.rerun()  # the chair is busy now: its tile joins the live ones


wall = wall_view.requested()
if wall:
    wall_view.page_style()
else:
    st.title("Chairs")
chair_tiles.style()
every = live.REFRESH_S if wall else live.refresh_every()  # a wall screen always refreshes
timezone = data.load_settings().timezone
store = live.store()
chairs = store.chairs()
free = chair_forms.free_chairs(chairs)
st.session_state[FREE_SHOWN] = free["chair"].tolist()


@st.fragment(run_every=every)
def overview() -> None:
    snap = live.snapshot()
    if wall:
        wall_view.board(snap, timezone, every, chair_forms.free_chairs(store.chairs())["chair"].tolist())
        return
    live.last_updated(snap, timezone, every)
    if chair_forms.free_chairs(store.chairs())["chair"].tolist() != st.session_state[FREE_SHOWN]:
        st.rerun(scope="app")  # a chair was taken or freed elsewhere: redraw the free tiles too
    live.unassigned_monitors(snap.unassigned_monitors, timezone)
    if snap.sessions.empty:
        if free.empty:
            live.no_session_live()
        return
    facts = chair_facts(snap.sessions, snap.vitals, snap.events, snap.open_alerts, snap.clocks, snap.protocol,
                        snap.device_alarms)  # fmt: skip
    live.toast_new_high_alerts(snap, facts.set_index("session_id")["chair"])
    chair_tiles.show(facts, snap.open_alerts, snap.device_alarms, timezone, on_open=open_chair)


overview()
if wall:
    st.stop()  # the wall shows the board only: check-in is on a screen with the forms
if not free.empty:
    user = identity.current_actor()
    if user is None:
        st.caption("To check a patient in on a free chair, say who you are:")
        identity.ask()
    chair_forms.free_tiles(store, free, user, on_checked_in=checked_in)
elif chairs.empty:
    st.caption("No chair of the clinic is set up: add them on Clinic setup.")
