"""Problems found in input files, reported as ``FILE:LINE: column COL: what; expected``.

Line numbers are as an editor shows them (header = line 1). A problem never stops a load
by itself: valid rows are kept and every rejected row or cell is listed.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import pandas as pd

PROBLEM_COLUMNS: tuple[str, ...] = ("file", "line", "column", "message", "expected", "level")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, row or cell.

    ``level`` is ``fatal`` (the whole file is unusable), ``error`` (row or cell rejected),
    ``artifact`` (value kept for display but excluded from alerting) or ``warning`` (kept as
    given, e.g. an unknown event name).
    """

    file: str
    line: int | None
    column: str | None
    message: str
    expected: str
    level: str = "error"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        column = f" column {self.column}:" if self.column else ""
        return f"{where}:{column} {self.message}; expected {self.expected}"


class UnusableFileError(ValueError):
    """A file that cannot be used at all (empty, binary, no timestamp column...)."""

    def __init__(self, file: str, message: str, expected: str) -> None:
        self.problem = Problem(
            file=file, line=None, column=None, message=message, expected=expected, level="fatal"
        )
        super().__init__(str(self.problem))


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table (for the app's report and for CSV export)."""
    frame = pd.DataFrame([asdict(p) for p in problems], columns=list(PROBLEM_COLUMNS))
    return frame.astype({"line": "Int64"})


GROUP_COLUMNS: tuple[str, ...] = ("file", "level", "column", "kind", "count", "first_lines", "example")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:[.:]\d+)*(?![\w])")


def problem_kind(message: str) -> str:
    """A problem's message with its cell values taken out, the same for every row of one kind:
    ``RR 0.04 is below the plausible minimum`` -> ``RR … is below the plausible minimum``;
    quoted text (``'abc' is not a number``) likewise. Names such as SpO2 are kept."""
    return _NUMBER.sub("…", _QUOTED.sub("'…'", message))


def problem_groups(table: pd.DataFrame, first: int = 5) -> pd.DataFrame:
    """Problems (``problems_frame``) grouped by file and kind (level, column and ``problem_kind``),
    in the files' order, most frequent kind first: how many, the first ``first`` line numbers
    (``"4, 5, 6, 7, 8, …"``) and the first message of the kind as an example."""
    if table.empty:
        return pd.DataFrame(columns=list(GROUP_COLUMNS))
    keyed = table.assign(kind=table["message"].map(problem_kind), column=table["column"].fillna(""))
    keys = ["file", "level", "column", "kind"]
    grouped = keyed.groupby(keys, sort=False, dropna=False)
    groups = grouped.agg(
        count=("message", "size"), example=("message", "first"), lines=("line", lambda s: s.dropna().tolist())
    ).reset_index()
    more = groups["count"] > first
    groups["first_lines"] = [
        ", ".join(str(int(n)) for n in lines[:first]) + (", …" if extra else "")
        for lines, extra in zip(groups["lines"], more, strict=True)
    ]
    order = pd.Index(pd.unique(table["file"]))
    groups = groups.assign(_file=order.get_indexer(groups["file"])).sort_values(
        ["_file", "count"], ascending=[True, False], kind="stable"
    )
    return groups[list(GROUP_COLUMNS)].reset_index(drop=True)
