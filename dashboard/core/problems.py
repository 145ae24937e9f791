"""Problems found in input files, reported as ``FILE:LINE: column COL: what; expected``.

Line numbers are as an editor shows them (header = line 1). A problem never stops a load
by itself: valid rows are kept and every rejected row or cell is listed.
"""

from __future__ import annotations

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
