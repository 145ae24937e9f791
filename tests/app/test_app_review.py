"""The Review page, driven through AppTest as a user would: sample data, uploads, filters, a row click."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.ui import filters
from tests.paths import APP

BAD_VITALS = (
    b"session_id,timestamp,hr,sbp,dbp,map,spo2,rr\n"
    b"U1,2026-03-02T09:00:00Z,72,128,82,97,98,14\n"
    b"U1,not a time,73,,,,98,14\n"
    b"U1,2026-03-02T09:00:10Z,74,,,,98,14\n"
)


@pytest.fixture
def app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60).run()


def _summary(at: AppTest):
    return next(df.value for df in at.dataframe if "session_id" in df.value.columns)


def test_app_opens_on_the_sample_data_without_configuration(app):
    assert not app.exception
    assert app.title[0].value == "Review sessions"
    assert len(_summary(app)) > 10
    assert any("sample data" in c.value for c in app.caption)


def test_every_page_says_it_is_decision_support_not_a_device(app):
    assert any("not a medical device" in w.value for w in app.sidebar.warning)


def test_malformed_upload_shows_line_numbered_error_and_no_traceback(app):
    app.file_uploader(key="up_files").upload("bad_vitals.csv", BAD_VITALS, "text/csv").run()
    assert not app.exception
    groups = _dataframe(app, "problem_groups")
    assert groups[["file", "count", "first_lines"]].values.tolist() == [["bad_vitals.csv", 1, "3"]]
    assert list(_summary(app)["session_id"]) == ["U1"]  # the valid rows were kept


_COLUMN_OF = {"problem_groups": "first_lines", "every_problem": "message"}  # a column only that table has


def _dataframe(at: AppTest, key: str) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if _COLUMN_OF[key] in df.value.columns)


def _artifact_file(rows: int) -> bytes:
    """``rows`` readings of SpO2 0 (a probe off: artifacts), then one unreadable time."""
    lines = [f"A1,2026-03-02T09:{n // 60:02}:{n % 60:02}Z,72,,,,0,14" for n in range(rows)]
    header, bad = "session_id,timestamp,hr,sbp,dbp,map,spo2,rr", "A1,soon,72,,,,98,14"
    return "\n".join([header, *lines, bad, ""]).encode()


def test_validation_report_groups_problems_by_file_and_kind_and_expands_to_every_row(app):
    app.file_uploader(key="up_files").upload("probe_off.csv", _artifact_file(40), "text/csv").run()
    assert not app.exception
    groups = _dataframe(app, "problem_groups")
    assert groups[["file", "level", "column", "count", "first_lines"]].values.tolist() == [
        ["probe_off.csv", "artifact", "spo2", 40, "2, 3, 4, 5, 6, …"],
        ["probe_off.csv", "error", "timestamp", 1, "42"],
    ]
    assert groups["kind"].iloc[0].startswith("SpO2 … is a zero reading")
    assert any("41 problem(s) of 2 kind(s)" in c.value for c in app.caption)
    assert not any("message" in df.value.columns for df in app.dataframe)  # rows only when asked for
    assert [b.label for b in app.get("download_button") if "problem" in b.label] == ["Every problem (CSV)"]

    app.toggle(key="w_every_problem").set_value(True).run()
    assert _dataframe(app, "every_problem")["line"].tolist() == list(range(2, 43))
    kind = next(o for o in app.selectbox(key="w_problem_kind").options if "error" in o)
    app.selectbox(key="w_problem_kind").set_value(kind).run()
    assert _dataframe(app, "every_problem")["line"].tolist() == [42]


def test_tables_show_a_missing_value_as_a_dash_never_none(app):
    """An upload without a sessions file has no chair or indication: Streamlit would write "None"."""
    app.file_uploader(key="up_files").upload("bad_vitals.csv", BAD_VITALS, "text/csv").run()
    app.toggle(key="w_every_problem").set_value(True).run()
    assert _summary(app)[["chair", "indication"]].isna().all().all()
    assert len(app.dataframe) >= 4  # files, kinds of problem, every problem, sessions, cohort tables
    assert {df.proto.placeholder for df in app.dataframe} == {"–"}


def test_unusable_upload_says_why_and_keeps_the_page(app):
    app.file_uploader(key="up_files").upload("empty.csv", b"", "text/csv").run()
    assert not app.exception
    assert app.error  # a red notice, and the reason in the file table
    status = next(df.value for df in app.dataframe if "result" in df.value.columns).set_index("file")
    assert status.loc["empty.csv", "result"] == "could not be used"
    assert "empty" in status.loc["empty.csv", "reason"]


def test_file_names_and_cell_values_never_reach_markdown(app):
    link = "![x](http://example.invalid/t.png)"
    app.file_uploader(key="up_files").upload(f"{link}.csv", b"", "text/csv").run()
    shown = [e.value for e in app.error] + [c.value for c in app.caption] + [m.value for m in app.markdown]
    assert not any(link in text for text in shown)


def test_alerts_filter_narrows_the_table(app):
    everything = len(_summary(app))
    next(box for box in app.selectbox if box.label == "Alerts").set_value("Without alerts").run()
    quiet = _summary(app)
    assert len(quiet) < everything
    assert (quiet[["alerts_high", "alerts_medium", "alerts_low"]].sum(axis=1) == 0).all()


def test_clicking_a_row_opens_that_sessions_detail(app):
    second = _summary(app)["session_id"].iloc[1]
    app.session_state["summary_table"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    app.run()
    assert not app.exception
    assert app.title[0].value == "Session detail"
    assert app.selectbox(key="session_picker").value == second


def test_cohort_charts_are_drawn(app):
    assert len(app.get("plotly_chart")) >= 4


def _sessions_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "session_id": ["A", "B", "C"],
            "patient_id": ["P1", "P1", "P2"],
            "chair": ["Chair 1", "Chair 2", "Chair 1"],
            "indication": ["TRD", "TRD", "PTSD"],
            "start": pd.to_datetime(["2026-03-01T23:30:00Z", "2026-03-02T09:00:00Z", "2026-03-03T09:00:00Z"]),
            "alerts_high": [0, 1, 0],
            "alerts_medium": [0, 0, 2],
            "alerts_low": [0, 0, 0],
        }
    )


def test_date_filter_uses_the_clinic_day_not_the_utc_day():
    table = _sessions_table()
    chosen = filters.Filters(dates=(dt.date(2026, 3, 2), dt.date(2026, 3, 2)))
    # 23:30 UTC on 1 March is already 2 March in Berlin
    assert filters.apply(table, chosen, "Europe/Berlin")["session_id"].tolist() == ["A", "B"]
    assert filters.apply(table, chosen, "UTC")["session_id"].tolist() == ["B"]


def test_filters_combine_and_an_empty_choice_filters_nothing():
    table = _sessions_table()
    assert len(filters.apply(table, filters.Filters(), "UTC")) == 3
    chosen = filters.Filters(chairs=("Chair 1",), alerts="With alerts")
    assert filters.apply(table, chosen, "UTC")["session_id"].tolist() == ["C"]
    assert filters.apply(table, filters.Filters(alerts="High-priority alerts"), "UTC")[
        "session_id"
    ].tolist() == ["B"]


def test_a_fhir_observation_uploaded_beside_csv_is_reviewed_with_the_same_report(app):
    from tests.paths import REALDATA

    fhir = (REALDATA / "fhir-r4-vitals" / "observation-example-satO2.json").read_bytes()
    uploader = app.file_uploader(key="up_files")
    uploader.upload("satO2.json", fhir, "application/json").upload("bad_vitals.csv", BAD_VITALS, "text/csv")
    app.run()
    assert not app.exception
    assert sorted(_summary(app)["session_id"]) == ["U1", "satO2"]
    status = next(df.value for df in app.dataframe if "result" in df.value.columns).set_index("file")
    assert {"satO2.json", "bad_vitals.csv"} <= set(status.index)
