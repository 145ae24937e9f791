"""What loading every kind of file shares: read the mapped columns, name the session, place rows in time."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

import numpy as np
import pandas as pd

from dashboard.core.loading.columns import Alias, ColumnMap, map_columns
from dashboard.core.loading.csvlayout import Layout
from dashboard.core.loading.csvread import NUMBER, TEXT, UTC_TIME, RawTable, read_rows
from dashboard.core.loading.timestamps import (
    LoadSettings,
    MissingOriginError,
    join_date_time,
    parse_timestamps,
)
from dashboard.core.model import TIMESTAMP_DTYPE, VITALS
from dashboard.core.problems import Problem, UnusableFileError

# Targets read as numbers by the CSV reader (everything else stays text exactly as written).
NUMERIC_TARGETS = frozenset({*VITALS, "value", "score", "planned_minutes", "dose_mg_per_kg", "weight_kg"})
_TIME_TARGETS = frozenset({"timestamp", "infusion_start", "infusion_end"})


@dataclass
class Rows:
    """The mapped columns of one file, keyed by canonical target, with each row's editor line."""

    file: str
    frame: pd.DataFrame
    lines: np.ndarray
    chosen: dict[str, tuple[str, Alias]]  # target -> (header as written, alias)
    decimal: str
    problems: list[Problem]
    parsed_time: pd.Series | None = None  # the timestamp column as UTC, when choosing it meant reading it

    def header(self, target: str) -> str:
        return self.chosen[target][0]

    def describe(self, target: str, row: int) -> tuple[str, str | None]:
        """The file's name for a target column and the cell as written, for messages."""
        if target not in self.chosen:
            return target, None
        value = self.frame[target].iloc[row]
        return self.header(target), None if pd.isna(value) else str(value)


def read_mapped(layout: Layout, columns: ColumnMap, settings: LoadSettings) -> Rows:
    """Read the chosen columns; a file without a single usable row is unusable. Of several time
    columns the best-ranked is used unless it cannot be read and another can (see _readable_time)."""
    spares = {header: _how("timestamp", alias) for header, alias in columns.spare_times}
    raw = read_rows(layout, {**reading(columns), **spares})
    if len(raw.frame) == 0:
        if raw.problems:
            first = raw.problems[0]
            raise UnusableFileError(
                layout.name,
                f"has no readable row: {first.message.split(';')[0]} (first at line {first.line})",
                first.expected,
            )
        raise UnusableFileError(
            layout.name, "has a header but no data rows", "at least one row below the header"
        )
    parsed, switched = None, []
    if spares:
        columns, parsed, switched = _readable_time(raw, columns, layout, settings)
    by_target = {header: target for target, (header, _) in columns.chosen.items()}
    return Rows(
        file=layout.name,
        frame=raw.frame[list(by_target)].rename(columns=by_target),
        lines=raw.lines,
        chosen=columns.chosen,
        decimal=layout.decimal,
        problems=[*columns.problems, *raw.problems, *switched],
        parsed_time=parsed,
    )


def _readable_time(
    raw: RawTable, columns: ColumnMap, layout: Layout, settings: LoadSettings
) -> tuple[ColumnMap, pd.Series | None, list[Problem]]:
    """The time column to use, its times, and the warning when it is not the best-ranked one.

    Exports often carry several clocks (monitor and PC time, a text date beside epoch seconds).
    The best-ranked is used unless it reads in fewer than half the rows and another reads in
    more: then rows would be rejected for a form the file also gives in a readable column.
    """
    header, alias = columns.chosen["timestamp"]
    values = raw.frame[header]
    if "date" in columns.chosen:
        values = join_date_time(raw.frame[columns.chosen["date"][0]], values)
    first = _parse_or_none(values, alias, settings)
    if _readable(first) * 2 >= len(values):
        return columns, first, []
    tried = {name: _parse_or_none(raw.frame[name], spare, settings) for name, spare in columns.spare_times}
    best = max(tried, key=lambda name: _readable(tried[name]))  # ties: the better rank, listed first
    if _readable(tried[best]) <= _readable(first):
        return columns, first, []
    if first is None:
        why = "holds elapsed times and no start time (elapsed origin) is set"
    else:
        row = int(np.flatnonzero(first.isna().to_numpy())[0])
        cell = values.iloc[row]
        shown = "missing" if pd.isna(cell) else repr(str(cell))
        why = (
            f"has no readable time in {len(values) - _readable(first)} of {len(values)} rows "
            f"(first at line {raw.lines[row]}: {shown})"
        )
    switched = Problem(
        file=layout.name,
        line=None,
        column=header,
        message=f"{why}; times taken from column {best} instead",
        expected=f"times in {header} in a form the loaders read, or {best} as the only time column",
        level="warning",
    )
    return map_columns(layout.header, layout.name, time_column=best), tried[best], [switched]


def _parse_or_none(values: pd.Series, alias: Alias, settings: LoadSettings) -> pd.Series | None:
    """The column as UTC times, or None when they are elapsed times with no origin to count from."""
    try:
        return parse_timestamps(values, alias.kind, alias.scale, settings)
    except MissingOriginError:
        return None


def _readable(times: pd.Series | None) -> int:
    return 0 if times is None else int(times.notna().sum())


def reading(columns: ColumnMap) -> dict[str, str]:
    """How the CSV reader should read each chosen column (header -> TEXT, NUMBER or UTC_TIME)."""
    return {header: _how(target, alias) for target, (header, alias) in columns.chosen.items()}


def _how(target: str, alias: Alias) -> str:
    if target in _TIME_TARGETS:
        return UTC_TIME if alias.kind == "auto" else NUMBER
    return NUMBER if target in NUMERIC_TARGETS else TEXT


def session_ids(rows: Rows) -> pd.Series:
    """The session column, or the file name stem for files that hold one session without saying so."""
    if "session_id" in rows.frame:
        return rows.frame["session_id"].astype("str").str.strip()
    return pd.Series(file_stem(rows.file), index=rows.frame.index, dtype="str")


def file_stem(name: str) -> str:
    """``exports/P01-S1.csv.gz`` -> ``P01-S1``."""
    path = PurePath(name)
    while path.suffix.lower() in (".gz", ".csv", ".tsv", ".txt"):
        path = path.with_suffix("")
    return path.name or name


def times(rows: Rows, target: str, settings: LoadSettings) -> pd.Series:
    """One time column as UTC; NaT where a cell could not be read (the schema reports it)."""
    if target not in rows.frame:
        return pd.Series(pd.NaT, index=rows.frame.index, dtype=TIMESTAMP_DTYPE)
    if target == "timestamp" and rows.parsed_time is not None:
        return rows.parsed_time
    header, alias = rows.chosen[target]
    values = rows.frame[target]
    if target == "timestamp" and "date" in rows.frame:
        values = join_date_time(rows.frame["date"], values)
    try:
        return parse_timestamps(values, alias.kind, alias.scale, settings)
    except MissingOriginError as error:
        if target != "timestamp":  # a session's times are optional cells, reported one by one
            return pd.Series(pd.NaT, index=rows.frame.index, dtype=TIMESTAMP_DTYPE)
        raise UnusableFileError(
            rows.file,
            f"gives only elapsed time (column {header}) and {error}",
            "a start time in the load settings (elapsed origin), or a column of clock times",
        ) from None
