"""The one path from a loaded dataset to alerts and summaries, shared by the CLI and the app.

Keeping it in one function means the command line, the review page and the what-if page can
never compute a session's alerts two different ways.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.core.analysis.alerts import alert_counts, detect_alerts
from dashboard.core.analysis.baseline import session_baselines
from dashboard.core.analysis.protocol import Protocol
from dashboard.core.analysis.session_arrays import session_arrays
from dashboard.core.analysis.summaries import SUMMARY_BASELINES, summarize_sessions
from dashboard.core.model import Dataset


@dataclass(frozen=True)
class Analysis:
    """A dataset with the alert episodes and per-session summary computed under one protocol."""

    dataset: Dataset
    protocol: Protocol
    alerts: pd.DataFrame
    summary: pd.DataFrame


def analyse(dataset: Dataset, protocol: Protocol) -> Analysis:
    """Alert episodes and the per-session summary of ``dataset`` under ``protocol``."""
    rows = session_arrays(dataset.vitals)
    rising = [rule.vital for rule in protocol.rules if rule.direction == "rise"]
    needed = sorted({*SUMMARY_BASELINES, *rising})  # not all six: each is a median over many rows
    baselines = session_baselines(rows, dataset.sessions, protocol.baseline.window_min, needed)
    alerts = detect_alerts(rows, dataset.sessions, protocol, baselines=baselines)
    summary = summarize_sessions(dataset, alerts, protocol, baselines, rows)
    return Analysis(dataset=dataset, protocol=protocol, alerts=alerts, summary=summary)


def compare_protocols(analysis: Analysis, edited: Protocol) -> pd.DataFrame:
    """Alerts per session under the analysis' protocol and an edited one, side by side.

    This is the alarm-burden trade-off an analyst weighs before moving a threshold: one row
    per session, ``<count>_current`` / ``<count>_edited`` and their ``<count>_change``. The
    current side reuses the analysis' alerts, so only the edited protocol is run.
    """
    sessions = analysis.dataset.sessions["session_id"]
    dataset = analysis.dataset
    current = alert_counts(analysis.alerts, sessions)
    changed = alert_counts(detect_alerts(dataset.vitals, dataset.sessions, edited), sessions)
    table = pd.concat({"current": current, "edited": changed, "change": changed - current}, axis=1)
    table.columns = [f"{count}_{label}" for label, count in table.columns]
    return table.rename_axis("session_id").reset_index()
