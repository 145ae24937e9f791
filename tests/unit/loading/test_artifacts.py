"""Physiologically impossible values become artifacts: emptied, listed, reported, never alerted on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.core.loading.artifacts import artifact_frame, split_artifacts
from dashboard.core.model import ARTIFACT_COLUMNS, VITALS, vitals_table
from tests.factories import vitals_frame


def _artifacts(frame: pd.DataFrame, lines: np.ndarray | None = None, flagged: np.ndarray | None = None):
    """The cleaned frame, the artifacts as the loaders list them, and the problems."""
    lines = np.arange(2, len(frame) + 2) if lines is None else lines
    cleaned, cells, problems = split_artifacts(frame, lines, "v.csv", flagged)
    return cleaned, artifact_frame([cells]), problems


def test_clean_vitals_have_no_artifacts():
    frame = vitals_frame(hr=[72.0], sbp=[120.0], dbp=[80.0], map=[93.0], spo2=[98.0], rr=[14.0])
    cleaned, artifacts, problems = _artifacts(frame)
    assert cleaned.equals(frame)
    assert len(artifacts) == 0 and problems == []
    assert tuple(artifacts.columns) == ARTIFACT_COLUMNS


def test_zero_heart_rate_is_an_artifact_not_a_value():
    cleaned, artifacts, problems = _artifacts(vitals_frame(hr=[0.0, 72.0]))
    assert np.isnan(cleaned["hr"].iloc[0]) and cleaned["hr"].iloc[1] == 72.0
    assert artifacts[["vital", "value", "reason", "line"]].values.tolist() == [["hr", 0.0, "zero reading", 2]]
    assert [p.level for p in problems] == ["artifact"]


def test_every_vital_range_comes_from_vitals_toml():
    for vital, spec in vitals_table().items():
        inside = _artifacts(vitals_frame(**{vital: [spec.plausible_min, spec.plausible_max]}))[1]
        outside = _artifacts(vitals_frame(**{vital: [spec.plausible_min - 0.5, spec.plausible_max + 0.5]}))[1]
        assert len(inside) == 0, vital
        assert outside["reason"].tolist()[:2] == ["below plausible range", "above plausible range"], vital


def test_sbp_not_above_dbp_flags_both_cells_and_the_rest_of_the_reading():
    cleaned, artifacts, _ = _artifacts(vitals_frame(sbp=[80.0], dbp=[90.0], map=[85.0], hr=[70.0]))
    assert cleaned[["sbp", "dbp", "map"]].isna().all(axis=None)
    assert cleaned["hr"].iloc[0] == 70.0
    assert dict(zip(artifacts["vital"], artifacts["reason"], strict=True)) == {
        "sbp": "SBP not above DBP",
        "dbp": "SBP not above DBP",
        "map": "same cuff reading as an impossible value",
    }


def test_map_outside_the_cuff_pair_makes_the_reading_an_artifact():
    _, artifacts, _ = _artifacts(vitals_frame(sbp=[120.0], dbp=[80.0], map=[130.0]))
    assert dict(zip(artifacts["vital"], artifacts["reason"], strict=True)) == {
        "sbp": "same cuff reading as an impossible value",
        "dbp": "same cuff reading as an impossible value",
        "map": "MAP outside DBP-SBP",
    }


def test_cuff_reading_with_one_impossible_value_is_excluded_whole():
    _, artifacts, _ = _artifacts(vitals_frame(sbp=[74.0], dbp=[10.0], map=[31.0]))
    assert sorted(artifacts["vital"]) == ["dbp", "map", "sbp"]


def test_source_marked_errors_become_artifacts():
    frame = vitals_frame(hr=[72.0, 73.0])
    flagged = np.zeros((2, len(VITALS)), dtype=bool)
    flagged[1, VITALS.index("hr")] = True
    cleaned, artifacts, _ = _artifacts(frame, np.array([2, 3]), flagged)
    assert cleaned["hr"].tolist()[0] == 72.0 and np.isnan(cleaned["hr"].iloc[1])
    assert artifacts["reason"].tolist() == ["marked as error in source"]


def test_long_form_artifacts_carry_the_line_of_their_own_cell():
    frame = vitals_frame(hr=[0.0], spo2=[0.0])
    lines = np.zeros((1, len(VITALS)), dtype=np.int64)
    lines[0, VITALS.index("hr")], lines[0, VITALS.index("spo2")] = 7, 9
    _, artifacts, _ = _artifacts(frame, lines)
    assert dict(zip(artifacts["vital"], artifacts["line"], strict=True)) == {"hr": 7, "spo2": 9}
