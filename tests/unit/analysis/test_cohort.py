"""Cohort aggregates as an analyst sets them beside the literature, on small explicit frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.core.analysis.cohort import (
    alert_burden,
    patient_course,
    peak_rise_distribution,
    side_effect_incidence,
)
from tests.factories import events_frame, sessions_frame

T0 = pd.Timestamp("2026-03-02T09:00:00Z")


def _events(*rows: tuple[str, str, str, str | None]) -> pd.DataFrame:
    """Events at T0 from (session_id, event, category, severity)."""
    names = ("session_id", "event", "category", "severity")
    return events_frame(*({**dict(zip(names, row, strict=True)), "timestamp": T0} for row in rows))


def _summary(**columns: list) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    defaults = {f"alerts_{kind}": [0] * n for kind in ("high", "medium", "low", "technical")}
    return pd.DataFrame({**defaults, **columns})


def test_incidence_counts_each_session_once_at_its_worst_severity() -> None:
    events = _events(
        ("S1", "nausea", "side_effect", "mild"),
        ("S1", "nausea", "side_effect", "moderate"),
        ("S2", "nausea", "side_effect", "mild"),
        ("S2", "dissociation", "side_effect", "severe"),
        ("S3", "ondansetron", "intervention", None),
    )
    table = side_effect_incidence(events, sessions_frame("S1", "S2", "S3", "S4")).set_index("side_effect")
    assert table.loc["nausea", "sessions"] == 2
    assert table.loc["nausea", "share"] == 0.5  # sessions without side effects count in the denominator
    assert table.loc["nausea", ["mild", "moderate", "severe"]].tolist() == [0.25, 0.25, 0.0]
    assert table.loc["dissociation", "severe"] == 0.25
    assert "ondansetron" not in table.index


def test_incidence_keeps_side_effects_charted_without_severity() -> None:
    events = _events(("S1", "headache", "side_effect", None))
    table = side_effect_incidence(events, sessions_frame("S1", "S2")).set_index("side_effect")
    assert table.loc["headache", "unspecified"] == 0.5
    assert table.loc["headache", "share"] == 0.5


def test_incidence_lists_the_most_frequent_side_effect_first() -> None:
    events = _events(
        ("S1", "nausea", "side_effect", "mild"),
        ("S1", "drowsiness", "side_effect", "mild"),
        ("S2", "drowsiness", "side_effect", "mild"),
    )
    table = side_effect_incidence(events, sessions_frame("S1", "S2"))
    assert table["side_effect"].tolist() == ["drowsiness", "nausea"]


def test_peak_rise_distribution_ignores_sessions_without_readings() -> None:
    summary = _summary(
        max_sbp_rise=[10.0, 20.0, 30.0, np.nan],
        max_dbp_rise=[5.0, 10.0, 15.0, np.nan],
        time_to_peak_sbp_min=[35.0, 40.0, 45.0, np.nan],
    )
    table = peak_rise_distribution(summary)
    assert table.loc["n"].tolist() == [3, 3, 3]
    assert table.loc["mean", "max_sbp_rise"] == 20
    assert table.loc["median", "time_to_peak_sbp_min"] == 40
    assert table.loc["sd", "max_dbp_rise"] == pytest.approx(5)
    assert (table.loc["min", "max_sbp_rise"], table.loc["max", "max_sbp_rise"]) == (10, 30)


def test_alert_burden_by_priority_with_technical_alerts_apart() -> None:
    summary = _summary(
        alerts_high=[0, 0, 1, 0],
        alerts_medium=[2, 0, 3, 1],
        alerts_low=[0, 0, 0, 0],
        alerts_technical=[1, 1, 0, 0],
    )
    table = alert_burden(summary).set_index("priority")
    assert table.index.tolist() == ["high", "medium", "low", "technical"]
    assert table.loc["medium", ["total", "sessions_with_any", "share", "mean", "max"]].tolist() == [
        6,
        3,
        0.75,
        1.5,
        3,
    ]
    assert table.loc["high", "share"] == 0.25
    assert table.loc["low", "total"] == 0


def test_patient_course_lists_that_patients_infusions_in_order() -> None:
    summary = _summary(
        session_id=["A-S2", "B-S1", "A-S1", "A-S3"],
        patient_id=["A", "B", "A", "A"],
        infusion_number=[2, 1, 1, 3],
        start=[T0 + pd.Timedelta(days=d) for d in (3, 1, 0, 7)],
        baseline_sbp=[125.0, 130.0, 124.0, 126.0],
        peak_sbp=[150.0, 140.0, 160.0, 140.0],
        peak_dbp=[95.0, 85.0, 100.0, 90.0],
        max_sbp_rise=[25.0, 10.0, 36.0, 14.0],
        max_ctcae_htn_grade=[2, 2, 3, 2],
        side_effects=["nausea (mild)", "", "dissociation (moderate)", ""],
        interventions=["", "", "", ""],
    )
    course = patient_course(summary, "A")
    assert course["session_id"].tolist() == ["A-S1", "A-S2", "A-S3"]
    assert course["max_sbp_rise"].tolist() == [36, 25, 14]
    assert {"peak_sbp", "peak_dbp", "alerts_high", "side_effects"} <= set(course.columns)


def test_patient_course_of_an_unknown_patient_is_empty_with_the_same_columns() -> None:
    summary = _summary(
        session_id=["A-S1"],
        patient_id=["A"],
        infusion_number=[1],
        start=[T0],
        baseline_sbp=[120.0],
        peak_sbp=[140.0],
        peak_dbp=[90.0],
        max_sbp_rise=[20.0],
        max_ctcae_htn_grade=[2],
        side_effects=[""],
        interventions=[""],
    )
    course = patient_course(summary, "Z")
    assert course.empty
    assert course.columns.tolist() == patient_course(summary, "A").columns.tolist()
