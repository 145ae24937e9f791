"""Protocol changes and the audit log, on SQLite and on PostgreSQL."""

from __future__ import annotations

from tests.factories import T0


def test_protocol_changes_keep_their_history_and_the_latest_is_in_force(store):
    assert store.current_protocol() is None
    store.record_protocol_change(user="dr.b", toml_text="name = 'first'", reason="clinic defaults")
    store.record_protocol_change(user="dr.c", toml_text="name = 'second'", reason="SBP limit 170 for P03")
    assert store.current_protocol() == "name = 'second'"
    assert store.protocol_changes()["user"].tolist() == ["dr.b", "dr.c"]


def test_audit_log_lists_each_action_with_its_user_in_order(store):
    event_id = store.add_event("P01-S1", T0, "nausea", user="nurse.a")
    store.amend_event(event_id, user="dr.b", reason="severity", severity="mild")
    store.record_protocol_change(user="dr.b", toml_text="name = 'x'", reason="trial")
    store.end_session("P01-S1", user="nurse.c")
    log = store.audit_log()
    assert log[["user", "action"]].values.tolist() == [
        ["nurse.a", "session_started"],
        ["nurse.a", "event_added"],
        ["dr.b", "event_amended"],
        ["dr.b", "protocol_changed"],
        ["nurse.c", "session_ended"],
    ]
    assert log["at"].is_monotonic_increasing
