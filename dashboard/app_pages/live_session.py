"""Live session: one chair's chart and open alerts, updating; the entries staff record for it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core.analysis.baseline import session_baselines
from dashboard.core.charts import session_figure
from dashboard.core.live.discharge import evaluate_discharge
from dashboard.core.live.overview import alert_history, chair_facts, infusion_state
from dashboard.core.live.start_check import missing_readings, pre_infusion_values, start_limit_breaches
from dashboard.core.roles import Actor
from dashboard.ui import chair_tiles, data, discharge_view, identity, live, live_forms, plan_form, tables

st.title("Live session")
chair_tiles.style()
store = live.store()
sessions = store.active_sessions()
if sessions.empty:
    live.no_session_live()
    st.stop()

ids = sessions["session_id"].tolist()
names = dict(
    zip(ids, sessions["chair"].fillna("No chair") + " · " + sessions["patient_id"].fillna("–"), strict=True)
)
chosen = st.session_state.get(live.SELECTED)
session_id = st.selectbox(
    "Chair", ids, index=ids.index(chosen) if chosen in ids else 0, format_func=names.get, key="live_picker"
)
st.session_state[live.SELECTED] = session_id
every = live.refresh_every()
timezone = data.load_settings().timezone


@st.fragment(run_every=every)
def monitor() -> None:
    snap = live.snapshot()
    live.last_updated(snap, timezone, every)
    if session_id not in snap.clocks.index:
        st.info("This session has ended; it is no longer live.")
        return
    mine = snap.sessions["session_id"] == session_id
    (device_alarms,) = _rows(snap.device_alarms)
    facts = chair_facts(snap.sessions.loc[mine], *_rows(snap.vitals, snap.events, snap.open_alerts),
                        snap.clocks, snap.protocol, device_alarms)  # fmt: skip
    live.toast_new_high_alerts(snap, snap.sessions.set_index("session_id")["chair"])
    vitals, events, alerts = _rows(snap.vitals, snap.events, snap.alerts)
    chair_tiles.show(facts, _rows(snap.open_alerts)[0], device_alarms, timezone, on_open=None)
    session = snap.sessions.loc[mine].iloc[0]
    baseline = session_baselines(vitals, snap.sessions.loc[mine], snap.protocol.baseline.window_min)
    rules = pd.DataFrame(
        [rule.model_dump() for rule in snap.protocol.rules_for(_or_none(session["patient_id"]))]
    )
    figure = session_figure(
        vitals,
        rules=rules,
        session=session.to_dict(),
        baseline=baseline.iloc[0].to_dict() if len(baseline) else None,
        alerts=alerts,
        events=events,
        hand_charted=store.hand_charted_times(session_id),
        tz=timezone,
    )
    figure.update_layout(uirevision=session_id)  # keep the user's zoom across refreshes
    st.plotly_chart(figure, theme=None, width="stretch", key="live_chart", config={"displaylogo": False})
    st.subheader("Open alerts")
    live.open_alerts_table(_rows(snap.open_alerts)[0], timezone)
    st.subheader("Alert history, with the monitor's own alarms")
    tables.alert_history_table(alert_history(alerts, store.device_alarm_reports(session_id)), timezone)
    st.subheader(f"Entries ({int((events['category'] != 'infusion_marker').sum())})")
    live_forms.events_table(events, timezone)


@st.fragment(run_every=every)
def recovery(user: Actor) -> None:
    """After the infusion stops: the discharge checklist filling in from the data, then sign-off."""
    snap = live.snapshot()
    mine = snap.sessions["session_id"] == session_id
    if not mine.any():
        return
    vitals, events = _rows(snap.vitals, snap.events)
    baseline = session_baselines(vitals, snap.sessions.loc[mine], snap.protocol.baseline.window_min)
    now = snap.clocks.get(session_id, snap.wall_now)
    check = evaluate_discharge(vitals, events, baseline.iloc[0].to_dict() if len(baseline) else {},
                               snap.protocol.discharge, now, timezone)  # fmt: skip
    if check is None:
        return
    st.subheader("Recovery and discharge")
    discharge_view.recovery_and_discharge(store, session_id, check, user, timezone)


def _rows(*frames: pd.DataFrame) -> list[pd.DataFrame]:
    return [frame.loc[frame["session_id"] == session_id] for frame in frames]


def _or_none(value: object) -> object:
    return None if pd.isna(value) else value


monitor()

st.header("Record")
user = identity.ask()
if user is not None:
    events = store.session_events(session_id)
    session_row = sessions.set_index("session_id").loc[[session_id]]
    clock = pd.Series(pd.Timestamp.now(tz="UTC"), index=session_row.index)
    state = infusion_state(session_row, events, clock).iloc[0]
    snap = live.snapshot()
    values = pre_infusion_values(snap.vitals, session_id, pd.Timestamp.now(tz="UTC"), snap.protocol)
    limits = snap.protocol.start_for(_or_none(session_row["patient_id"].iloc[0]))
    start_problems = start_limit_breaches(values, limits) + [
        f"no {name} reading in the last {snap.protocol.baseline.window_min:g} min"
        for name in missing_readings(values, limits)
    ]
    live_forms.infusion_controls(store, session_id, state, user, start_problems)
    recovery(user)
    st.subheader("Chart vitals by hand")
    live_forms.chart_vitals(store, session_id, user, timezone)
    st.subheader("Log a side effect, intervention or note")
    live_forms.log_entry(store, session_id, user, timezone)
    st.subheader("Acknowledge an alert")
    open_now = snap.open_alerts
    live_forms.acknowledge(store, open_now.loc[open_now["session_id"] == session_id], user)
    with st.expander("Correct or withdraw an entry", icon=":material/edit_note:"):
        live_forms.correct(store, events, user, timezone)
    with st.expander("Dose plan", icon=":material/vaccines:"):
        plan_form.dose_plan_form(store, session_id, user, key="live")
    with st.expander("End this session", icon=":material/logout:"):
        discharged = store.session_discharge(session_id) is not None
        live_forms.end_session(store, session_id, user, discharged=discharged)
