"""Clean canonical files take the Arrow fast path and come out exactly as the careful path makes them."""

from __future__ import annotations

import pytest

from dashboard.core.clean_vitals import clean_vitals
from dashboard.core.columns import map_columns
from dashboard.core.csvlayout import sniff
from dashboard.core.loaders import load_file

HEADER = "session_id,timestamp,hr,sbp,dbp,map,spo2,rr\n"
CLEAN = (
    HEADER
    + "P01-S1,2026-03-02T09:00:00Z,72,,,,98,14\n"
    + "P01-S1,2026-03-02T09:00:05Z,73,128,82,97,98,14\n"
    + "P01-S2,2026-03-02T08:00:00Z,80,,,,,\n"
)


def _fast(text: str):
    layout = sniff(text.encode(), "v.csv")
    return clean_vitals(layout, map_columns(layout.header, "v.csv"))


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
        "P01-S9,2026-03-02T09:00:00Z,0,,,,98,14",  # zero HR: an artifact to report
        "P01-S9,2026-03-02T09:00:00Z,72,80,90,,98,14",  # SBP below DBP
        "P01-S9,2026-03-02T09:00:00Z,72,,,,-999,14",  # device sentinel
        "P01-S9,2026-03-02T09:00:00Z,7O,,,,98,14",  # a word in a number column
        "P01-S9,2026-03-02 09:00:00,72,,,,98,14",  # a naive time, read in the clinic's zone
        " P01-S9,2026-03-02T09:00:00Z,72,,,,98,14",  # a padded session id
        "P01-S0,2026-03-02T09:00:00Z,72,,,,98,14",  # out of (session, time) order
        ",2026-03-02T09:00:00Z,72,,,,98,14",  # no session
    ],
)
def test_anything_to_report_or_reorder_takes_the_careful_path(row):
    assert _fast(CLEAN + row + "\n") is None
