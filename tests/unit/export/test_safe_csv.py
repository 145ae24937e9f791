"""Formula-safe CSV: cells that cannot run as formulas in a spreadsheet, values kept as they were."""

from __future__ import annotations

import io

import pandas as pd

from dashboard.core.export import neutralise_formulas, to_safe_csv


def _read(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), keep_default_na=False)


def test_text_cells_starting_like_a_formula_are_quoted():
    notes = pd.DataFrame({"note": ['=HYPERLINK("x")', "+1", "-2 mg", "@SUM(A1)", "\tcmd", "\rcmd", "fine"]})
    out = neutralise_formulas(notes)["note"].tolist()
    assert out == ['\'=HYPERLINK("x")', "'+1", "'-2 mg", "'@SUM(A1)", "'\tcmd", "'\rcmd", "fine"]


def test_negative_numbers_in_numeric_columns_stay_numbers():
    frame = pd.DataFrame({"sbp_change": [-12.0, 8.0], "alerts_change": [-1, 2]})
    back = _read(to_safe_csv(frame))
    assert back["sbp_change"].tolist() == [-12.0, 8.0]
    assert back["alerts_change"].tolist() == [-1, 2]


def test_missing_text_stays_empty_not_quoted():
    frame = pd.DataFrame({"note": pd.Series(["-x", None], dtype="str")})
    assert _read(to_safe_csv(frame))["note"].tolist() == ["'-x", ""]


def test_timestamps_are_written_as_iso_with_offset():
    frame = pd.DataFrame({"start": pd.to_datetime(["2026-03-02T09:10:00Z"]).astype("datetime64[us, UTC]")})
    assert _read(to_safe_csv(frame))["start"].tolist() == ["2026-03-02T09:10:00+0000"]


def test_csv_keeps_accented_text_intact():
    assert _read(to_safe_csv(pd.DataFrame({"note": ["náusea"]})))["note"].tolist() == ["náusea"]
