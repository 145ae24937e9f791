"""Canonical files take the Arrow fast path, artifacts and all, and come out exactly as the careful path
makes them: same frame, same artifacts, same problems with the same lines and messages."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from dashboard.core.loading.columns import map_columns
from dashboard.core.loading.csvlayout import sniff
from dashboard.core.loading.csvread import line_count
from dashboard.core.loading.fast_vitals import clean_vitals
from dashboard.core.loading.loaders import load_file
from dashboard.core.loading.timestamps import LoadSettings
from dashboard.core.loading.vitals_buffer import VitalsBuffer
from dashboard.core.problems import UnusableFileError

UTC = LoadSettings()
HEADER = "session_id,timestamp,hr,sbp,dbp,map,spo2,rr\n"
CLEAN = (
    HEADER
    + "P01-S1,2026-03-02T09:00:00Z,72,,,,98,14\n"
    + "P01-S1,2026-03-02T09:00:05Z,73,128,82,97,98,14\n"
    + "P01-S2,2026-03-02T08:00:00Z,80,,,,,\n"
)


def _fast(text: str, settings: LoadSettings = UTC):
    layout = sniff(text.encode(), "v.csv")
    slot = VitalsBuffer([line_count(layout.body) - 1]).slot(0)
    return clean_vitals(layout, map_columns(layout.header, "v.csv"), slot, settings=settings)


def test_clean_file_takes_the_fast_path_and_matches_the_careful_path():
    assert _fast(CLEAN) is not None
    careful = CLEAN.replace("P01-S1,", '"P01-S1",')  # quotes send the file down the careful path
    assert _fast(careful) is None
    assert load_file(CLEAN.encode(), "v.csv").frame.equals(load_file(careful.encode(), "v.csv").frame)


def test_file_without_session_column_is_named_after_the_file_on_both_paths():
    text = "timestamp,HR\n2026-03-02T09:00:00Z,72\n"
    assert _fast(text) is not None
    assert load_file(text.encode(), "P09.csv").frame["session_id"].tolist() == ["P09"]


@pytest.mark.parametrize(
    "row",
    [
        "P01-S9,2026-03-02T09:00:00Z,7O,,,,98,14",  # a word in a number column
        "P01-S9,2026-03-02 09:00:00,72,,,,98,14",  # a naive time, read in the clinic's zone
        " P01-S9,2026-03-02T09:00:00Z,72,,,,98,14",  # a padded session id
        "P01-S0,2026-03-02T09:00:00Z,72,,,,98,14",  # out of (session, time) order
        ",2026-03-02T09:00:00Z,72,,,,98,14",  # no session
        "\nP01-S9,2026-03-02T09:00:00Z,0,,,,98,14",  # a blank line: pyarrow would skip it, shifting lines
    ],
)
def test_anything_to_report_or_reorder_takes_the_careful_path(row):
    assert _fast(CLEAN + row + "\n") is None


WITH_ARTIFACTS = (
    HEADER
    + "P01-S1,2026-03-02T09:00:00Z,0,,,,98,14\n"  # zero HR
    + "P01-S1,2026-03-02T09:00:01Z,72,,,,0,0\n"  # probe off: SpO2 and RR zero
    + "P01-S1,2026-03-02T09:00:02Z,72,80,90,85,98,14\n"  # SBP not above DBP
    + "P01-S1,2026-03-02T09:00:03Z,72,128,82,140,98,14\n"  # MAP outside DBP-SBP
    + "P01-S1,2026-03-02T09:00:04Z,72,350,82,97,98,14\n"  # SBP above range: whole cuff reading
    + "P01-S1,2026-03-02T09:00:05Z,400,,,,101,14\n"  # above range
    + "P01-S1,2026-03-02T09:00:06Z,10,,,,25,-999\n"  # below range, and a device sentinel
    + "P01-S2,2026-03-02T08:00:00Z,80,120,80,93,97,\n"
)


def test_file_with_artifacts_takes_the_fast_path_with_the_careful_paths_artifacts_and_messages():
    careful = WITH_ARTIFACTS.replace("P01-S2,", '"P01-S2",')  # quotes send the file down the careful path
    assert _fast(WITH_ARTIFACTS) is not None and _fast(careful) is None
    fast, slow = load_file(WITH_ARTIFACTS.encode(), "v.csv"), load_file(careful.encode(), "v.csv")
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    pd.testing.assert_frame_equal(fast.artifacts, slow.artifacts)
    assert fast.problems == slow.problems
    assert {p.line for p in fast.problems} == {2, 3, 4, 5, 6, 7, 8}
    assert fast.frame["rr"].isna().tolist()[6:] == [True, True]  # the sentinel is missing, not an artifact


OSLO = LoadSettings(timezone="Europe/Oslo")
DAY_FIRST = LoadSettings(timezone="Europe/Oslo", dayfirst=True)


def _local(text: str, form: str) -> str:
    """``text`` with its ``Z`` times written as real exports write them: Oslo clock times in
    ``form``, or epoch seconds."""

    def shaped(match: re.Match) -> str:
        moment = pd.Timestamp(match.group(0))
        return (
            str(moment.value // 10**9) if form == "epoch" else moment.tz_convert("Europe/Oslo").strftime(form)
        )

    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", shaped, text)


@pytest.mark.parametrize(
    ("form", "settings"),
    [
        ("%Y-%m-%d %H:%M:%S", OSLO),
        ("%Y-%m-%dT%H:%M:%S", OSLO),
        ("%d/%m/%Y %H:%M:%S", DAY_FIRST),
        ("epoch", OSLO),
    ],
)
def test_naive_day_first_and_epoch_files_take_the_fast_path_and_load_as_the_z_file(form, settings):
    """Monitor exports write local clock times: read in the clinic's zone, they are the Z file's instants."""
    text = _local(WITH_ARTIFACTS, form)
    assert _fast(text, settings) is not None
    got, zulu = load_file(text.encode(), "v.csv", settings), load_file(WITH_ARTIFACTS.encode(), "v.csv")
    pd.testing.assert_frame_equal(got.frame, zulu.frame)
    pd.testing.assert_frame_equal(got.artifacts, zulu.artifacts)
    assert [(p.line, p.column, p.message) for p in got.problems] == [
        (p.line, p.column, p.message) for p in zulu.problems
    ]


@pytest.mark.parametrize(
    ("form", "settings"), [("%Y-%m-%d %H:%M:%S", OSLO), ("%d/%m/%Y %H:%M:%S", DAY_FIRST)]
)
def test_local_time_files_come_out_of_the_fast_path_exactly_as_out_of_the_careful_path(form, settings):
    text = _local(WITH_ARTIFACTS, form)
    careful = text.replace("P01-S2,", '"P01-S2",')  # quotes send the file down the careful path
    assert _fast(careful, settings) is None
    fast, slow = load_file(text.encode(), "v.csv", settings), load_file(careful.encode(), "v.csv", settings)
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    pd.testing.assert_frame_equal(fast.artifacts, slow.artifacts)
    assert fast.problems == slow.problems


@pytest.mark.parametrize(
    "row",
    [
        "P01-S9,2026-03-29 02:30:00,72,,,,98,14",  # no such Oslo clock time: spring DST change
        "P01-S9,yesterday,72,,,,98,14",  # not a time
        "P01-S0,2026-03-02 09:00:00,72,,,,98,14",  # out of (session, time) order
    ],
)
def test_a_naive_file_with_anything_to_report_or_reorder_takes_the_careful_path_with_its_lines(row):
    text = _local(CLEAN, "%Y-%m-%d %H:%M:%S") + row + "\n"
    assert _fast(text, OSLO) is None
    careful = load_file(text.encode(), "v.csv", OSLO)
    assert len(careful.frame) + sum(p.line == 5 for p in careful.problems) == 4


def test_elapsed_seconds_without_a_start_take_the_careful_path_which_refuses_the_file():
    text = "session_id,timestamp,hr\nP01-S1,0,72\nP01-S1,5,73\n"
    assert _fast(text) is None
    with pytest.raises(UnusableFileError, match="elapsed"):
        load_file(text.encode(), "v.csv")
