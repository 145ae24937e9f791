"""A reading charted by hand: stored as one vitals row when every value is possible, refused
with every reason otherwise (nothing stored), MAP computed as cuff monitors show it."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.live.chairside import ChartingError, charted_reading, mean_pressure

NOW = pd.Timestamp("2026-12-04T10:00:00Z")


def chart(**values):
    return charted_reading("S1", NOW, values, NOW)


def test_a_bp_with_hr_and_spo2_becomes_one_row_with_the_mean_computed():
    (row,) = chart(sbp=150, dbp=90, hr=88, spo2=97).to_dict("records")
    assert (row["session_id"], row["timestamp"]) == ("S1", NOW)
    assert (row["sbp"], row["dbp"], row["map"], row["hr"], row["spo2"]) == (150, 90, 110, 88, 97)
    assert pd.isna(row["rr"])


def test_a_mean_read_off_the_device_is_kept_as_read():
    assert chart(sbp=150, dbp=90, map=112).loc[0, "map"] == 112


def test_the_mean_is_rounded_as_monitors_show_it():
    assert mean_pressure(121, 79) == 93


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"sbp": 1200, "dbp": 80}, "Systolic BP 1200 mmHg is not possible; expected 40-300 mmHg"),
        ({"sbp": 80, "dbp": 120}, "systolic 80 is not above diastolic 120; expected SBP > DBP"),
        ({"sbp": 120}, "a blood pressure needs both systolic and diastolic"),
        ({"map": 90}, "a mean pressure needs the systolic and diastolic it belongs to"),
        ({"sbp": 120, "dbp": 80, "map": 130}, "mean 130 is not between diastolic 80 and systolic 120"),
        ({"spo2": 0}, "SpO2"),
        ({}, "no value was entered"),
    ],
)
def test_an_impossible_reading_is_refused_with_the_reason(values, reason):
    with pytest.raises(ChartingError) as refused:
        chart(**values)
    assert any(reason in text for text in refused.value.reasons)


def test_every_problem_is_listed_at_once():
    with pytest.raises(ChartingError) as refused:
        chart(sbp=80, dbp=120, hr=900)
    assert len(refused.value.reasons) == 2


def test_a_reading_from_the_future_is_a_typo():
    with pytest.raises(ChartingError, match="in the future"):
        charted_reading("S1", NOW + pd.Timedelta(minutes=30), {"hr": 80}, NOW)
