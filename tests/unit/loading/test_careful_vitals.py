"""Long-form vitals: one wide row per time, the better source winning when two tracks give one vital."""

from __future__ import annotations

import numpy as np

from dashboard.core.loading.loaders import load_file


def test_ecg_heart_rate_wins_over_pleth_rate_at_the_same_time():
    text = (
        "unix_time,track,value\n"
        "1562838867.602,Intellivue/PLETH_HR,58\n"
        "1562838867.602,Intellivue/ECG_HR,60\n"
        "1562838868.602,Intellivue/PLETH_HR,59\n"
    )
    frame = load_file(text.encode(), "t.csv").frame
    assert frame["hr"].tolist() == [60.0, 59.0]


def test_value_of_an_unused_track_is_not_checked_as_a_number():
    text = "unix_time,track,value\n1562838867.6,Intellivue/ECG_HR,60\n1562838867.6,Intellivue/MODE,Adult\n"
    loaded = load_file(text.encode(), "t.csv")
    assert loaded.frame["hr"].tolist() == [60.0]
    assert [p.level for p in loaded.problems] == ["warning"]


def test_mimic_error_flag_makes_the_value_an_artifact_on_its_own_line():
    text = (
        "icustay_id,itemid,charttime,valuenum,error\n"
        "1,211,2144-12-24 18:00:00,105,0\n"
        "1,211,2144-12-24 19:00:00,250,1\n"
    )
    loaded = load_file(text.encode(), "c.csv")
    assert loaded.frame["hr"].tolist()[0] == 105.0 and np.isnan(loaded.frame["hr"].iloc[1])
    assert loaded.artifacts[["vital", "reason", "line"]].values.tolist() == [
        ["hr", "marked as error in source", 3]
    ]
