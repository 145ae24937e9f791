"""Cohort aggregates an analyst compares with the literature: side-effect incidence, BP rise,
alarm burden, and one patient's course.

All functions take the per-session summary (``summaries.summarize_sessions``) or the canonical
frames, so every figure can be traced back to sessions the analyst can open.
"""

from __future__ import annotations

import pandas as pd

from dashboard.core.analysis.summaries import worst_side_effects
from dashboard.core.model import PRIORITIES, SEVERITIES

_QUANTILES: dict[str, float] = {"p05": 0.05, "p25": 0.25, "median": 0.5, "p75": 0.75, "p95": 0.95}
_COURSE_COLUMNS: tuple[str, ...] = (
    "infusion_number",
    "session_id",
    "start",
    "baseline_sbp",
    "peak_sbp",
    "peak_dbp",
    "max_sbp_rise",
    "max_ctcae_htn_grade",
    "alerts_high",
    "alerts_medium",
    "alerts_low",
    "alerts_technical",
    "side_effects",
    "interventions",
)


def side_effect_incidence(events: pd.DataFrame, sessions: pd.DataFrame) -> pd.DataFrame:
    """Share of sessions with each side effect, split by the worst severity charted in the session.

    The denominator is every session known from ``sessions`` or ``events``, so sessions without
    any side effect count. One row per side effect (most frequent first): ``sessions`` (count),
    ``share``, and ``mild``/``moderate``/``severe``/``unspecified`` (shares; they add up to
    ``share``) — comparable with published incidences (e.g. drowsiness 56 %, nausea 13 %).
    """
    n_sessions = pd.concat([sessions["session_id"], events["session_id"]]).nunique()
    worst = worst_side_effects(events)
    counts = pd.crosstab(worst["event"], worst["severity"].fillna("unspecified"))
    counts = counts.reindex(columns=[*SEVERITIES, "unspecified"], fill_value=0)
    table = pd.DataFrame({"sessions": counts.sum(axis=1)})
    table["share"] = table["sessions"] / n_sessions
    table[list(counts.columns)] = counts / n_sessions
    table = table.rename_axis("side_effect").reset_index()
    return table.sort_values(["share", "side_effect"], ascending=[False, True], ignore_index=True)


def peak_rise_distribution(summary: pd.DataFrame) -> pd.DataFrame:
    """Distribution of the peak SBP and DBP rise from baseline and of the time to the SBP peak.

    Rows are statistics (n, mean, sd, min, p05, p25, median, p75, p95, max), columns the three
    measures, to set beside published figures (mean rise +16 / +11 mmHg, peak at ~40 min).
    """
    measures = summary[["max_sbp_rise", "max_dbp_rise", "time_to_peak_sbp_min"]].astype(float)
    rows = {
        "n": measures.count(),
        "mean": measures.mean(),
        "sd": measures.std(),
        "min": measures.min(),
        **{name: measures.quantile(q) for name, q in _QUANTILES.items()},
        "max": measures.max(),
    }
    return pd.DataFrame(rows).T.rename_axis("statistic")


def alert_burden(summary: pd.DataFrame) -> pd.DataFrame:
    """Alerts per session by priority (physiological) and for technical alerts.

    One row per priority plus ``technical``: ``total`` episodes, ``sessions_with_any``, their
    ``share`` of sessions, and the distribution of the per-session count (mean, median, p90, max).
    """
    kinds = [*PRIORITIES, "technical"]
    counts = summary[[f"alerts_{kind}" for kind in kinds]].astype(float)
    counts.columns = kinds
    table = pd.DataFrame(
        {
            "total": counts.sum(),
            "sessions_with_any": (counts > 0).sum(),
            "share": (counts > 0).mean(),
            "mean": counts.mean(),
            "median": counts.median(),
            "p90": counts.quantile(0.9),
            "max": counts.max(),
        }
    )
    return table.rename_axis("priority").reset_index()


def patient_course(summary: pd.DataFrame, patient_id: str) -> pd.DataFrame:
    """One patient's infusions 1..N: BP peak and rise, alerts and side effects per infusion.

    Empty (same columns) when the patient has no session in the summary.
    """
    course = summary.loc[summary["patient_id"] == patient_id, list(_COURSE_COLUMNS)]
    return course.sort_values(["infusion_number", "start"], kind="stable", ignore_index=True)
