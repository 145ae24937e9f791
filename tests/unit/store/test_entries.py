"""Events and their corrections in the store, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dashboard.core.analysis.alerts import alert_keys
from dashboard.core.model import EVENT_COLUMNS
from dashboard.core.store import AlreadyAmendedError, EntryError
from tests.factories import T0, alert_episode, steady_vitals


def test_event_records_who_entered_it_and_its_vocabulary_category(store):
    entry = store.add_event(
        "P01-S1", T0, "nausea", user="nurse.a", severity="moderate", note="asked for a bowl"
    )
    events = store.session_events("P01-S1")
    assert list(events.columns[: len(EVENT_COLUMNS)]) == list(EVENT_COLUMNS)
    row = events.iloc[0]
    assert (row["id"], row["user"], row["category"], row["severity"]) == (
        entry,
        "nurse.a",
        "side_effect",
        "moderate",
    )


def test_typed_event_name_is_filed_under_its_vocabulary_term(store):
    store.add_event("P01-S1", T0, "Zofran", user="nurse.a", note="4 mg IV")
    stored = store.session_events("P01-S1")
    assert stored[["event", "category"]].values.tolist() == [["ondansetron", "intervention"]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"user": " "}, "user is required"),
        ({"severity": "awful"}, "mild, moderate, severe"),
        ({"timestamp": datetime(2026, 3, 2, 9)}, "time zone"),
        ({"session_id": "NO-SUCH"}, "unknown session"),
    ],
)
def test_bad_event_entry_is_refused_with_a_message_staff_can_act_on(store, change, message):
    entry = {"session_id": "P01-S1", "timestamp": T0, "event": "nausea", "user": "nurse.a"} | change
    with pytest.raises(EntryError, match=message):
        store.add_event(entry.pop("session_id"), entry.pop("timestamp"), entry.pop("event"), **entry)
    assert store.session_events("P01-S1", history=True).empty


def test_resubmitted_entry_with_the_same_id_is_recorded_once(store):
    first = store.add_event(
        "P01-S1", T0, "nausea", user="nurse.a", entry_id="2b6c1f0e-0000-4000-8000-000000000001"
    )
    again = store.add_event("P01-S1", T0, "nausea", user="nurse.a", entry_id=first)
    assert again == first
    assert len(store.session_events("P01-S1", history=True)) == 1
    assert (store.audit_log()["action"] == "event_added").sum() == 1


def test_correction_replaces_the_entry_in_the_current_view_and_keeps_the_original(store):
    original = store.add_event("P01-S1", T0, "nausea", user="nurse.a", severity="mild")
    corrected = store.amend_event(original, user="dr.b", reason="was moderate on review", severity="moderate")
    current = store.session_events("P01-S1")
    assert current[["id", "severity", "user", "amends"]].values.tolist() == [
        [corrected, "moderate", "dr.b", original]
    ]
    history = store.session_events("P01-S1", history=True).set_index("id")
    assert history.loc[original, "severity"] == "mild"
    assert history.loc[corrected, "reason"] == "was moderate on review"


def test_second_correction_of_the_same_version_is_refused_naming_who_corrected_first(store):
    original = store.add_event("P01-S1", T0, "nausea", user="nurse.a")
    store.amend_event(original, user="dr.b", reason="typo", note="mild only")
    with pytest.raises(AlreadyAmendedError, match="dr.b"):
        store.amend_event(original, user="nurse.c", reason="typo", note="moderate")


def test_correction_needs_a_reason(store):
    original = store.add_event("P01-S1", T0, "nausea", user="nurse.a")
    with pytest.raises(EntryError, match="reason"):
        store.amend_event(original, user="dr.b", reason="", severity="mild")


def test_retracted_entry_leaves_the_current_view_but_not_the_history(store):
    wrong = store.add_event("P01-S1", T0, "vomiting", user="nurse.a")
    store.retract_event(wrong, user="nurse.a", reason="entered on the wrong chair")
    assert store.session_events("P01-S1").empty
    assert len(store.session_events("P01-S1", history=True)) == 2


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET note = 'rewritten'",
        "DELETE FROM events",
        "UPDATE vitals SET hr = 0",
        "DELETE FROM vitals",
        "DELETE FROM audit_log",
        "UPDATE acknowledgements SET reason = 'x'",
        "DELETE FROM protocol_changes",
    ],
)
def test_entries_cannot_be_rewritten_even_with_hand_written_sql(store, statement):
    store.add_vitals(steady_vitals("P01-S1", 5), user="monitor-feed")
    store.add_event("P01-S1", T0, "nausea", user="nurse.a", note="as entered")
    store.record_alerts(alert_episode("P01-S1", 0, 4))
    store.acknowledge(alert_keys(alert_episode("P01-S1", 0, 4))[0], user="nurse.a", reason="seen")
    store.record_protocol_change(user="dr.b", toml_text="name = 'x'", reason="trial")
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text(statement))
    assert store.session_events("P01-S1")["note"].tolist() == ["as entered"]
    assert len(store.session_vitals("P01-S1")) == 5
