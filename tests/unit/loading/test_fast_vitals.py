"""Canonical files take the Arrow fast path, artifacts and all, and come out exactly as the careful path
makes them: same frame, same artifacts, same problems with the same lines and messages."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.loading.columns import map_columns
from dashboard.core.loading.csvlayout import sniff
from dashboard.core.loading.csvread import line_count
from dashboard.core.loading.fast_vitals import clean_vitals
from dashboard.core.loading.loaders import load_file
from dashboard.core.loading.vitals_buffer import VitalsBuffer

HEADER = "session_id,timestamp,hr,sbp,dbp,map,spo2,rr\n"
CLEAN = (
    HEADER
    + "P01-S1,2026-03-02T09:00:00Z,72,,,,98,14\n"
    + "P01-S1,2026-03-02T09:00:05Z,73,128,82,97,98,14\n"
    + "P01-S2,2026-03-02T08:00:00Z,80,,,,,\n"
)


def _fast(text: str):
    layout = sniff(text.encode(), "v.csv")
    slot = VitalsBuffer([line_count(layout.body) - 1]).slot(0)
    return clean_vitals(layout, map_columns(layout.header, "v.csv"), slot)


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
