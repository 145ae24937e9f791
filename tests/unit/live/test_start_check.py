"""The pre-infusion check: the baseline-to-be against the protocol's start limits."""

from __future__ import annotations

import pandas as pd

from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.live.start_check import missing_readings, pre_infusion_values, start_limit_breaches
from tests.factories import vitals_frame

NOW = pd.Timestamp("2026-12-04T10:00:00Z")
PROTOCOL = load_protocol()  # start limits 140/90, SBP >= 90, HR 50-150; baseline window 15 min


def readings(minutes_ago: list[float], **values) -> pd.DataFrame:
    frame = vitals_frame("S1", start=NOW, periods=len(minutes_ago), **values)
    return frame.assign(timestamp=[NOW - pd.Timedelta(minutes=m) for m in minutes_ago])


def test_the_values_judged_are_the_median_of_the_baseline_window_up_to_now():
    vitals = readings([40, 10, 5, 1], sbp=[200.0, 150.0, 146.0, 130.0], dbp=80.0, hr=70.0, spo2=98.0)
    values = pre_infusion_values(vitals, "S1", NOW, PROTOCOL)
    assert values["sbp"] == 146.0  # 40 min ago is outside the 15-minute window


def test_a_bp_above_140_90_is_named_with_its_limit():
    breaches = start_limit_breaches({"sbp": 152.0, "dbp": 95.0, "hr": 70.0, "spo2": 98.0}, PROTOCOL.start)
    assert breaches == [
        "Systolic BP 152 is above the start limit 140",
        "Diastolic BP 95 is above the start limit 90",
    ]


def test_a_slow_heart_rate_is_below_its_start_limit_and_normal_vitals_pass():
    assert start_limit_breaches({"hr": 44.0}, PROTOCOL.start) == ["Heart rate 44 is below the start limit 50"]
    assert start_limit_breaches({"sbp": 128.0, "dbp": 82.0, "hr": 72.0, "spo2": 98.0}, PROTOCOL.start) == []


def test_without_a_reading_in_the_window_the_check_says_what_it_could_not_judge():
    values = pre_infusion_values(readings([1], hr=70.0), "S1", NOW, PROTOCOL)
    assert missing_readings(values, PROTOCOL.start) == ["Systolic BP", "Diastolic BP"]
