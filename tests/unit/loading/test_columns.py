"""Column names of real monitor exports resolve to the canonical model through the alias table."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.loading.columns import map_columns, map_vital_names, normalise


@pytest.mark.parametrize(
    ("header", "target"),
    [
        ("HR (bpm)", "hr"),
        ("Heart Rate(/min)", "hr"),
        ("SpO2(%)", "spo2"),
        ("Systolic BP(mmHg)", "sbp"),
        ("Solar8000/NIBP_SBP", "sbp"),
        ("Intellivue/NIBP_SYS", "sbp"),
        ("Intellivue/PLETH_SAT_O2", "spo2"),
        ("NOM_ECG_CARD_BEAT_RATE", "hr"),
        ("NOM_PRESS_BLD_NONINV_MEAN", "map"),
        ("NOM_RESP_RATE", "rr"),
        ("NBPDias", "dbp"),
        ("RESP", "rr"),
        ("icustay_id", "session_id"),
        ("subject_id", "patient_id"),
        ("charttime", "timestamp"),
        ("valuenum", "value"),
        ("bp_systolic", "sbp"),
        ("bp_diastolic", "dbp"),
        ("bp_mean", "map"),
        ("NIBP_S", "sbp"),
        ("pulse", "hr"),
        ("Pulse Rate", "hr"),
        ("spo2_pct", "spo2"),
        ("SpO2 (%)", "spo2"),
        ("sp02", "spo2"),
        ("resp_rate", "rr"),
        ("Respiration Rate", "rr"),
    ],
)
def test_export_column_names_map_to_the_model(header, target):
    assert target in map_columns([header], "f.csv").chosen
    assert map_columns([header], "f.csv").chosen[target][0] == header


def test_units_and_device_prefix_are_not_part_of_the_name():
    assert normalise("Heart Rate(/min)") == "heart_rate"
    assert normalise("Solar8000/NIBP_SBP") == "nibp_sbp"
    assert normalise(" RR") == "rr"


def test_pulse_is_hr_only_when_the_file_has_no_heart_rate_column():
    assert map_columns(["time", "PULSE"], "f.csv").chosen["hr"][0] == "PULSE"
    both = map_columns(["time", "PULSE", "HR"], "f.csv")
    assert both.chosen["hr"][0] == "HR"
    assert [str(p) for p in both.problems] == [
        "f.csv: columns not used: PULSE (the file's HR is used for hr); "
        "expected one source column per field of the model"
    ]


def test_arterial_line_pressure_is_left_out_with_the_reason():
    mapped = map_columns(["time", "HR", "ABPSys", "ABPMean"], "f.csv")
    assert "sbp" not in mapped.chosen
    assert [str(p) for p in mapped.problems] == [
        "f.csv: columns not used: ABPSys, ABPMean; "
        "expected arterial-line pressure; the model holds cuff (NIBP) pressures only"
    ]


def test_unknown_columns_are_reported_once_per_file():
    mapped = map_columns(["time", "HR", "ETCO2(mmHg)", "AA ET"], "f.csv")
    assert [p.level for p in mapped.problems] == ["warning"]
    assert mapped.problems[0].message == "columns not in the model, ignored: ETCO2(mmHg), AA ET"


def test_long_form_names_include_mimic_itemids_and_vitalrecorder_tracks():
    names = pd.Series(["211", "220179", "Intellivue/ECG_HR", "Intellivue/PLETH_SAT_O2", "220050", "BIS/BIS"])
    vital, _, problems = map_vital_names(names, "f.csv", "itemid")
    assert vital.tolist()[:4] == ["hr", "sbp", "hr", "spo2"]
    assert vital.iloc[4:].isna().all()
    assert [p.message for p in problems] == [
        "itemid values not used: 220050",
        "itemid values not in the model, ignored: BIS/BIS",
    ]


def test_other_time_columns_are_kept_as_spares_best_rank_first():
    mapped = map_columns(["elapsed_s", "time", "datetime", "hr"], "f.csv")
    assert mapped.chosen["timestamp"][0] == "datetime"
    assert [name for name, _ in mapped.spare_times] == ["time", "elapsed_s"]


def test_a_time_column_can_be_chosen_over_the_best_ranked_and_the_note_follows():
    mapped = map_columns(["datetime", "time", "hr"], "f.csv", time_column="time")
    assert mapped.chosen["timestamp"][0] == "time"
    assert [name for name, _ in mapped.spare_times] == ["datetime"]
    assert [p.message for p in mapped.problems] == [
        "columns not used: datetime (the file's time is used for timestamp)"
    ]
