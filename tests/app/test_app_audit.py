"""The Audit log page through AppTest: every entry, correction, acknowledgement and protocol change."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.analysis.protocol import load_protocol
from tests.live_app import AUDIT, LIVE_SESSION, open_app, start_chair, store_in, widget


@pytest.fixture
def store(tmp_path, monkeypatch):
    yield from store_in(tmp_path, monkeypatch)


def audit_table(at) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "action" in df.value.columns)


def test_audit_lists_each_action_with_who_and_when(store):
    start_chair(store, "S1", "Chair 1")
    store.add_event("S1", pd.Timestamp.now(tz="UTC"), "nausea", user="nurse.a", severity="mild")
    at = open_app(AUDIT)
    log = audit_table(at)
    assert set(log["action"]) >= {"session_started", "event_added"}
    assert log.loc[log["action"] == "event_added", "user"].tolist() == ["nurse.a"]
    assert log["at"].notna().all()


def test_correction_made_on_the_live_page_is_an_amendment_linked_to_the_original(store):
    start_chair(store, "S1", "Chair 1")
    original = store.add_event("S1", pd.Timestamp.now(tz="UTC"), "nausea", user="nurse.a", severity="mild")
    at = open_app(LIVE_SESSION, user="nurse.b")
    widget(at.selectbox, "Corrected severity").set_value("severe")
    widget(at.text_input, "Reason (required)").input("patient vomited, graded again")
    widget(at.button, "Save correction").click().run()
    assert not at.exception
    at.switch_page(AUDIT).run()
    log = audit_table(at)
    amended = log.loc[log["action"] == "event_amended"].iloc[0]
    assert (amended["user"], amended["detail"]) == ("nurse.b", "patient vomited, graded again")
    history = next(df.value for df in at.dataframe if "amends" in df.value.columns)
    assert history["id"].tolist()[0] == original  # the original is kept
    correction = history.loc[history["amends"] == original].iloc[0]
    assert (correction["severity"], correction["user"]) == ("severe", "nurse.b")


def test_correction_without_a_reason_is_refused_and_nothing_changes(store):
    start_chair(store, "S1", "Chair 1")
    store.add_event("S1", pd.Timestamp.now(tz="UTC"), "nausea", user="nurse.a", severity="mild")
    at = open_app(LIVE_SESSION, user="nurse.b")
    widget(at.button, "Withdraw entry").click().run()
    assert any("reason" in e.value for e in at.error)
    assert len(store.session_events("S1", history=True)) == 1


def test_protocol_changes_are_listed_with_who_and_why(store):
    start_chair(store, "S1", "Chair 1")
    store.record_protocol_change(
        user="dr.b", toml_text=load_protocol().to_toml(), reason="clinic review 2026"
    )
    at = open_app(AUDIT)
    changes = next(df.value for df in at.dataframe if "changed_at" in df.value.columns)
    assert changes[["user", "reason"]].values.tolist() == [["dr.b", "clinic review 2026"]]
