"""The per-session summary as a reviewer reads it: baselines, peaks, time above the caution
limit, alert counts, side effects and the CTCAE grade, on small hand-made sessions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.core.analysis.protocol import Protocol, load_protocol
from dashboard.core.analysis.summaries import ctcae_hypertension_grade, summarize_sessions
from dashboard.core.model import (
    ALERT_COLUMNS,
    Dataset,
    conform,
    empty_frame,
)
from tests.factories import events_frame, sessions_frame, vitals_frame

T0 = pd.Timestamp("2026-03-02T09:00:00Z")  # monitoring starts; the infusion starts at +15 min


def _at(minutes: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


def _vitals(
    session_id: str, cuff: dict[float, tuple[float, float]], minutes: float = 40, hr: float = 70
) -> pd.DataFrame:
    """A row every minute from 0 to ``minutes`` (HR, SpO2, RR), cuff SBP/DBP at the given minutes."""
    frame = vitals_frame(
        session_id, start=T0, periods=int(minutes) + 1, freq="min", hr=hr, spo2=98.0, rr=14.0
    )
    for minute, (sbp, dbp) in cuff.items():
        frame.loc[frame.index == minute, ["sbp", "dbp"]] = (sbp, dbp)
    return frame


def _session(session_id: str, patient_id: str = "P01", start_min: float = 15, **extra) -> dict:
    return {
        "session_id": session_id,
        "patient_id": patient_id,
        "chair": "Chair 1",
        "indication": "TRD",
        "infusion_start": _at(start_min),
        **extra,
    }


def _dataset(vitals: list[pd.DataFrame], sessions: list[dict], events: list[dict] | None = None) -> Dataset:
    return Dataset.of(
        pd.concat(vitals, ignore_index=True), events_frame(*events or []), sessions_frame(*sessions)
    )


def _alerts(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """Alert episodes from (session_id, priority, kind); the other columns do not matter here."""
    frame = pd.DataFrame(rows, columns=["session_id", "priority", "kind"]).assign(
        vital="sbp", rule="r", start=T0
    )
    return conform(frame, ALERT_COLUMNS)


NO_ALERTS = empty_frame(ALERT_COLUMNS)


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol()  # baseline window 15 min; lowest high SBP limit 160


def _one(dataset: Dataset, protocol: Protocol, alerts: pd.DataFrame = NO_ALERTS) -> pd.Series:
    summary = summarize_sessions(dataset, alerts, protocol)
    assert len(summary) == 1
    return summary.iloc[0]


def test_baseline_is_the_median_before_the_infusion_and_rise_is_peak_minus_baseline(
    protocol: Protocol,
) -> None:
    cuff = {0: (120, 80), 5: (130, 82), 10: (126, 78), 20: (140, 85), 35: (150, 95), 40: (138, 84)}
    row = _one(_dataset([_vitals("S1", cuff)], [_session("S1")]), protocol)
    assert (row["baseline_sbp"], row["baseline_dbp"]) == (126, 80)
    assert (row["peak_sbp"], row["peak_dbp"]) == (150, 95)
    assert (row["max_sbp_rise"], row["max_dbp_rise"]) == (24, 15)
    assert row["time_to_peak_sbp_min"] == 20  # reading at 35 min, infusion from 15 min
    assert row["n_readings"] == 6
    assert row["duration_min"] == 40
    assert row["start"] == _at(15)


def test_baseline_window_comes_from_the_protocol(protocol: Protocol) -> None:
    cuff = {0: (150, 90), 10: (120, 80), 14: (124, 80), 30: (140, 85)}
    narrow = protocol.model_copy(update={"baseline": protocol.baseline.model_copy(update={"window_min": 6})})
    dataset = _dataset([_vitals("S1", cuff)], [_session("S1")])
    assert _one(dataset, protocol)["baseline_sbp"] == 124  # 0, 10, 14 min: median 124
    assert _one(dataset, narrow)["baseline_sbp"] == 122  # 10, 14 min only


def test_time_above_caution_holds_each_reading_until_the_next(protocol: Protocol) -> None:
    # 165 at 20 (held 5 min), 158 at 25 (below), 170 at 30 (held to 40: 10 min): 15 min at or above 160.
    cuff = {10: (120, 80), 20: (165, 90), 25: (158, 88), 30: (170, 95), 35: (160, 92)}
    row = _one(_dataset([_vitals("S1", cuff)], [_session("S1")]), protocol)
    assert row["minutes_above_caution_sbp"] == 15


def test_last_reading_above_caution_counts_until_monitoring_ends(protocol: Protocol) -> None:
    row = _one(
        _dataset([_vitals("S1", {10: (120, 80), 32: (175, 95)}, minutes=50)], [_session("S1")]), protocol
    )
    assert row["minutes_above_caution_sbp"] == 18


def test_caution_limit_follows_the_patients_override(protocol: Protocol) -> None:
    text = protocol.to_toml() + "\n[overrides.P01]\nsbp_high_caution = 150\n"
    relaxed = load_protocol(text)
    cuff = {10: (120, 80), 20: (155, 90), 25: (130, 80)}
    dataset = _dataset(
        [_vitals("S1", cuff), _vitals("S2", cuff)], [_session("S1", "P01"), _session("S2", "P02")]
    )
    minutes = summarize_sessions(dataset, NO_ALERTS, relaxed).set_index("session_id")[
        "minutes_above_caution_sbp"
    ]
    assert minutes.to_dict() == {"S1": 5, "S2": 0}


def test_peak_hr_and_lowest_spo2(protocol: Protocol) -> None:
    vitals = _vitals("S1", {10: (120, 80)})
    vitals.loc[20, "hr"] = 96
    vitals.loc[25, "spo2"] = 93
    vitals.loc[26, "spo2"] = np.nan  # an artifact already emptied by the loader
    row = _one(_dataset([vitals], [_session("S1")]), protocol)
    assert (row["peak_hr"], row["min_spo2"], row["baseline_hr"]) == (96, 93, 70)


def test_physiological_alerts_counted_by_priority_and_technical_apart(protocol: Protocol) -> None:
    alerts = _alerts(
        ("S1", "high", "physiological"),
        ("S1", "medium", "physiological"),
        ("S1", "medium", "physiological"),
        ("S1", "medium", "technical"),  # signal loss: how well monitored, not how the patient did
        ("S1", "low", "technical"),
    )
    dataset = _dataset(
        [_vitals("S1", {10: (120, 80)}), _vitals("S2", {10: (120, 80)})], [_session("S1"), _session("S2")]
    )
    summary = summarize_sessions(dataset, alerts, protocol).set_index("session_id")
    counts = summary[["alerts_high", "alerts_medium", "alerts_low", "alerts_technical"]]
    assert counts.loc["S1"].tolist() == [1, 2, 0, 2]
    assert counts.loc["S2"].tolist() == [0, 0, 0, 0]


def test_side_effects_with_worst_severity_in_order_of_first_occurrence(protocol: Protocol) -> None:
    events = [
        {
            "session_id": "S1",
            "timestamp": _at(20),
            "event": "nausea",
            "category": "side_effect",
            "severity": "mild",
        },
        {
            "session_id": "S1",
            "timestamp": _at(22),
            "event": "dissociation",
            "category": "side_effect",
            "severity": "moderate",
        },
        {
            "session_id": "S1",
            "timestamp": _at(30),
            "event": "nausea",
            "category": "side_effect",
            "severity": "severe",
        },
        {
            "session_id": "S1",
            "timestamp": _at(31),
            "event": "headache",
            "category": "side_effect",
            "severity": None,
        },
        {"session_id": "S1", "timestamp": _at(32), "event": "ondansetron", "category": "intervention"},
        {"session_id": "S1", "timestamp": _at(33), "event": "reassurance", "category": "intervention"},
        {"session_id": "S1", "timestamp": _at(40), "event": "ondansetron", "category": "intervention"},
        {"session_id": "S1", "timestamp": _at(15), "event": "infusion_start", "category": "infusion_marker"},
    ]
    row = _one(_dataset([_vitals("S1", {10: (120, 80)})], [_session("S1")], events), protocol)
    assert row["side_effects"] == "nausea (severe); dissociation (moderate); headache"
    assert row["interventions"] == "ondansetron; reassurance"


def test_session_without_events_has_empty_lists(protocol: Protocol) -> None:
    row = _one(_dataset([_vitals("S1", {10: (120, 80)})], [_session("S1")]), protocol)
    assert (row["side_effects"], row["interventions"]) == ("", "")


@pytest.mark.parametrize(
    ("sbp", "dbp", "grade"),
    [
        (119, 79, 0),
        (120, 70, 1),
        (139, 89, 1),
        (135, 92, 2),
        (140, 60, 2),
        (161, 85, 3),
        (150, 100, 3),
        (np.nan, 101, 3),
        (np.nan, np.nan, pd.NA),
    ],
)
def test_ctcae_hypertension_grade_takes_the_worse_of_sbp_and_dbp(
    sbp: float, dbp: float, grade: object
) -> None:
    result = ctcae_hypertension_grade(pd.Series([sbp]), pd.Series([dbp]))
    assert result.dtype == "Int64"
    assert result.iloc[0] is pd.NA if grade is pd.NA else result.iloc[0] == grade


def test_summary_grade_comes_from_the_highest_readings(protocol: Protocol) -> None:
    row = _one(_dataset([_vitals("S1", {10: (124, 78), 30: (158, 101)})], [_session("S1")]), protocol)
    assert row["max_ctcae_htn_grade"] == 3


def test_infusion_number_follows_start_time_within_each_patient(protocol: Protocol) -> None:
    days = {"A-S3": 7, "A-S1": 0, "B-S1": 1, "A-S2": 3}
    vitals = [
        _vitals(sid, {10: (120, 80)}).assign(timestamp=lambda f, d=d: f["timestamp"] + pd.Timedelta(days=d))
        for sid, d in days.items()
    ]
    sessions = [
        _session(sid, sid[0], infusion_start=_at(15) + pd.Timedelta(days=d)) for sid, d in days.items()
    ]
    summary = summarize_sessions(_dataset(vitals, sessions), NO_ALERTS, protocol).set_index("session_id")
    assert summary["infusion_number"].to_dict() == {"A-S3": 3, "A-S1": 1, "B-S1": 1, "A-S2": 2}


def test_session_with_vitals_only_starts_at_its_first_sample(protocol: Protocol) -> None:
    dataset = _dataset(
        [_vitals("S1", {10: (120, 80)}), _vitals("S9", {0: (118, 76), 20: (140, 85)})], [_session("S1")]
    )
    summary = summarize_sessions(dataset, NO_ALERTS, protocol).set_index("session_id")
    assert summary.index.tolist() == ["S1", "S9"]
    orphan = summary.loc["S9"]
    assert orphan["start"] == T0
    assert pd.isna(orphan["patient_id"])
    assert pd.isna(orphan["infusion_number"])
    assert orphan["peak_sbp"] == 140


def test_session_in_sessions_frame_without_vitals_still_gets_a_row(protocol: Protocol) -> None:
    dataset = _dataset([_vitals("S1", {10: (120, 80)})], [_session("S1"), _session("S2")])
    summary = summarize_sessions(dataset, NO_ALERTS, protocol).set_index("session_id")
    empty = summary.loc["S2"]
    assert empty["n_readings"] == 0 and empty["minutes_above_caution_sbp"] == 0
    assert pd.isna(empty["peak_sbp"]) and pd.isna(empty["max_ctcae_htn_grade"])
