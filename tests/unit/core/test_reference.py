"""Reference data: every table in core/data is read through one accessor, as text, TOML or CSV rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.core import reference

DATA = Path(reference.__file__).parent / "data"


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.csv")))
def test_every_csv_table_reads_as_rows_keyed_by_its_header(name: str) -> None:
    rows = reference.csv_rows(name)
    header = (DATA / name).read_text("utf-8").splitlines()[0].split(",")
    assert rows and list(rows[0]) == header


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.toml")))
def test_every_toml_table_parses(name: str) -> None:
    assert reference.toml(name)


def test_missing_value_markers_hold_text_placeholders_and_numeric_sentinels() -> None:
    markers = reference.missing_values()
    assert {"", "-", "N/A", "-nan(ind)"} <= set(markers["text"])  # VSCapture, VitalDB spellings
    assert 8388607 in markers["numbers"]  # the IEEE 11073 NaN a monitor sends for no value


def test_an_unknown_table_is_an_error_naming_it() -> None:
    with pytest.raises(FileNotFoundError, match="no_such_table.csv"):
        reference.csv_rows("no_such_table.csv")
