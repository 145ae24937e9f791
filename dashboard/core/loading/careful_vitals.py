"""A vitals file, wide (a column per vital) or long (a row per reading) -> canonical vitals + artifacts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.core.loading.artifacts import ArtifactCells, split_artifacts
from dashboard.core.loading.columns import map_vital_names
from dashboard.core.loading.rows import Rows, session_ids, times
from dashboard.core.loading.timestamps import LoadSettings
from dashboard.core.loading.validation import enforce_schema, row_key_schema, to_numbers
from dashboard.core.model import VITALS, vitals_table
from dashboard.core.problems import Problem

Loaded = tuple[pd.DataFrame, ArtifactCells, list[Problem]]


def load_vitals(rows: Rows, settings: LoadSettings) -> Loaded:
    """Frame (VITALS_COLUMNS), artifacts and problems of one vitals file."""
    is_long = "vital" in rows.frame and "value" in rows.frame
    return _long(rows, settings) if is_long else _wide(rows, settings)


def _wide(rows: Rows, settings: LoadSettings) -> Loaded:
    keys, keep, rejected = _row_keys(rows, settings)
    problems = list(rows.problems)
    frame = keys.copy()
    for vital, spec in vitals_table().items():
        if vital not in rows.frame:
            frame[vital] = np.nan
            continue
        expected = f"a number in {spec.unit}"
        numbers, bad = to_numbers(
            rows.frame[vital], rows.lines, rows.file, rows.header(vital), expected, rows.decimal
        )
        frame[vital] = numbers[keep] * rows.chosen[vital][1].scale
        problems += bad
    flagged = _source_errors(rows.frame)
    flagged = None if flagged is None else np.broadcast_to(flagged[keep][:, None], (len(frame), len(VITALS)))
    frame, artifacts, found = split_artifacts(frame, rows.lines[keep], rows.file, flagged)
    return frame, artifacts, problems + rejected + found


def _long(rows: Rows, settings: LoadSettings) -> Loaded:
    """One row per (session, time); of several readings of one vital there, the best-ranked source wins."""
    keys, keep, rejected = _row_keys(rows, settings)
    raw = rows.frame.loc[keep].reset_index(drop=True)
    lines = rows.lines[keep]
    vital, rank, named = map_vital_names(raw["vital"], rows.file, rows.header("vital"))
    used = vital.notna().to_numpy()
    values, bad = to_numbers(
        raw["value"][used], lines[used], rows.file, rows.header("value"), "a number", rows.decimal
    )
    flagged = _source_errors(raw)
    readings = pd.DataFrame(
        {
            "session_id": keys["session_id"][used],
            "timestamp": keys["timestamp"][used],
            "column": vital[used].map(VITALS.index),
            "rank": rank[used],
            "value": values,
            "line": lines[used],
            "flagged": False if flagged is None else flagged[used],
        }
    )
    readings = readings.loc[readings["value"].notna()].sort_values(
        ["session_id", "timestamp", "rank"], kind="stable"
    )
    frame, cell_lines, cell_flags = _pivot(readings)
    frame, artifacts, found = split_artifacts(frame, cell_lines, rows.file, cell_flags)
    return frame, artifacts, [*rows.problems, *rejected, *named, *bad, *found]


def _row_keys(rows: Rows, settings: LoadSettings) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    """Session and time of each row; rows missing either are rejected with their line."""
    keys = pd.DataFrame({"session_id": session_ids(rows), "timestamp": times(rows, "timestamp", settings)})
    return enforce_schema(keys, row_key_schema(), rows.lines, rows.file, rows.describe)


def _pivot(readings: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Sorted readings -> wide rows, plus the line and source-error flag of every cell."""
    session = readings["session_id"].to_numpy()
    stamp = readings["timestamp"].to_numpy(dtype="datetime64[us]")
    new_row = np.ones(len(readings), dtype=bool)
    new_row[1:] = (session[1:] != session[:-1]) | (stamp[1:] != stamp[:-1])
    row = np.cumsum(new_row) - 1
    column = readings["column"].to_numpy(dtype=np.int64)
    first = ~pd.DataFrame({"row": row, "column": column}).duplicated().to_numpy()
    shape = (int(new_row.sum()), len(VITALS))
    values = np.full(shape, np.nan)
    lines = np.zeros(shape, dtype=np.int64)
    flags = np.zeros(shape, dtype=bool)
    values[row[first], column[first]] = readings["value"].to_numpy()[first]
    lines[row[first], column[first]] = readings["line"].to_numpy()[first]
    flags[row[first], column[first]] = readings["flagged"].to_numpy(dtype=bool)[first]
    frame = pd.DataFrame({"session_id": pd.Series(session[new_row], dtype="str")})
    frame["timestamp"] = pd.Series(stamp[new_row]).dt.tz_localize("UTC")
    frame[list(VITALS)] = values
    return frame, lines, flags


def _source_errors(raw: pd.DataFrame) -> np.ndarray | None:
    """Rows the source system marked as errors (MIMIC ``error=1``); None when the file cannot say."""
    if "source_error" not in raw:
        return None
    text = raw["source_error"].astype("str").str.strip().str.casefold()
    return text.isin(["1", "1.0", "true", "yes", "y"]).to_numpy()
