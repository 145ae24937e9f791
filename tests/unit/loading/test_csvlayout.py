"""Where the header is: title and column-group lines padded with delimiters are preamble, not the header."""

from __future__ import annotations

from dashboard.core.loading.csvlayout import sniff


def test_title_line_padded_with_commas_is_preamble_not_the_header():
    layout = sniff(b"Some title,,,,\ntime,hr,sbp,dbp,spo2\n1,72,120,80,98\n", "f.csv")
    assert layout.header == ("time", "hr", "sbp", "dbp", "spo2")
    assert layout.header_line == 2


def test_title_line_padded_with_semicolons_is_preamble_not_the_header():
    layout = sniff(b"Vital signs;;;;\nZeit;HF;SpO2;AF;NIBP\n09:00;72;98;14;120\n", "f.csv")
    assert layout.delimiter == ";"
    assert layout.header == ("Zeit", "HF", "SpO2", "AF", "NIBP")
    assert layout.header_line == 2


def test_column_group_line_above_the_header_is_preamble_too():
    data = (
        b"Export,,,,,,\r\n"
        b"Observation,,,,gases,,\r\n"
        b"datetime,bp_systolic,bp_diastolic,pulse,etco2,fio2,rate\r\n"
        b"22/08/2016 12:50:00,143,72,61,35,40,10\r\n"
    )
    layout = sniff(data, "f.csv")
    assert layout.header[:2] == ("datetime", "bp_systolic")
    assert layout.header_line == 3
    assert layout.body.startswith(b"datetime,")


def test_header_with_a_few_unnamed_columns_is_still_the_header():
    layout = sniff(b"time,hr,,spo2\n1,72,x,98\n", "f.csv")
    assert layout.header == ("time", "hr", "column 3", "spo2")
    assert layout.header_line == 1


def test_rows_padded_with_delimiters_to_a_wider_sheet_keep_their_header():
    layout = sniff(b"time,hr,,,,,\n1,72,,,,,\n2,73,,,,,\n", "f.csv")
    assert layout.header == ("time", "hr")
    assert layout.header_line == 1
