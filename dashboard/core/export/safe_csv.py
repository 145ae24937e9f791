"""Formula-safe CSV: every CSV the app or the CLI writes for people goes through ``to_safe_csv``.

Exported CSVs are opened in spreadsheets, where a text cell starting with ``= + - @`` (or a tab
or carriage return) is run as a formula (CSV injection, OWASP). Such text cells get a leading
quote; numeric columns are left alone so a real negative number stays a number.
"""

from __future__ import annotations

import pandas as pd

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
