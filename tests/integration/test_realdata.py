"""Every real export in shared/realdata loads the way a person checking it by hand would expect."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from dashboard.core.loading.loaders import load_file, load_paths
from dashboard.core.model import EVENT_COLUMNS, SESSION_COLUMNS, VITALS_COLUMNS, empty_frame
from dashboard.core.problems import UnusableFileError
from tests.paths import REALDATA

if not REALDATA.is_dir():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"CI must test the real exports, but {REALDATA} is missing")
    pytest.skip(f"real exports not found at {REALDATA}", allow_module_level=True)

FILES = sorted(p for p in REALDATA.rglob("*") if p.name.endswith((".csv", ".csv.gz", ".vital")))
COLUMNS = {"vitals": VITALS_COLUMNS, "events": EVENT_COLUMNS, "sessions": SESSION_COLUMNS}
MIMIC_II = REALDATA / "mimic-numerics-wfdb"
MIMIC_III = REALDATA / "mimic-iii-demo"
VITALRECORDER = REALDATA / "vitalrecorder-intellivue-demo"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_real_file_loads_into_the_model_or_is_refused_with_one_message(path):
    try:
        loaded = load_file(path)
    except UnusableFileError as refused:
        assert refused.problem.file == str(path)
        return
    expected = empty_frame(COLUMNS[loaded.kind]).dtypes.astype(str)  # vitals.session_id: "category"
    assert loaded.frame.dtypes.astype(str).equals(expected)
    assert len(loaded.frame) > 0


def test_all_real_files_were_found():
    assert len([p for p in FILES if p.suffix == ".vital"]) == 3
    assert len(FILES) >= 20


@pytest.fixture(scope="module")
def s25047():
    return load_file(MIMIC_II / "s25047_numerics_1min_72min.csv")


def test_s25047_gives_72_one_minute_rows_from_the_surrogate_date(s25047):
    frame = s25047.frame
    assert len(frame) == 72
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2704-05-04T10:44:18.529Z")
    assert (frame["timestamp"].diff().dropna() == pd.Timedelta(minutes=1)).all()


def test_s25047_hr_zeros_become_artifacts_not_values(s25047):
    raw = pd.read_csv(MIMIC_II / "s25047_numerics_1min_72min.csv")
    zeros = raw["HR"] == 0
    assert zeros.sum() == 28
    assert s25047.frame["hr"][zeros.to_numpy()].isna().all()
    assert (s25047.frame["hr"].dropna() > 0).all()
    hr = s25047.artifacts.loc[s25047.artifacts["vital"] == "hr"]
    assert (hr["reason"] == "zero reading").sum() == 28


def test_s25047_spo2_zeros_from_the_probe_are_artifacts(s25047):
    spo2 = s25047.artifacts.loc[s25047.artifacts["vital"] == "spo2"]
    assert spo2["value"].eq(0).sum() == 11


def test_s25047_cuff_pair_74_over_10_is_an_artifact(s25047):
    reading = s25047.artifacts.loc[s25047.artifacts["timestamp"] == pd.Timestamp("2704-05-04T10:51:18.529Z")]
    assert dict(zip(reading["vital"], reading["value"], strict=True)) == {
        "sbp": 74.0,
        "dbp": 10.0,
        "map": 31.0,
    }
    row = s25047.frame.loc[s25047.frame["timestamp"] == pd.Timestamp("2704-05-04T10:51:18.529Z")]
    assert row[["sbp", "dbp", "map"]].isna().all(axis=None)
    assert reading["line"].unique().tolist() == [9]


def test_s25047_pulse_is_not_mixed_into_hr(s25047):
    assert s25047.frame["hr"].max() < 277  # PULSE peaks at 277 /min
    assert any("PULSE (the file's HR is used for hr)" in p.message for p in s25047.problems)


def test_s00001_arterial_line_zeros_are_ignored_with_one_warning():
    loaded = load_file(MIMIC_II / "s00001_numerics_1min_32h.csv")
    assert len(loaded.frame) == 1936
    assert loaded.frame["timestamp"].iloc[0] == pd.Timestamp("2896-10-10T00:31:25.894Z")
    warnings = [p.message for p in loaded.problems if p.level == "warning"]
    assert "columns not used: ABPSys, ABPDias, ABPMean" in warnings


@pytest.fixture(scope="module")
def chartevents():
    return load_file(MIMIC_III / "chartevents_vitals_all_stays.csv.gz")


def test_mimic_iii_long_form_gives_one_session_per_icu_stay(chartevents):
    assert chartevents.kind == "vitals"
    assert chartevents.frame["session_id"].nunique() == 132


def test_mimic_iii_11647_mmhg_typo_is_an_artifact(chartevents):
    typo = chartevents.artifacts.loc[chartevents.artifacts["value"] == 11647]
    assert typo[["session_id", "vital", "reason"]].values.tolist() == [
        ["298685", "sbp", "above plausible range"]
    ]
    assert chartevents.frame["sbp"].max() <= 300


def test_mimic_iii_arterial_line_itemids_are_not_nibp(chartevents):
    warning = next(p for p in chartevents.problems if p.message.startswith("itemid values not used"))
    assert "220050" in warning.message and "51" in warning.message


def test_mimic_iii_naive_charttime_is_read_as_utc():
    loaded = load_file(MIMIC_III / "session_stay204132_vitals.csv")
    first = loaded.frame.iloc[0]
    assert first["timestamp"] == pd.Timestamp("2144-12-24T18:00:00Z")
    assert first[["hr", "sbp", "dbp", "map", "spo2", "rr"]].tolist() == [105, 128, 90, 99, 100, 18]
    assert loaded.frame["session_id"].unique().tolist() == ["204132"]


def test_mimic_iii_inputevents_are_refused_with_the_reason():
    with pytest.raises(UnusableFileError) as refused:
        load_file(MIMIC_III / "session_stay204132_inputevents.csv")
    assert "is a drug-infusion table (MIMIC-III inputevents" in str(refused.value)


def test_mimic_iii_icustays_give_sessions_with_patients():
    loaded = load_file(MIMIC_III / "icustays.csv")
    assert loaded.kind == "sessions"
    assert len(loaded.frame) == 136
    assert loaded.frame[["session_id", "patient_id"]].iloc[0].tolist() == ["206504", "10006"]
    assert loaded.frame["infusion_start"].isna().all()  # ICU admission is not the infusion


def test_mimic_iii_session_folder_loads_vitals_and_reports_the_refused_file():
    files = [MIMIC_III / f"session_stay204132_{part}.csv" for part in ("vitals", "inputevents")]
    dataset = load_paths(files)
    assert dataset.sessions["session_id"].tolist() == ["204132"]
    assert dataset.sessions["infusion_start"].iloc[0] == pd.Timestamp("2144-12-24T18:00:00Z")
    assert [p.file for p in dataset.problems if p.level == "fatal"] == [str(files[1])]


def test_vitalrecorder_wide_csv_with_bom_loads_hr_60_spo2_95():
    loaded = load_file(VITALRECORDER / "test_data_demo_numerics_1s_wide.csv")
    assert loaded.frame["timestamp"].iloc[0] == pd.Timestamp("2019-07-11T09:54:25.138Z")
    values = loaded.frame.dropna(subset=["hr"])
    assert values["hr"].unique().tolist() == [60.0]
    assert values["spo2"].unique().tolist() == [95.0]
    assert values[["sbp", "dbp", "map", "rr"]].iloc[0].tolist() == [120.0, 80.0, 90.0, 15.0]
    assert loaded.frame.iloc[0][["hr", "spo2"]].isna().all()  # the first second has no sample yet


def test_intellivue_long_form_loads_every_vital():
    loaded = load_file(VITALRECORDER / "test_intelliue_demo2_numerics_long.csv")
    assert loaded.frame["timestamp"].iloc[0] == pd.Timestamp("2019-07-11T09:47:45.103Z")
    assert loaded.frame[["hr", "sbp", "dbp", "map", "spo2", "rr"]].max().tolist() == [60, 120, 80, 90, 95, 15]
    assert np.isclose(loaded.frame["timestamp"].diff().dt.total_seconds().median(), 1.024, atol=0.01)


def test_vitalrecorder_events_load_as_unknown_events():
    loaded = load_file(VITALRECORDER / "test_data_demo_events.csv")
    assert loaded.kind == "events"
    assert loaded.frame["event"].tolist()[0] == "Start ventilator settings"
    assert set(loaded.frame["category"]) == {"unknown"}


@pytest.mark.parametrize("path", [p for p in FILES if p.suffix == ".vital"], ids=lambda p: p.name)
def test_binary_vital_files_are_refused_with_how_to_export(path):
    with pytest.raises(UnusableFileError) as refused:
        load_file(path)
    assert str(refused.value) == (
        f"{path}: is a binary VitalRecorder (.vital) file, not a CSV; expected a CSV export of the "
        "recording, e.g. made with the vitaldb Python package: vitaldb.VitalFile(path).to_csv(...)"
    )
