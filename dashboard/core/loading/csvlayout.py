"""Where a delimited export's header is and how its fields are separated, found before any row is read.

Monitor exports are rarely clean CSV: BOMs and Latin-1 (see textbytes), semicolons with decimal
commas, preamble lines above the header (VSCapture's ``VitalSignsCapture v1.005``; spreadsheet
titles and column-group lines padded with delimiters, ``Vital signs;;;;``), trailing commas and
repeated column names. Knowing the header first lets the caller map columns and pick
the file's kind before a single row is parsed.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass

from dashboard.core.loading.textbytes import decode
from dashboard.core.problems import UnusableFileError

DELIMITERS: tuple[str, ...] = (",", ";", "\t")
_SNIFF_LINES = 50
_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Layout:
    """Where the header is and how fields are separated; ``body`` is UTF-8 from the header line on."""

    name: str
    body: bytes
    header: tuple[str, ...]  # stripped and made unique ("RR", "RR [2]")
    delimiter: str
    decimal: str
    header_line: int  # editor line of the header (1 unless preamble lines precede it)
    encoding: str


def sniff(data: bytes, name: str) -> Layout:
    """Decode, then find delimiter, decimal mark and header line; refuse files that are not text tables."""
    head, body, encoding = decode(data, name)
    head_lines = _NEWLINE.split(head, maxsplit=_SNIFF_LINES)[:_SNIFF_LINES]
    delimiter = _pick_delimiter(head_lines)
    header_index, header_fields = _find_header(head_lines, delimiter)
    if header_fields is None:
        raise UnusableFileError(
            name, "has no header row", "a first row naming the columns, e.g. session_id,timestamp,hr"
        )
    offset = _line_offset(head, header_index)
    sample = "\n".join(head_lines[header_index + 1 :])
    decimal = "," if delimiter != "," and re.search(r"\d,\d", sample) else "."
    return Layout(
        name=name,
        body=body[offset:],
        header=_unique(header_fields),
        delimiter=delimiter,
        decimal=decimal,
        header_line=header_index + 1,
        encoding=encoding,
    )


def _fields(line: str, delimiter: str) -> list[str]:
    if '"' not in line:  # nothing quoted: the csv module splits it just so, at a twentieth of the cost
        return line.split(delimiter) if line else []
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return [line]


def _pick_delimiter(lines: list[str]) -> str:
    """The delimiter that splits most lines into the same number (> 1) of fields."""
    candidates = [line for line in lines if line.strip() and not line.startswith("#")]

    def score(delimiter: str) -> tuple[float, int]:
        counts = Counter(len(_fields(line, delimiter)) for line in candidates)
        width, n = counts.most_common(1)[0] if counts else (1, 0)
        return (n / len(candidates), width) if width > 1 else (0.0, 0)

    return max(DELIMITERS, key=score)


def _find_header(lines: list[str], delimiter: str) -> tuple[int, list[str] | None]:
    """First line that is neither a comment nor a preamble line: one naming fewer than half the
    columns of the data rows. A title or column-group line a spreadsheet padded to the table's
    width (``Vital signs,,,,``, ``Observation,,,,,gases,,,``) has the fields but not the names."""
    rows = [_trimmed(_fields(line, delimiter)) for line in lines]
    widths = Counter(len(fields) for fields in rows if fields)
    width = widths.most_common(1)[0][0] if widths else 0
    for index, (line, fields) in enumerate(zip(lines, rows, strict=True)):
        named = sum(1 for field in fields if field.strip())
        if not line.startswith("#") and named >= max(2, width / 2):
            return index, fields
    return 0, None


def _trimmed(fields: list[str]) -> list[str]:
    """The fields up to the last one with text: trailing delimiters are padding, not columns."""
    while fields and not fields[-1].strip():
        fields.pop()
    return fields


def _line_offset(text: str, index: int) -> int:
    """Byte offset in the UTF-8 body of line ``index`` (0-based)."""
    breaks = _NEWLINE.finditer(text)
    end = next(match.end() for count, match in enumerate(breaks, start=1) if count == index) if index else 0
    return len(text[:end].encode("utf-8"))


def _unique(fields: list[str]) -> tuple[str, ...]:
    names: list[str] = []
    for position, field in enumerate(fields, start=1):
        name = field.strip() or f"column {position}"
        copies = sum(1 for earlier in names if earlier == name or earlier.startswith(f"{name} ["))
        names.append(f"{name} [{copies + 1}]" if copies else name)
    return tuple(names)
