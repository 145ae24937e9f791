"""The cohort figures: what an analyst sees across sessions, checked on the figure object."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.core import charts


def _shapes(fig, prefix: str) -> list:
    return [s for s in fig.layout.shapes if (s.name or "").startswith(prefix)]


def _trace(fig, name: str):
    return next(t for t in fig.data if t.name == name)


def _summary(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=[
            "session_id",
            "infusion_number",
            "max_sbp_rise",
            "alerts_high",
            "alerts_medium",
            "alerts_low",
        ],
    )


def test_burden_comparison_totals_each_priority_under_both_protocols():
    comparison = pd.DataFrame(
        {
            "session_id": ["A", "B"],
            **{f"alerts_{p}_current": [1, 2] for p in ("high", "medium", "low", "technical")},
            **{f"alerts_{p}_edited": [0, 5] for p in ("high", "medium", "low", "technical")},
        }
    )
    fig = charts.burden_comparison_figure(comparison)
    current, edited = fig.data
    assert list(current.x) == ["High", "Medium", "Low", "Technical"]
    assert list(current.y) == [3, 3, 3, 3] and list(edited.y) == [5, 5, 5, 5]
    assert current.marker.color[0] == charts.PRIORITY_COLOURS["high"]


def test_peak_rise_histogram_marks_the_protocols_rise_limit():
    fig = charts.peak_rise_figure(pd.Series([5.0, 12.0, 31.0, np.nan]), rise_limit=25)
    assert len(fig.data[0].x) == 3  # one value per session with a rise
    assert [s.x0 for s in _shapes(fig, "limit:rise")] == [25]


def test_alert_burden_counts_sessions_by_alerts_and_worst_priority():
    summary = _summary(
        [("A", 1, 0, 0, 0, 0), ("B", 1, 0, 1, 2, 0), ("C", 1, 0, 0, 3, 0), ("D", 1, 0, 0, 0, 0)]
    )
    fig = charts.alert_burden_figure(summary)
    bars = {t.name: dict(zip(t.x, t.y, strict=True)) for t in fig.data}
    assert bars["No alert"] == {0: 2, 3: 0}
    assert bars["Worst: high"][3] == 1 and bars["Worst: medium"][3] == 1
    assert sum(sum(b.values()) for b in bars.values()) == 4  # every session counted once


def test_side_effect_bars_are_percent_of_sessions_by_severity():
    incidence = pd.DataFrame(
        {"side_effect": ["nausea"], "sessions": [3], "share": [0.3], "mild": [0.2], "moderate": [0.1],
         "severe": [0.0], "unspecified": [0.0]}
    )  # fmt: skip
    fig = charts.side_effect_figure(incidence)
    shares = {t.name: float(t.x[0]) for t in fig.data}
    assert shares == pytest.approx({"mild": 20.0, "moderate": 10.0, "severe": 0.0, "unspecified": 0.0})


def test_patient_course_plots_each_infusion_and_escapes_text():
    course = pd.DataFrame(
        {
            "infusion_number": [1, 2],
            "session_id": ["P1-S1", "P1-<b>S2</b>"],
            "baseline_sbp": [120.0, 122.0],
            "peak_sbp": [150.0, 165.0],
            "alerts_high": [0, 1],
            "alerts_medium": [1, 2],
            "alerts_low": [0, 0],
            "side_effects": ["nausea (mild); dizziness (mild)", ""],
        }
    )
    fig = charts.patient_course_figure(course, "P1")
    peak = _trace(fig, "Peak SBP")
    assert list(peak.x) == [1, 2] and list(peak.y) == [150, 165]
    assert "&lt;b&gt;" in peak.customdata[1]
    assert list(_trace(fig, "side effects").y) == [2, 0]
