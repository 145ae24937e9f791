"""Reading raw tables out of real-world CSV bytes: encodings, delimiters, preambles, ragged rows."""

from __future__ import annotations

import gzip

import numpy as np

from dashboard.core.loading.csvlayout import sniff
from dashboard.core.loading.csvread import NUMBER, TEXT, UTC_TIME, read_rows


def _read(data: bytes, numeric: tuple[str, ...] = (), times: tuple[str, ...] = ()):
    layout = sniff(data, "f.csv")
    how = {name: NUMBER if name in numeric else UTC_TIME if name in times else TEXT for name in layout.header}
    return layout, read_rows(layout, how)


def test_clean_file_gives_columns_and_editor_line_numbers():
    layout, table = _read(b"session_id,hr\nA,72\nA,73\n", numeric=("hr",))
    assert layout.header == ("session_id", "hr")
    assert table.frame["hr"].tolist() == [72.0, 73.0]
    assert table.lines.tolist() == [2, 3]
    assert table.problems == []


def test_identifiers_keep_leading_zeros_because_only_chosen_columns_become_numbers():
    _, table = _read(b"session_id,hr\n007,72\n", numeric=("hr",))
    assert table.frame["session_id"].tolist() == ["007"]


def test_utf8_bom_is_not_part_of_the_first_column_name():
    layout, _ = _read(b"\xef\xbb\xbfTime,HR\n1,60\n")
    assert layout.header == ("Time", "HR")
    assert layout.encoding == "utf-8-sig"


def test_latin1_file_is_decoded_without_mojibake():
    layout, table = _read("session_id,note\nA,naus\xe9e\n".encode("latin-1"))
    assert layout.encoding == "latin-1"
    assert table.frame["note"].tolist() == ["nausée"]


def test_semicolon_file_with_decimal_commas_reads_numbers():
    layout, table = _read(b"time;hr;spo2\n09:00;72,5;98,1\n09:01;73,0;97,9\n", numeric=("hr", "spo2"))
    assert (layout.delimiter, layout.decimal) == (";", ",")
    assert table.frame["hr"].tolist() == [72.5, 73.0]


def test_tab_separated_file_is_recognised():
    layout, _ = _read(b"time\thr\n1\t72\n")
    assert layout.delimiter == "\t"


def test_vscapture_preamble_lines_are_skipped_and_lines_still_count_from_the_top():
    data = (
        b"VitalSignsCapture v1.005\r\nDatex AS3 Monitor\r\n"
        b"Date,Time,Heart Rate(/min)\r\n15/05/2016,12:50:56,72\r\n"
    )
    layout, table = _read(data, numeric=("Heart Rate(/min)",))
    assert layout.header_line == 3
    assert table.frame["Heart Rate(/min)"].tolist() == [72.0]
    assert table.lines.tolist() == [4]


def test_trailing_commas_are_not_a_column_and_not_a_ragged_row():
    layout, table = _read(b"time,hr,\n1,72,\n2,73,\n", numeric=("hr",))
    assert layout.header == ("time", "hr")
    assert table.frame["hr"].tolist() == [72.0, 73.0]
    assert table.problems == []


def test_ragged_row_is_reported_with_its_line_and_skipped_not_padded():
    _, table = _read(b"time,hr,spo2\n1,72,98\n2,73\n3,74,97\n", numeric=("hr",))
    assert table.frame["hr"].tolist() == [72.0, 74.0]
    assert table.lines.tolist() == [2, 4]
    assert [str(p) for p in table.problems] == [
        "f.csv:3: row has 2 fields but the header has 3; row skipped; expected 3 fields separated by commas"
    ]


def test_blank_lines_do_not_shift_line_numbers():
    _, table = _read(b"time,hr\n1,72\n\n2,73\n", numeric=("hr",))
    assert table.lines.tolist() == [2, 4]


def test_quoted_field_spanning_lines_keeps_the_line_it_starts_on():
    _, table = _read(b'time,note\n1,"two\nlines"\n2,ok\n')
    assert table.frame["note"].tolist() == ["two\nlines", "ok"]
    assert table.lines.tolist() == [2, 4]


def test_placeholders_are_missing_in_any_column():
    _, table = _read(b"time,hr,note\n1,-,None\n2,-nan(ind),\n", numeric=("hr",))
    assert np.isnan(table.frame["hr"]).all()
    assert table.frame["note"].isna().all()


