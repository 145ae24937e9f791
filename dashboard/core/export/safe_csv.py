"""Formula-safe CSV: every CSV the app or the CLI writes for people goes through ``to_safe_csv``
(or, for the canonical files of an export, ``formula_safe`` before ``write_dataset``).

Exported CSVs are opened in spreadsheets, where a text cell starting with ``= + - @`` (or a tab
or carriage return) is run as a formula (CSV injection, OWASP). Such text cells get a leading
quote; numeric columns are left alone so a real negative number stays a number.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from dashboard.core.model import EVENT_COLUMNS, SESSION_COLUMNS, VITALS_COLUMNS, Dataset, conform

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula, prefixed with ``'``."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        text = values.astype("str")
        risky = values.notna() & text.str.startswith(FORMULA_STARTS)
        out[column] = values.astype(object).where(~risky, "'" + text)
    return out


def to_safe_csv(frame: pd.DataFrame) -> bytes:
    """Formula-safe CSV in UTF-8, timestamps as ISO 8601 with their offset."""
    return neutralise_formulas(frame).to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%S%z").encode("utf-8")


def formula_safe(dataset: Dataset) -> Dataset:
    """The dataset with every text cell a spreadsheet would run as a formula prefixed with ``'``,
    the same in every frame (for ``write_dataset``, which writes what it is given); the vitals
    are copied only when a session id needs it."""
    vitals = dataset.vitals
    if vitals["session_id"].cat.categories.str.startswith(FORMULA_STARTS).any():
        ids = neutralise_formulas(vitals[["session_id"]])["session_id"]
        vitals = conform(vitals.assign(session_id=ids), VITALS_COLUMNS)
    return dataclasses.replace(
        dataset,
        vitals=vitals,
        events=conform(neutralise_formulas(dataset.events), EVENT_COLUMNS),
        sessions=conform(neutralise_formulas(dataset.sessions), SESSION_COLUMNS),
    )
