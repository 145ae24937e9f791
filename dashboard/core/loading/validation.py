"""Schemas of the canonical frames; cells and rows that break them become problems with line numbers.

pandera holds the schema (columns, types, nullability, allowed values) and its failure cases
become ``Problem``s with editor line numbers: a failing required cell rejects its row, a failing
optional cell is emptied. Physiological plausibility is not a schema question: see artifacts.py.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dashboard.core import reference
from dashboard.core.model import (
    EVENT_CATEGORIES,
    SEVERITIES,
    TIMESTAMP_DTYPE,
    conform,
    vitals_table,
)
from dashboard.core.problems import Problem

if TYPE_CHECKING:
    import pandera.pandas as pa

@cache
def _pandera():
    """pandera, imported when a file first needs a schema. Canonical vitals files never do, and the
    import costs 0.13 s of every command's start; loading, it overlaps the other files' parsing."""
    import pandera.pandas

    return pandera.pandas


_TIME = "a time such as 2026-03-02T09:00:00Z, epoch seconds, or dd/mm/yyyy HH:MM:SS"


@cache
def vitals_schema() -> pa.DataFrameSchema:
    """Canonical wide vitals: every row has a session (categorical) and a time; vitals optional numbers."""
    pa = _pandera()
    columns = {
        "session_id": pa.Column("category", nullable=False, description="a session id"),
        "timestamp": pa.Column(TIMESTAMP_DTYPE, nullable=False, description=_TIME),
    }
    for name, vital in vitals_table().items():
        columns[name] = pa.Column("float64", nullable=True, description=f"a number in {vital.unit}")
    return pa.DataFrameSchema(columns, strict=True, ordered=True)


@cache
def row_key_schema() -> pa.DataFrameSchema:
    """The cells of a vitals row that come from the file and decide whether the row is usable.

    The vitals columns themselves are float64 by construction (``to_numbers``); validating just
    these two columns per file keeps pandera's fixed per-column cost off large loads. The session is
    still text here: the model makes it categorical once the file's frame is built.
    """
    pa = _pandera()
    columns = {
        "session_id": pa.Column(str, nullable=False, description="a session id"),
        "timestamp": vitals_schema().columns["timestamp"],
    }
    return pa.DataFrameSchema(columns, strict=True, ordered=True)


@cache
def events_schema() -> pa.DataFrameSchema:
    pa = _pandera()
    return pa.DataFrameSchema(
        {
            "session_id": pa.Column(str, nullable=False, description="a session id"),
            "timestamp": pa.Column(TIMESTAMP_DTYPE, nullable=False, description=_TIME),
            "event": pa.Column(str, nullable=False, description="an event name, e.g. nausea"),
            "category": pa.Column(str, pa.Check.isin(EVENT_CATEGORIES), description="a vocabulary category"),
            "severity": pa.Column(
                str,
                pa.Check.isin(SEVERITIES),
                nullable=True,
                description="mild, moderate, severe or grade 1-5",
            ),
            "ctcae_grade": pa.Column(
                "Int64", pa.Check.in_range(1, 5), nullable=True, description="grade 1-5"
            ),
            "scale": pa.Column(str, nullable=True, description="a scale name, e.g. CADSS"),
            "score": pa.Column("float64", pa.Check.ge(0), nullable=True, description="a score >= 0"),
            "note": pa.Column(str, nullable=True, description="free text"),
        },
        strict=True,
        ordered=True,
    )


@cache
def sessions_schema() -> pa.DataFrameSchema:
    pa = _pandera()
    positive = pa.Check.gt(0)
    return pa.DataFrameSchema(
        {
            "session_id": pa.Column(str, nullable=False, unique=True, description="one row per session id"),
            "patient_id": pa.Column(str, nullable=True, description="a patient id"),
            "chair": pa.Column(str, nullable=True, description="a chair name"),
            "infusion_start": pa.Column(TIMESTAMP_DTYPE, nullable=True, description=_TIME),
            "infusion_end": pa.Column(TIMESTAMP_DTYPE, nullable=True, description=_TIME),
            "planned_minutes": pa.Column("float64", positive, nullable=True, description="minutes > 0"),
            "dose_mg_per_kg": pa.Column("float64", positive, nullable=True, description="mg/kg > 0"),
            "weight_kg": pa.Column(
                "float64", pa.Check.in_range(1, 400), nullable=True, description="kg, 1-400"
            ),
            "indication": pa.Column(str, nullable=True, description="free text"),
        },
        strict=True,
        ordered=True,
    )


def enforce_schema(
    frame: pd.DataFrame,
    schema: pa.DataFrameSchema,
    lines: np.ndarray,
    file: str,
    describe: Callable[[str, int], tuple[str, str]],
) -> tuple[pd.DataFrame, np.ndarray, list[Problem]]:
    """Validate lazily; a failing required cell rejects its row, a failing optional cell is emptied.

    ``describe(column, row)`` names the file's column and the cell as written, for messages.
    Returns the cleaned frame, the mask of kept rows and the problems (level error).
    """
    if _plainly_valid(frame, schema):
        return frame, np.ones(len(frame), dtype=bool), []
    try:
        schema.validate(frame, lazy=True, inplace=True)  # the schemas never coerce: nothing to copy
        return frame, np.ones(len(frame), dtype=bool), []
    except _pandera().errors.SchemaErrors as errors:
        cases = errors.failure_cases.dropna(subset=["index"])
    keep = np.ones(len(frame), dtype=bool)
    problems: list[Problem] = []
    emptied = frame.copy()
    for column, row in cases[["column", "index"]].drop_duplicates().itertuples(index=False):
        spec = schema.columns[column]
        name, written = describe(column, int(row))
        required = not spec.nullable
        if required:
            keep[int(row)] = False
        else:
            emptied.loc[emptied.index[int(row)], column] = pd.NA
        outcome = "row skipped" if required else "cell left empty"
        what = "missing" if written is None else f"{written!r} could not be read"
        problems.append(
            Problem(file, int(lines[int(row)]), name, f"{what}; {outcome}", spec.description or column)
        )
    kept = emptied.loc[keep].reset_index(drop=True)
    return conform(kept, tuple(schema.columns)), keep, problems


def _plainly_valid(frame: pd.DataFrame, schema: pa.DataFrameSchema) -> bool:
    """Right columns and dtypes, no checks beyond nullability, no missing required cell.

    Such a frame cannot fail the schema, so pandera (a fixed ~1.5 ms per call, a tenth of a
    large file's load) is only asked when there is something to report.
    """
    from pandera.engines.pandas_engine import Engine

    columns = schema.columns
    if list(frame.columns) != list(columns) or any(column.checks for column in columns.values()):
        return False
    if not all(column.dtype.check(Engine.dtype(frame[name].dtype)) for name, column in columns.items()):
        return False
    required = [name for name, column in columns.items() if not column.nullable]
    return not frame[required].isna().to_numpy().any()


def to_numbers(
    values: pd.Series, lines: np.ndarray, file: str, column: str, expected: str, decimal: str = "."
) -> tuple[np.ndarray, list[Problem]]:
    """A vitals-like column as float64: placeholders and device sentinels are missing, text is an error."""
    if pd.api.types.is_numeric_dtype(values.dtype):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        problems: list[Problem] = []
    else:
        text = values.astype("str")
        dotted = text.str.replace(decimal, ".", regex=False) if decimal != "." else text
        numbers = pd.to_numeric(dotted.str.strip(), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
        bad = np.flatnonzero(text.notna().to_numpy() & np.isnan(numbers))
        problems = [
            Problem(
                file, int(lines[i]), column, f"{text.iloc[i]!r} is not a number; cell left empty", expected
            )
            for i in bad
        ]
    return without_sentinels(numbers), problems


def without_sentinels(numbers: np.ndarray) -> np.ndarray:
    """``numbers`` with the device sentinels of ``data/missing_values.toml`` as NaN (missing, not wrong)."""
    sentinels = reference.missing_values()["numbers"]
    if not len(numbers) or not (np.fmin.reduce(numbers) < 0 or np.fmax.reduce(numbers) >= max(sentinels)):
        return numbers  # no cell can be a sentinel (fmin and fmax skip empty cells, and need no temporary)
    sentinel = np.zeros(len(numbers), dtype=bool)
    for value in sentinels:  # a handful of == passes beats np.isin's sort
        sentinel |= numbers == value
    return np.where(sentinel, np.nan, numbers)
