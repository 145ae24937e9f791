"""Analysis: a loaded dataset -> baselines, alert episodes, per-session summaries and cohort figures.

Modules in the order the figures are derived:

- ``protocol``: the alert protocol (TOML rules, limits, cadence, per-patient overrides), validated
- ``session_arrays``: vitals as per-session numpy arrays, built once and shared by what follows
- ``baseline``: each session's pre-infusion baseline
- ``episodes``: runs and latched episodes over many sessions in whole-array numpy
- ``alerts``: alert episodes per rule, technical alerts, and each episode's stable identity
- ``summaries``: one row per session (baseline, peaks, alert counts, side effects)
- ``cohort``: aggregates an analyst compares with the literature, and one patient's course
- ``pipeline``: the one path dataset -> alerts -> summary, shared by the CLI and the app
"""

from dashboard.core.analysis.alerts import alert_counts, alert_keys, detect_alerts, still_sounding
from dashboard.core.analysis.baseline import session_baselines
from dashboard.core.analysis.pipeline import Analysis, analyse, compare_protocols
from dashboard.core.analysis.protocol import Protocol, ProtocolError, load_protocol
from dashboard.core.analysis.summaries import summarize_sessions

__all__ = [
    "Analysis",
    "Protocol",
    "ProtocolError",
    "alert_counts",
    "alert_keys",
    "analyse",
    "compare_protocols",
    "detect_alerts",
    "load_protocol",
    "session_baselines",
    "still_sounding",
    "summarize_sessions",
]
