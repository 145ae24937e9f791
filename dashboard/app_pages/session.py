"""Session detail: one session's chart, key numbers, alert episodes, events and a printable report;
for the clinic's records also the readings charted by hand (open diamonds) and the monitor's alarms."""

from __future__ import annotations

import streamlit as st

from dashboard.core.charts import session_figure
from dashboard.core.live.overview import alert_history
from dashboard.ui import components, data, identity, live, reports, tables

current = data.current()
summary = current.analysis.summary
st.title("Session detail")
if summary.empty:
    st.info("No session is loaded. Load files on the Review page.")
    st.stop()

ids = summary["session_id"].tolist()
chosen = st.session_state.get(data.SELECTED)
session_id = st.selectbox(
    "Session", ids, index=ids.index(chosen) if chosen in ids else 0, key="session_picker"
)
st.session_state[data.SELECTED] = session_id
view = data.session_data(current, session_id)
from_store = data.source() == data.CLINIC  # the clinic's records: hand charting and monitor alarms too
st.caption(components.session_caption(view, current.timezone))

components.session_metrics(view.summary)
figure = session_figure(
    view.vitals,
    rules=view.rules,
    session=view.session.to_dict(),
    baseline=components.baseline_of(view.summary),
    alerts=view.alerts,
    events=view.events,
    artifacts=view.artifacts,
    hand_charted=live.store().hand_charted_times(session_id) if from_store else None,
    tz=current.timezone,
)
st.plotly_chart(figure, theme=None, width="stretch", key="session_chart", config={"displaylogo": False})

st.subheader(f"Alert episodes ({len(view.alerts)})")
tables.alerts_table(view.alerts, current.timezone)
monitor_alarms = live.store().device_alarm_reports(session_id) if from_store else None
if monitor_alarms is not None and len(monitor_alarms):
    st.subheader("Alert history, with the monitor's own alarms")
    tables.alert_history_table(alert_history(view.alerts, monitor_alarms), current.timezone)
st.subheader(f"Event log ({len(view.events)})")
tables.events_table(view.events, current.timezone)
if len(view.artifacts):
    with st.expander(
        f"Artifacts: {len(view.artifacts)} values refused as impossible (shown hollow, not alerted)"
    ):
        st.dataframe(
            components.local_times(view.artifacts, current.timezone, ("timestamp",)),
            hide_index=True,
            placeholder=components.MISSING,
        )

report, bundle = st.columns(2)
if identity.allowed(identity.viewer(), "export_identifiable"):
    report.download_button(
        "Download printable report (HTML)",
        data=lambda: reports.session_report(view, figure, current.timezone),
        file_name=reports.file_name(session_id),
        mime="text/html",
        icon=":material/print:",
        on_click="ignore",
    )
    bundle.download_button(
        "Download for the EHR (FHIR R4 Bundle, JSON)",
        data=lambda: reports.fhir_bundle(view),
        file_name=reports.file_name(session_id, ".json"),
        mime="application/fhir+json",
        icon=":material/local_hospital:",
        on_click="ignore",
    )
