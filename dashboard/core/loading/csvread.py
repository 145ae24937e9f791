"""The rows of a delimited text export (its layout found by csvlayout) -> raw columns with line numbers.

Clean files take pyarrow's multithreaded reader; anything odd (quoted fields that may span lines,
blank lines, trailing delimiters, rows wider than the header) takes a pure-Python ``csv`` path.
A row short of fields is reported with its editor line and skipped, never padded: which cell is
missing cannot be known. A row with more fields than the header keeps the columns the header
names (VSCapture's AS/3 export writes more values than its header names); the extra fields are
reported once per file with the lines that had them. Both paths give the same columns: numbers
as float64 where a whole column parses, UTC times where every cell carries an offset, else text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from dashboard.core import reference
from dashboard.core.loading.csvlayout import Layout
from dashboard.core.problems import Problem, UnusableFileError

# How read_rows should read a column: as written, as numbers, or as UTC times where every cell
# is ISO 8601 with an offset (parsed inside pyarrow's reader; otherwise the column stays text).
# read_strict also reads NAIVE_TIME: ISO 8601 without an offset, as clock times of no zone yet.
TEXT, NUMBER, UTC_TIME, NAIVE_TIME = "text", "number", "utc_time", "naive_time"
_STRICT_TYPES = {
    TEXT: pa.string(),
    NUMBER: pa.float64(),
    UTC_TIME: pa.timestamp("us", tz="UTC"),
    NAIVE_TIME: pa.timestamp("us"),
}
_LOOSE_TYPES = {TEXT: pa.string(), NUMBER: None, UTC_TIME: pa.string(), NAIVE_TIME: pa.string()}
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}


@dataclass
class RawTable:
    """The chosen columns as read: numbers where a whole column parsed as numbers, else text."""

    frame: pd.DataFrame
    lines: np.ndarray  # editor line number of each row
    problems: list[Problem]


def read_rows(layout: Layout, columns: Mapping[str, str]) -> RawTable:
    """Read ``columns`` (header name -> TEXT, NUMBER or UTC_TIME) of every row below the header."""
    fast = _read_fast(layout, columns)
    return fast if fast is not None else _read_python(layout, columns)


def read_strict(layout: Layout, columns: Mapping[str, str], use_threads: bool = True) -> pa.Table | None:
    """Every row as strictly typed Arrow columns (float64 numbers, UTC times), or None when any
    row or cell needs the careful path (quotes, blank or ragged lines, a word in a number column).

    ``use_threads=False`` when files are already read in parallel: nested thread pools on two
    cores cost more than they gain.
    """
    if b'"' in layout.body:
        return None
    table, ragged = _arrow_read(layout, columns, use_threads=use_threads, strict=True)
    if table is None or ragged or table.num_rows != _data_lines(layout):
        return None
    return table


def line_count(data: bytes) -> int:
    """Lines of ``data`` however they end (``\\n``, ``\\r\\n`` or ``\\r``; blank ones and a last one
    without a line end included): no reader finds more rows than that."""
    breaks = _count(data, b"\n")
    if data.find(b"\r") != -1:  # old Mac line ends: a carriage return not followed by a line feed
        codes = np.frombuffer(data, dtype=np.uint8)
        breaks += _count(data, b"\r") - int(np.count_nonzero((codes[:-1] == 13) & (codes[1:] == 10)))
    return breaks + (0 if data[-1:] in (b"\n", b"\r", b"") else 1)


def _data_lines(layout: Layout) -> int:
    """Lines below the header counted at line feeds only: the rows pyarrow must have read for its
    row numbers to be editor lines (``line_count`` counts carriage returns too)."""
    body = layout.body
    return _count(body, b"\n") + (0 if body.endswith(b"\n") else 1) - 1


def _count(body: bytes | memoryview, byte: bytes) -> int:
    """``body.count(byte)`` for one byte, about four times faster on a file of megabytes."""
    return int(np.count_nonzero(np.frombuffer(body, dtype=np.uint8) == ord(byte)))


def _read_fast(layout: Layout, columns: Mapping[str, str]) -> RawTable | None:
    """pyarrow, with ragged rows collected by line; None leaves odd files to the Python path."""
    body = layout.body
    if b'"' in body:  # a quoted field may span lines, which would shift every line number after it
        return None
    strict = True
    table, ragged = _arrow_read(layout, columns, use_threads=True, strict=strict)
    if table is None:  # a word in a number column or a time without offset: let pyarrow infer
        strict = False
        table, ragged = _arrow_read(layout, columns, use_threads=True, strict=strict)
    if any(row.number is None or row.number < 0 for row in ragged):  # numbered only on one thread
        table, ragged = _arrow_read(layout, columns, use_threads=False, strict=strict)
    rows = _data_lines(layout)
    delimiter = layout.delimiter
    if (
        table is None
        or table.num_rows + len(ragged) != rows
        or any(r.text.endswith(delimiter) or r.actual_columns > r.expected_columns for r in ragged)
    ):
        return None  # blank lines (pyarrow skips them), trailing delimiters, wide rows: the Python path
    # pyarrow's row number counts lines from the header (= 1); with no blank lines that maps to the editor's.
    skipped = {layout.header_line - 1 + row.number: row for row in ragged}
    lines = np.arange(layout.header_line + 1, layout.header_line + 1 + rows, dtype=np.int64)
    lines = lines[~np.isin(lines, list(skipped))] if skipped else lines
    problems = [
        _ragged(layout, line, row.actual_columns) for line, row in skipped.items() if row.text.strip()
    ]
    return RawTable(frame=_arrow_frame(table, columns), lines=lines, problems=problems)


def _arrow_read(
    layout: Layout, columns: Mapping[str, str], use_threads: bool, strict: bool = False
) -> tuple[pa.Table | None, list]:
    """``strict`` reads numbers as float64 and times as UTC (fastest); otherwise they are inferred or text."""
    types = _STRICT_TYPES if strict else _LOOSE_TYPES
    ragged: list = []

    def skip(row: pacsv.InvalidRow) -> str:
        ragged.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(layout.body),
            read_options=pacsv.ReadOptions(
                column_names=list(layout.header), skip_rows=1, use_threads=use_threads
            ),
            parse_options=pacsv.ParseOptions(delimiter=layout.delimiter, invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(columns),
                column_types={name: types[how] for name, how in columns.items() if types[how] is not None},
                null_values=reference.missing_values()["text"],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                decimal_point=layout.decimal,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None, ragged
    return table, ragged


def _arrow_frame(table: pa.Table, columns: Mapping[str, str]) -> pd.DataFrame:
    """Numbers as float64, UTC times as datetime64[us, UTC], the rest as text, like the Python path."""
    for name, how in columns.items():
        kind = table.schema.field(name).type
        if how == NUMBER and (pa.types.is_integer(kind) or pa.types.is_null(kind)):
            target = pa.float64()
        elif not (pa.types.is_floating(kind) or pa.types.is_timestamp(kind) or pa.types.is_string(kind)):
            target = pa.string()  # e.g. a "true"/"false" column pyarrow read as booleans
        else:
            continue
        table = table.set_column(table.schema.get_field_index(name), name, table.column(name).cast(target))
    return table.select(list(columns)).to_pandas()


def _read_python(layout: Layout, columns: Mapping[str, str]) -> RawTable:
    """Every row by hand: blank lines skipped, trailing empty fields dropped, ragged rows reported."""
    width = len(layout.header)
    wanted = [layout.header.index(name) for name in columns]
    cells: list[list[str]] = []
    lines: list[int] = []
    problems: list[Problem] = []
    wide: dict[int, list[int]] = {}  # extra fields -> the lines with that many
    for line, last_line, row in _numbered_rows(layout):
        if last_line > line:
            problems.append(_spanning(layout, line, last_line))
        while len(row) > width and not row[-1].strip():
            row.pop()
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) < width:
            problems.append(_ragged(layout, line, len(row)))
            continue
        if len(row) > width:
            wide.setdefault(len(row) - width, []).append(line)
        cells.append([row[i] for i in wanted])
        lines.append(line)
    data = dict(zip(columns, zip(*cells, strict=True), strict=True)) if cells else {}
    frame = pd.DataFrame({name: _column(list(data.get(name, ())), columns[name], layout) for name in columns})
    if wide:
        problems.append(_wider(layout, wide))
    return RawTable(frame=frame, lines=np.asarray(lines, dtype=np.int64), problems=problems)


def _numbered_rows(layout: Layout) -> list[tuple[int, int, list[str]]]:
    """Rows below the header with the editor lines each starts and ends on (quoted fields may span lines)."""
    reader = csv.reader(io.StringIO(layout.body.decode("utf-8"), newline=""), delimiter=layout.delimiter)
    numbered: list[tuple[int, int, list[str]]] = []
    try:
        next(reader, None)
        previous = reader.line_num
        for row in reader:
            numbered.append((layout.header_line + previous, layout.header_line + reader.line_num - 1, row))
            previous = reader.line_num
    except csv.Error as error:
        raise UnusableFileError(layout.name, f"cannot be read as CSV ({error})", "a CSV export") from None
    return numbered


def _column(values: list[str], how: str, layout: Layout) -> pd.Series:
    """Text with placeholders as missing; a wholly numeric column as float64, as pyarrow would read it.

    Times stay text here: the timestamps module parses them the same way the fast path would.
    """
    text = pd.Series(values, dtype="str").str.strip()
    text = text.where(~text.isin(reference.missing_values()["text"]))
    if how != NUMBER:
        return text
    dotted = text.str.replace(layout.decimal, ".", regex=False) if layout.decimal != "." else text
    numbers = pd.to_numeric(dotted, errors="coerce")
    return numbers.astype("float64") if numbers.notna().sum() == text.notna().sum() else text


def _spanning(layout: Layout, line: int, last_line: int) -> Problem:
    """A quoted field with line breaks is legal (a long note), but a missing closing quote looks
    the same and would swallow the rows after it: say so rather than keep it quietly."""
    return Problem(
        file=layout.name,
        line=line,
        column=None,
        message=f"a quoted field runs from line {line} to line {last_line}; "
        "the lines in between were read as text of this row",
        expected="a closing quote on the same line, unless the text really holds line breaks",
        level="warning",
    )


def _ragged(layout: Layout, line: int, fields: int) -> Problem:
    width = len(layout.header)
    return Problem(
        file=layout.name,
        line=line,
        column=None,
        message=f"row has {fields} fields but the header has {width}; row skipped",
        expected=f"{width} fields separated by {_DELIMITER_NAMES[layout.delimiter]}",
    )


def _wider(layout: Layout, wide: dict[int, list[int]]) -> Problem:
    """One warning for every row with more fields than the header: the rows are kept (their named
    columns are what the header promises), but whatever the extra fields held was not read."""
    width = len(layout.header)
    parts = [
        f"{_line_ranges(lines)}: {extra} more field{'s' if extra > 1 else ''} than the header's {width}"
        for extra, lines in sorted(wide.items(), key=lambda item: item[1][0])
    ]
    return Problem(
        file=layout.name,
        line=None,
        column=None,
        message=f"{'; '.join(parts)}; the header's {width} columns were read, the fields after "
        f"the last ({layout.header[-1]}) were not. If the exporter inserted fields mid-row, the "
        "columns after them hold other values: compare them with the monitor",
        expected="a header naming every field of a row",
        level="warning",
    )


def _line_ranges(lines: list[int], most: int = 8) -> str:
    """``[3, 4, 5, 9]`` -> ``lines 3-5, 9``; after ``most`` runs the rest is counted, not listed."""
    runs: list[list[int]] = []
    for line in lines:
        if runs and line == runs[-1][1] + 1:
            runs[-1][1] = line
        else:
            runs.append([line, line])
    shown = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs[:most])
    more = f" and {sum(b - a + 1 for a, b in runs[most:])} more" if len(runs) > most else ""
    return f"{'line' if len(lines) == 1 else 'lines'} {shown}{more}"
