"""Of several time columns in one export, the one that can be read gives the times, and the report says so."""

from __future__ import annotations

import pandas as pd

from dashboard.core.loading.loaders import load_file
from dashboard.core.loading.timestamps import LoadSettings

EPOCH_ROWS = "1631707619,72\n1631707679,73\n"  # 2021-09-15 12:06:59 and 12:07:59 UTC


def _warnings(loaded) -> list[str]:
    return [str(p) for p in loaded.problems if p.level == "warning"]


def test_unreadable_first_time_column_gives_way_to_a_readable_epoch_column():
    text = "datetime,time,hr\nWed 15th Sep 12:06,1631707619,72\nWed 15th Sep 12:07,1631707679,73\n"
    loaded = load_file(text.encode(), "v.csv")
    assert loaded.frame["timestamp"].tolist() == [
        pd.Timestamp("2021-09-15T12:06:59Z"),
        pd.Timestamp("2021-09-15T12:07:59Z"),
    ]
    assert loaded.frame["hr"].tolist() == [72.0, 73.0]
    assert _warnings(loaded) == [
        "v.csv: columns not used: datetime (the file's time is used for timestamp); "
        "expected one source column per field of the model",
        "v.csv: column datetime: has no readable time in 2 of 2 rows "
        "(first at line 2: 'Wed 15th Sep 12:06'); times taken from column time instead; "
        "expected times in datetime in a form the loaders read, or time as the only time column",
    ]


def test_readable_first_time_column_is_kept_even_when_another_reads_too():
    text = "datetime,time,hr\n2021-09-15 12:06:59,1,72\n2021-09-15 12:07:59,2,73\n"
    loaded = load_file(text.encode(), "v.csv")
    assert loaded.frame["timestamp"].iloc[0] == pd.Timestamp("2021-09-15T12:06:59Z")
    assert _warnings(loaded) == [
        "v.csv: columns not used: time (the file's datetime is used for timestamp); "
        "expected one source column per field of the model"
    ]


def test_a_few_unreadable_times_reject_their_rows_rather_than_switch_clocks():
    # Monitor clock and PC clock differ by seconds: one bad cell must not move every row.
    text = (
        "Time,SystemLocalTime,HR\n"
        "23-09-2023 10:05:24.480,23-09-2023 10:04:34.674,72\n"
        "garbled,23-09-2023 10:04:35.674,73\n"
        "23-09-2023 10:05:26.480,23-09-2023 10:04:36.674,74\n"
    )
    loaded = load_file(text.encode(), "v.csv")
    assert loaded.frame["timestamp"].tolist() == [
        pd.Timestamp("2023-09-23T10:05:24.480Z"),
        pd.Timestamp("2023-09-23T10:05:26.480Z"),
    ]
    assert [(p.line, p.column) for p in loaded.problems if p.level == "error"] == [(3, "Time")]


def test_elapsed_time_without_origin_gives_way_to_a_clock_column():
    text = "time,unix_time,hr\n0,1631707619,72\n60,1631707679,73\n"
    loaded = load_file(text.encode(), "v.csv")
    assert loaded.frame["timestamp"].iloc[1] == pd.Timestamp("2021-09-15T12:07:59Z")
    assert (
        "v.csv: column time: holds elapsed times and no start time (elapsed origin) is set; "
        "times taken from column unix_time instead"
    ) in _warnings(loaded)[1]


def test_when_no_time_column_reads_the_first_one_is_reported_row_by_row():
    text = "datetime,time,hr\nnope,also no,72\n2021-09-15 12:07:59,also no,73\n"
    loaded = load_file(text.encode(), "v.csv", settings=LoadSettings())
    assert loaded.frame["hr"].tolist() == [73.0]
    assert [(p.line, p.column) for p in loaded.problems if p.level == "error"] == [(2, "datetime")]
