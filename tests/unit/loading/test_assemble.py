"""Many files become one vitals frame in (session, time) order, however the files were split."""

from __future__ import annotations

import pandas as pd

from dashboard.core.loading.assemble import session_spans, sort_vitals
from dashboard.core.loading.vitals_buffer import concat_vitals
from dashboard.core.model import VITALS_COLUMNS
from tests.factories import vitals_frame


def _frame(session: str, start: str, hr: list[float]) -> pd.DataFrame:
    return vitals_frame(session, start=start, hr=hr)


def test_files_of_separate_sessions_are_joined_in_session_order():
    joined = concat_vitals(
        [_frame("B", "2026-03-02T09:00Z", [1, 2]), _frame("A", "2026-03-02T10:00Z", [3, 4])]
    )
    assert joined["session_id"].tolist() == ["A", "A", "B", "B"]
    assert joined["hr"].tolist() == [3, 4, 1, 2]
    assert joined.index.tolist() == [0, 1, 2, 3]


def test_one_session_split_over_interleaving_files_is_sorted_by_time():
    first = _frame("A", "2026-03-02T09:00:00Z", [1, 2, 3])
    second = _frame("A", "2026-03-02T09:00:01.5Z", [10, 20])
    joined = concat_vitals([second, first])
    assert joined["hr"].tolist() == [1, 2, 10, 3, 20]
    assert joined["timestamp"].is_monotonic_increasing


def test_sorting_is_by_session_then_time():
    mixed = pd.concat([_frame("B", "2026-03-02T09:00Z", [1]), _frame("A", "2026-03-02T10:00Z", [2, 3])])
    ordered = sort_vitals(mixed.iloc[[2, 0, 1]])
    assert ordered["hr"].tolist() == [2, 3, 1]


def test_no_files_give_an_empty_frame_of_the_model():
    assert tuple(concat_vitals([]).columns) == VITALS_COLUMNS


def test_session_spans_are_first_and_last_sample_in_any_row_order():
    vitals = concat_vitals(
        [_frame("A", "2026-03-02T09:00Z", [1, 2, 3]), _frame("B", "2026-03-02T10:00Z", [4])]
    )
    expected = {
        "A": (pd.Timestamp("2026-03-02T09:00:00Z"), pd.Timestamp("2026-03-02T09:00:02Z")),
        "B": (pd.Timestamp("2026-03-02T10:00:00Z"), pd.Timestamp("2026-03-02T10:00:00Z")),
    }
    for frame in (vitals, vitals.iloc[::-1]):
        spans = session_spans(frame)
        assert {sid: (row["min"], row["max"]) for sid, row in spans.iterrows()} == expected
