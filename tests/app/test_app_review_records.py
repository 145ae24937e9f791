"""Review on the clinic's own records (issue 13): it opens on them when the store holds sessions,
marks the live ones, switches to files and back, and its filters follow the data loaded."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.live_app import open_app, start_chair, store_in

REVIEW = "app_pages/review.py"


@pytest.fixture
def store(tmp_path, monkeypatch):
    yield from store_in(tmp_path, monkeypatch)


def _summary(at):
    return next(df.value for df in at.dataframe if "session_id" in df.value.columns)


def test_review_opens_on_the_clinics_records_and_marks_the_live_sessions(store):
    start_chair(store, "S1", "Chair 1", sbp=186.0)
    start_chair(store, "S2", "Chair 2")
    store.end_session("S2", user="nurse.a")
    at = open_app(REVIEW)
    assert not at.exception and at.title[0].value == "Review sessions"
    assert at.radio[0].value == "Clinic records"
    assert sorted(_summary(at)["session_id"]) == ["S1", "S2"]
    assert any("from the clinic's records, 1 of them live (still recording)" in c.value for c in at.caption)
    assert _summary(at).set_index("session_id").loc["S1", "alerts_high"] >= 1


def test_switching_to_the_sample_data_resets_the_filters_to_its_range(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(REVIEW)
    at.radio[0].set_value("Sample data").run()
    sample = _summary(at)
    assert len(sample) > 10 and "S1" not in set(sample["session_id"])
    assert not [w for w in at.warning if "Filters hide" in w.value]  # the dates cover the sample's days
    dates = next(d for d in at.date_input if d.label == "Dates").value
    days = sample["start"].dt.date  # shown in the clinic's zone, UTC here
    assert tuple(dates) == (days.min(), days.max())


def test_a_filter_that_hides_sessions_says_so(store):
    start_chair(store, "S1", "Chair 1", sbp=186.0)
    start_chair(store, "S2", "Chair 2")
    at = open_app(REVIEW)
    next(box for box in at.selectbox if box.label == "Alerts").set_value("High-priority alerts").run()
    assert _summary(at)["session_id"].tolist() == ["S1"]
    assert any(w.value.startswith("Filters hide 1 of 2 sessions: alerts.") for w in at.warning)


def test_a_new_entry_waits_for_the_reload_and_then_shows(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(REVIEW)
    store.add_event("S1", pd.Timestamp.now(tz="UTC"), "nausea", severity="moderate", user="nurse.a")
    at.run()
    assert _summary(at).loc[0, "side_effects"] in ("", None) or pd.isna(_summary(at).loc[0, "side_effects"])
    next(b for b in at.button if b.label.startswith("Newer entries are in the store")).click().run()
    assert "nausea" in str(_summary(at).loc[0, "side_effects"])


def test_a_stored_session_opens_in_session_detail(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(REVIEW)
    at.session_state["summary_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception and at.title[0].value == "Session detail"
    assert at.selectbox(key="session_picker").value == "S1"


def test_a_stored_sessions_detail_marks_hand_charting_and_lists_the_monitors_alarms(store):
    from dashboard.core.live.chairside import charted_reading
    from tests.factories import device_alarm

    start_chair(store, "S1", "Chair 1")
    now = pd.Timestamp.now(tz="UTC").floor("s")
    store.add_charted_vitals(charted_reading("S1", now, {"sbp": 150, "dbp": 90}, now), user="nurse.a",
                             entry_id="c1")  # fmt: skip
    store.add_device_alarms(device_alarm("S1", at=now))
    at = open_app(REVIEW)
    at.switch_page("app_pages/session.py").run()
    assert not at.exception
    figure = at.get("plotly_chart")[0].proto.spec
    assert "diamond-open" in figure
    assert any("monitor's own alarms" in h.value for h in at.subheader)


def test_an_upload_switches_the_source_shown_to_the_uploaded_files(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(REVIEW)
    vitals = b"session_id,timestamp,hr\nU1,2026-03-02T09:00:00Z,72\nU1,2026-03-02T09:00:05Z,73\n"
    at.file_uploader(key="up_files").upload("u.csv", vitals, "text/csv").run()
    assert at.radio[0].value == "Uploaded files" and _summary(at)["session_id"].tolist() == ["U1"]
    at.radio[0].set_value("Clinic records").run()
    assert at.radio[0].value == "Clinic records" and _summary(at)["session_id"].tolist() == ["S1"]
