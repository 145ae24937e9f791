"""Schemas reject what cannot be used, with the line and column a person can look up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.core.loading.validation import (
    enforce_schema,
    events_schema,
    sessions_schema,
    to_numbers,
    vitals_schema,
)
from dashboard.core.model import conform
from tests.factories import vitals_frame


def _describe(column: str, row: int) -> tuple[str, str | None]:
    return column, None


def test_canonical_frames_pass_their_schemas():
    vitals_schema().validate(vitals_frame(hr=[72.0]))
    events_schema().validate(conform(pd.DataFrame(), tuple(events_schema().columns)))
    sessions_schema().validate(conform(pd.DataFrame(), tuple(sessions_schema().columns)))


def test_row_without_time_is_rejected_with_its_line_and_others_kept():
    frame = vitals_frame(hr=[72.0, 73.0, 74.0])
    frame.loc[1, "timestamp"] = pd.NaT
    kept, keep, problems = enforce_schema(frame, vitals_schema(), np.array([2, 3, 4]), "v.csv", _describe)
    assert kept["hr"].tolist() == [72.0, 74.0]
    assert keep.tolist() == [True, False, True]
    assert [str(p) for p in problems] == [
        "v.csv:3: column timestamp: missing; row skipped; "
        "expected a time such as 2026-03-02T09:00:00Z, epoch seconds, or dd/mm/yyyy HH:MM:SS"
    ]


def test_invalid_optional_cell_is_emptied_not_the_row():
    frame = conform(
        pd.DataFrame({"session_id": ["S1"], "weight_kg": [7000.0]}), tuple(sessions_schema().columns)
    )
    kept, _, problems = enforce_schema(
        frame, sessions_schema(), np.array([2]), "s.csv", lambda c, r: (c, "7000")
    )
    assert len(kept) == 1
    assert kept["weight_kg"].isna().all()
    assert [str(p) for p in problems] == [
        "s.csv:2: column weight_kg: '7000' could not be read; cell left empty; expected kg, 1-400"
    ]


def test_text_in_a_number_column_is_an_error_for_that_cell_only():
    values = pd.Series(["72", "abc", None], dtype="str")
    numbers, problems = to_numbers(values, np.array([2, 3, 4]), "v.csv", "HR", "a number in beats/min")
    assert numbers[0] == 72.0
    assert np.isnan(numbers[1:]).all()
    assert [str(p) for p in problems] == [
        "v.csv:3: column HR: 'abc' is not a number; cell left empty; expected a number in beats/min"
    ]


@pytest.mark.parametrize("sentinel", [-999.0, -99.9, -100.0, 8388607.0, -32768.0])
def test_device_sentinels_are_missing_not_errors(sentinel):
    numbers, problems = to_numbers(pd.Series([sentinel, 70.0]), np.array([2, 3]), "v.csv", "HR", "")
    assert np.isnan(numbers[0]) and numbers[1] == 70.0
    assert problems == []


def test_sentinel_only_counts_as_a_whole_number_not_inside_another_value():
    numbers, _ = to_numbers(pd.Series(["-100.5", "-1000"], dtype="str"), np.array([2, 3]), "v.csv", "HR", "")
    assert numbers.tolist() == [-100.5, -1000.0]
