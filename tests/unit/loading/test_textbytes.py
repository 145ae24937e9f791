"""Bytes of any origin become text, or one clear refusal naming what the file really is."""

from __future__ import annotations

import gzip

import pytest

from dashboard.core.loading import textbytes
from dashboard.core.loading.textbytes import decode
from dashboard.core.problems import UnusableFileError


def test_utf8_with_bom_loses_the_bom():
    text, body, encoding = decode(b"\xef\xbb\xbfTime,HR\n", "f.csv")
    assert (text, body, encoding) == ("Time,HR\n", b"Time,HR\n", "utf-8-sig")


def test_windows_latin1_is_re_encoded_as_utf8():
    text, body, encoding = decode("note\nnaus\xe9e\n".encode("latin-1"), "f.csv")
    assert (text, encoding) == ("note\nnausée\n", "latin-1")
    assert body == "note\nnausée\n".encode()


def test_excel_unicode_text_utf16_is_read():
    text, _, encoding = decode("Time\tHR\n1\t72\n".encode("utf-16"), "f.txt")
    assert (text, encoding) == ("Time\tHR\n1\t72\n", "utf-16")


def test_gzip_is_unpacked_first():
    assert decode(gzip.compress(b"Time,HR\n"), "f.csv.gz")[0] == "Time,HR\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "f.csv: is empty; expected a header row and at least one row of readings"),
        (b" \r\n\n", "f.csv: is empty; expected a header row and at least one row of readings"),
        (
            b"\x00\x01\x02binary\x00",
            "f.csv: is a binary file, not a text table; expected a CSV export (text)",
        ),
        (b"\x1f\x8b\x08broken", "f.csv: is a damaged gzip file"),
        (
            b"PK\x03\x04rest",
            "f.csv: is a zip archive or an Excel workbook; expected a CSV file (Save As > CSV)",
        ),
        (
            gzip.compress(b"VITA\x01\x00", mtime=0),  # no time in the id: xdist workers must agree
            "f.csv: is a binary VitalRecorder (.vital) file, not a CSV",
        ),
    ],
)
def test_files_that_are_not_text_tables_are_refused_with_one_message(data, message):
    with pytest.raises(UnusableFileError) as refused:
        decode(data, "f.csv")
    assert str(refused.value).startswith(message)


def test_a_gzip_that_unpacks_beyond_the_limit_is_refused_not_inflated(monkeypatch) -> None:
    monkeypatch.setattr(textbytes, "MAX_UNZIPPED_BYTES", 1000)
    bomb = gzip.compress(b"session_id,timestamp,hr\n" + b"0" * 5000)
    with pytest.raises(UnusableFileError, match=r"unpacks to more than 0 MB"):
        textbytes.decode(bomb, "bomb.csv.gz")


def test_a_truncated_gzip_is_refused_as_damaged() -> None:
    whole = gzip.compress(b"session_id,timestamp,hr\nS1,2026-03-02T09:00:00Z,70\n" * 50)
    with pytest.raises(UnusableFileError, match="damaged gzip"):
        textbytes.decode(whole[: len(whole) // 2], "cut.csv.gz")
