"""Exports written by other people's software load as someone reading them by hand would expect.

The files are in tests/samples/csv/ with their sources in SOURCES.md: a VSCapture capture of a GE
Datex AS/3 (S/5) monitor, an anaesthesia-chart adaptor's CSV (padded title and group lines, web-form
column names) and a headerless Java capture. None was edited beyond restoring line ends.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.loading.loaders import load_file, load_paths
from dashboard.core.model import VITALS_COLUMNS, empty_frame
from dashboard.core.problems import UnusableFileError
from tests.paths import REPO

SAMPLES = REPO / "tests" / "samples" / "csv"
AS3 = SAMPLES / "AS3ExampleData.csv"
ADAPTOR = SAMPLES / "jakobs.csv"
HEADERLESS = SAMPLES / "JVSCapture_test.csv"


def _by_level(loaded, level: str) -> list[str]:
    return [p.message for p in loaded.problems if p.level == level]


@pytest.fixture(scope="module")
def as3():
    return load_file(AS3)


def test_every_sample_is_described_in_sources_md():
    described = (SAMPLES / "SOURCES.md").read_text()
    assert sorted(p.name for p in SAMPLES.glob("*.csv")) == sorted([AS3.name, ADAPTOR.name, HEADERLESS.name])
    assert all(f"`{p.name}`" in described for p in SAMPLES.glob("*.csv"))


def test_as3_capture_keeps_every_row_although_each_has_2_fields_more_than_its_header(as3):
    assert len(as3.frame) == 13
    assert as3.frame.dtypes.astype(str).equals(empty_frame(VITALS_COLUMNS).dtypes.astype(str))
    assert _by_level(as3, "warning")[-1] == (
        "lines 4-16: 2 more fields than the header's 44; the header's 44 columns were read, "
        "the fields after the last (BIS SQI) were not. If the exporter inserted fields mid-row, the "
        "columns after them hold other values: compare them with the monitor"
    )
    assert _by_level(as3, "error") == []


def test_as3_date_and_time_columns_read_day_first_because_the_15th_cannot_be_a_month(as3):
    times = as3.frame["timestamp"]
    assert times.iloc[0] == pd.Timestamp("2016-05-15T12:50:56Z")
    assert times.iloc[-1] == pd.Timestamp("2016-05-15T12:51:56Z")
    assert (times.diff().dropna() == pd.Timedelta(seconds=5)).all()


def test_as3_heart_rate_and_spo2_are_the_values_under_their_headers(as3):
    assert as3.frame["hr"].tolist() == [68, 68, 68, 67, 69, 72, 71, 66, 64, 63, 66, 72, 67]
    assert as3.frame["spo2"].tolist() == [99, 98, 97, 98, 98, 98, 98, 99, 99, 99, 98, 99, 99]
    assert as3.frame[["sbp", "dbp", "map"]].isna().all(axis=None)  # "-": no cuff reading yet


def test_as3_fields_after_the_unnamed_ones_are_shifted_and_the_rr_read_is_refused(as3):
    # The capture's writer put CO2 FI and ETO2 after ETCO2 without naming them in the header
    # (the adaptor's own column list says so), so the header's " RR" sits over N2O FI: 0 and 0.04.
    # Nothing after ETCO2 can be trusted; the plausible ranges refuse these as artifacts.
    assert as3.frame["rr"].isna().all()
    rr = as3.artifacts.loc[as3.artifacts["vital"] == "rr"]
    assert sorted(rr["value"].unique()) == [0.0, 0.04]
    assert rr["line"].tolist() == list(range(4, 17))


def test_adaptor_csv_skips_its_padded_title_and_group_lines_and_maps_web_form_names():
    loaded = load_file(ADAPTOR)
    assert len(loaded.frame) == 30
    first = loaded.frame.iloc[0]
    assert first["timestamp"] == pd.Timestamp("2016-08-22T12:50:00Z")  # 22/08: day first
    assert (first["sbp"], first["dbp"], first["hr"], first["spo2"]) == (143, 72, 61, 97)
    assert loaded.frame["rr"].isna().all()  # its "rate" is the ventilator's, under "Ventilators"
    assert [str(p) for p in loaded.problems] == [
        f"{ADAPTOR}: columns not in the model, ignored: et02, fi02, etaa, etc02, ppeak, peep, "
        "tidal_volume, rate; expected columns of the model"
    ]


def test_headerless_java_capture_is_refused_with_one_message_not_read_as_data():
    with pytest.raises(UnusableFileError) as refused:
        load_file(HEADERLESS)
    assert refused.value.problem.file == str(HEADERLESS)
    assert "has no known vital, event or session column" in refused.value.problem.message


def test_the_samples_load_together_and_the_refused_one_does_not_stop_the_others():
    dataset = load_paths([SAMPLES])
    assert sorted(dataset.vitals["session_id"].unique()) == ["AS3ExampleData", "jakobs"]
    assert len(dataset.vitals) == 13 + 30
    assert [p.file for p in dataset.problems if p.level == "fatal"] == [str(HEADERLESS)]