def test_column_with_a_word_stays_text_so_the_cell_can_be_reported():
    _, table = _read(b"time,hr\n1,72\n2,abc\n", numeric=("hr",))
    assert table.frame["hr"].tolist() == ["72", "abc"]


def test_repeated_column_names_are_made_unique():
    layout, _ = _read(b"time, RR,hr, RR\n1,12,70,13\n")
    assert layout.header == ("time", "RR", "hr", "RR [2]")


def test_gzip_file_is_read_transparently():
    layout, table = _read(gzip.compress(b"time,hr\n1,72\n"), numeric=("hr",))
    assert table.frame["hr"].tolist() == [72.0]


def test_fast_and_python_paths_read_the_same_values():
    clean = b"session_id,timestamp,hr\nA,2026-03-02T09:00:00Z,72\nA,2026-03-02T09:00:01Z,\n"
    quoted = clean.replace(b"A,", b'"A",')  # quotes send the file down the Python path
    _, fast = _read(clean, numeric=("hr",))
    _, slow = _read(quoted, numeric=("hr",))
    assert fast.frame.equals(slow.frame)
    assert fast.lines.tolist() == slow.lines.tolist()


def test_fast_and_python_paths_report_the_same_short_rows():
    ragged = b"session_id,hr,spo2\nA,72,98\nA,73\nA,74,97\nA,75\n"
    _, fast = _read(ragged, numeric=("hr",))
    _, slow = _read(ragged.replace(b"A,72", b'"A",72'), numeric=("hr",))
    assert fast.frame.equals(slow.frame)
    assert fast.lines.tolist() == slow.lines.tolist() == [2, 4]
    assert [str(p) for p in fast.problems] == [str(p) for p in slow.problems]
    assert [p.line for p in fast.problems] == [3, 5]


def test_rows_with_more_fields_than_the_header_keep_the_named_columns_and_are_reported_once():
    # Datex AS/3 via VSCapture: the rows carry fields the header does not name.
    data = b"time,hr,spo2\n1,72,98\n2,73,97,5,6\n3,74,96,5,6\n4,75,95,5,6\n5,76,94\n6,77,93,5,6\n"
    _, table = _read(data, numeric=("hr", "spo2"))
    assert table.frame["hr"].tolist() == [72.0, 73.0, 74.0, 75.0, 76.0, 77.0]
    assert table.frame["spo2"].tolist() == [98.0, 97.0, 96.0, 95.0, 94.0, 93.0]
    assert table.lines.tolist() == [2, 3, 4, 5, 6, 7]
    assert [str(p) for p in table.problems] == [
        "f.csv: lines 3-5, 7: 2 more fields than the header's 3; the header's 3 columns were read, "
        "the fields after the last (spo2) were not. If the exporter inserted fields mid-row, the "
        "columns after them hold other values: compare them with the monitor; "
        "expected a header naming every field of a row"
    ]
    assert table.problems[0].level == "warning"


def test_rows_wider_by_different_counts_are_listed_by_count_in_one_warning():
    data = b"time,hr\n1,72,9\n2,73\n3,74,9,9\n"
    _, table = _read(data, numeric=("hr",))
    assert table.frame["hr"].tolist() == [72.0, 73.0, 74.0]
    assert [p.message.split("; the header")[0] for p in table.problems] == [
        "line 2: 1 more field than the header's 2; line 4: 2 more fields than the header's 2"
    ]


def test_a_long_list_of_wide_rows_is_counted_after_the_first_runs():
    rows = b"".join(b"%d,7%d,9\n" % (n, n % 10) if n % 2 else b"%d,70\n" % n for n in range(1, 41))
    _, table = _read(b"time,hr\n" + rows, numeric=("hr",))
    assert len(table.frame) == 40
    assert table.problems[0].message.startswith(
        "lines 2, 4, 6, 8, 10, 12, 14, 16 and 12 more: 1 more field than the header's 2;"
    )


def test_iso_times_with_offset_are_parsed_by_the_reader_and_others_stay_text():
    _, parsed = _read(b"timestamp,hr\n2026-03-02T09:00:00Z,72\n", times=("timestamp",))
    assert str(parsed.frame["timestamp"].dtype) == "datetime64[us, UTC]"
    _, naive = _read(b"timestamp,hr\n2026-03-02 09:00:00,72\n", times=("timestamp",))
    assert naive.frame["timestamp"].tolist() == ["2026-03-02 09:00:00"]
