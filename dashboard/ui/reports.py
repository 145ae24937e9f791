"""What Session detail offers to download: the printable report (the facts and tables a reviewer
files, around the session figure) and the session as a FHIR R4 Bundle for the EHR."""

from __future__ import annotations

import json
import re

import pandas as pd
import plotly.graph_objects as go

from dashboard.core.export import session_report_html
from dashboard.core.interop import session_bundle
from dashboard.ui.components import local_times
from dashboard.ui.data import SessionData

_ALERT_COLUMNS = ("priority", "rule", "vital", "kind", "start", "onset", "end", "peak", "limit")
_EVENT_COLUMNS = ("timestamp", "event", "category", "severity", "scale", "score", "note")
_FACTS: dict[str, tuple[str, str]] = {  # label: (summary column, unit)
    "Baseline SBP": ("baseline_sbp", "mmHg"),
    "Peak SBP": ("peak_sbp", "mmHg"),
    "Peak SBP rise": ("max_sbp_rise", "mmHg"),
    "Peak DBP": ("peak_dbp", "mmHg"),
    "Baseline HR": ("baseline_hr", "/min"),
    "Peak HR": ("peak_hr", "/min"),
    "Lowest SpO2": ("min_spo2", "%"),
    "CTCAE hypertension grade": ("max_ctcae_htn_grade", ""),
    "Technical alerts": ("alerts_technical", ""),
    "Side effects": ("side_effects", ""),
    "Interventions": ("interventions", ""),
}


def session_report(view: SessionData, figure: go.Figure, timezone: str) -> str:
    """The report as one HTML page (escaping is done by ``session_report_html``)."""
    session, summary = view.session, view.summary
    facts: dict[str, object] = {
        "Session": session.get("session_id"),
        "Patient": session.get("patient_id"),
        "Chair": session.get("chair"),
        "Indication": session.get("indication"),
        "Infusion": _when(session.get("infusion_start"), session.get("infusion_end"), timezone),
    }
    for label, (column, unit) in _FACTS.items():
        facts[label] = _fact(summary, column, unit)
    facts["High / medium / low alerts"] = " / ".join(
        str(int(summary.get(f"alerts_{p}", 0) or 0)) for p in ("high", "medium", "low")
    )
    alerts = local_times(view.alerts, timezone, ("start", "onset", "end"))
    events = local_times(view.events, timezone, ("timestamp",))
    return session_report_html(
        title=f"Session {session.get('session_id')}",
        facts=facts,
        figure=figure,
        tables={
            "Alert episodes": alerts[
                ["priority", "rule", "vital", "kind", "start", "onset", "end", "peak", "limit"]
            ],
            "Event log": events[["timestamp", "event", "category", "severity", "scale", "score", "note"]],
            "Artifacts (excluded from alerting)": local_times(view.artifacts, timezone, ("timestamp",)),
        },
    )


def fhir_bundle(view: SessionData) -> str:
    """The session as a validated FHIR R4 transaction Bundle, JSON (the same as ``export --format fhir``)."""
    session = view.session
    patient = session.get("patient_id")
    patient = None if patient is None or pd.isna(patient) else str(patient)
    bundle = session_bundle(
        view.vitals, view.events, str(session.get("session_id")), patient, session=session.to_dict()
    )
    return json.dumps(bundle, indent=2, ensure_ascii=False)


def file_name(session_id: str, suffix: str = ".html") -> str:
    """A download name that no session id can turn into a path or a hidden file."""
    return "session_" + re.sub(r"[^A-Za-z0-9_-]+", "_", str(session_id)) + suffix


def _fact(summary: pd.Series, column: str, unit: str) -> object:
    value = summary.get(column)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return value or "none"
    return f"{value:.0f} {unit}".strip()


def _when(start: object, end: object, timezone: str) -> str | None:
    if start is None or pd.isna(start):
        return None
    text = pd.Timestamp(start).tz_convert(timezone).strftime("%Y-%m-%d %H:%M")
    if end is not None and not pd.isna(end):
        text += pd.Timestamp(end).tz_convert(timezone).strftime(" – %H:%M")
    return f"{text} ({timezone})"
