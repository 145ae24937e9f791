"""Discharge and sign-off in the store, on SQLite and on PostgreSQL: a discharge needs a reason
when a criterion is unmet, signing needs the required fields, and a signed session is locked."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dashboard.core.live.chairside import charted_reading
from dashboard.core.store import EntryError
from tests.factories import T0, steady_vitals

ALL_MET = [
    {"key": "recovery_time", "label": "60 min in recovery", "state": "met", "reason": "yes, since 10:40"},
    {"key": "by_hand_2", "label": "Escort present", "state": "met", "reason": "confirmed by hand"},
]
ESCORT_MISSING = [ALL_MET[0], {**ALL_MET[1], "state": "to confirm by hand", "reason": "confirm by hand"}]


@pytest.fixture
def planned(store):
    """A second session with its dose and weight, discharged: ready to be signed."""
    store.start_session("P02-S1", user="nurse.a", patient_id="P02", dose_mg_per_kg=0.5, weight_kg=72)
    store.add_event("P02-S1", T0, "nausea", user="nurse.a")
    store.discharge("P02-S1", ALL_MET, user="nurse.a", ready_at=T0)
    return store


def test_a_discharge_records_time_user_criteria_and_ready_time_and_is_audited(store):
    store.discharge("P01-S1", ALL_MET, user="nurse.a", ready_at=T0)
    discharge = store.session_discharge("P01-S1")
    assert (discharge["user"], discharge["ready_at"], discharge["reason"]) == ("nurse.a", T0, None)
    assert discharge["criteria"] == ALL_MET
    (audited,) = store.audit_log("P01-S1").query("action == 'session_discharged'").to_dict("records")
    assert (audited["user"], audited["detail"]) == ("nurse.a", "all criteria met")


def test_a_criterion_unmet_needs_a_reason_to_discharge(store):
    with pytest.raises(EntryError, match=r"needs a reason \(Escort present\)"):
        store.discharge("P01-S1", ESCORT_MISSING, user="nurse.a", reason="  ")
    assert store.session_discharge("P01-S1") is None
    store.discharge("P01-S1", ESCORT_MISSING, user="nurse.a", reason="taxi booked by the clinic")
    detail = store.audit_log("P01-S1").query("action == 'session_discharged'")["detail"].item()
    assert detail == "not met: Escort present; reason: taxi booked by the clinic"


def test_a_session_is_discharged_once_and_a_resubmitted_form_records_nothing_more(store):
    first = store.discharge("P01-S1", ALL_MET, user="nurse.a", entry_id="form-1")
    assert store.discharge("P01-S1", ALL_MET, user="nurse.a", entry_id="form-1") == first
    with pytest.raises(EntryError, match="already discharged by nurse.a"):
        store.discharge("P01-S1", ALL_MET, user="nurse.b")
    with pytest.raises(EntryError, match="unknown session"):
        store.discharge("nobody", ALL_MET, user="nurse.a")
    with pytest.raises(EntryError, match="label and a state"):
        store.discharge("P01-S1", [{"label": "x", "state": "fine"}], user="nurse.a")


def test_signing_is_refused_naming_what_is_missing(store):
    with pytest.raises(EntryError, match="cannot be signed yet: missing dose, weight, discharge"):
        store.sign_off("P01-S1", user="dr.b")
    assert store.missing_for_sign_off("P01-S1") == ["dose", "weight", "discharge"]
    assert store.session_sign_off("P01-S1") is None


def test_a_signed_session_is_ended_locked_and_audited(planned):
    planned.sign_off("P02-S1", user="dr.b")
    assert planned.session_sign_off("P02-S1")["user"] == "dr.b"
    assert "P02-S1" not in set(planned.active_sessions()["session_id"])
    assert planned.audit_log("P02-S1").query("action == 'session_signed'")["user"].tolist() == ["dr.b"]
    with pytest.raises(EntryError, match="already signed off by dr.b"):
        planned.sign_off("P02-S1", user="dr.c")


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.add_event("P02-S1", T0, "nausea", user="nurse.a"),
        lambda s: s.add_events(s.session_events("P02-S1").drop(columns="id"), user="feed"),
        lambda s: s.add_vitals(steady_vitals("P02-S1", 3), user="monitor"),
        lambda s: s.add_charted_vitals(
            charted_reading("P02-S1", T0, {"hr": 80}, T0), user="nurse.a", entry_id="c1"
        ),
        lambda s: s.amend_event(
            s.session_events("P02-S1")["id"].item(), user="nurse.a", reason="typo", note="x"
        ),
        lambda s: s.retract_event(
            s.session_events("P02-S1")["id"].item(), user="nurse.a", reason="wrong chair"
        ),
    ],
    ids=["event", "feed events", "vitals", "charted vitals", "correction", "withdrawal"],
)
def test_a_signed_session_refuses_every_write_that_is_not_an_addendum(planned, write):
    planned.sign_off("P02-S1", user="dr.b")
    before = (len(planned.session_events("P02-S1", history=True)), len(planned.session_vitals("P02-S1")))
    with pytest.raises(EntryError, match="signed off by dr.b .* addendum, with its reason"):
        write(planned)
    assert (
        len(planned.session_events("P02-S1", history=True)),
        len(planned.session_vitals("P02-S1")),
    ) == before


def test_after_sign_off_changes_are_addenda_with_a_reason(planned):
    planned.sign_off("P02-S1", user="dr.b")
    with pytest.raises(EntryError, match="reason is required"):
        planned.add_addendum("P02-S1", "called at home: fine", " ", user="nurse.a")
    planned.add_addendum("P02-S1", "called at home: fine", "follow-up call", user="nurse.a")
    nausea = planned.session_events("P02-S1").query("event == 'nausea'")["id"].item()
    planned.amend_event(
        nausea, user="dr.b", reason="was vomiting, per the nurse", severity="severe", addendum=True
    )
    reading = charted_reading("P02-S1", T0, {"hr": 80}, T0)
    assert planned.add_charted_vitals(reading, user="nurse.a", entry_id="c1", addendum_reason="paper chart")
    events = planned.session_events("P02-S1").set_index("event")
    assert (events.loc["note", "note"], events.loc["note", "reason"]) == (
        "called at home: fine",
        "follow-up call",
    )
    assert events.loc["nausea", "severity"] == "severe"
    audit = planned.audit_log("P02-S1").set_index("action")
    assert audit.loc["addendum_added", "detail"] == "follow-up call"
    assert audit.loc["event_amended", "detail"] == "addendum: was vomiting, per the nurse"
    assert audit.loc["vitals_charted", "detail"] == "hr 80; addendum: paper chart"


@pytest.mark.parametrize("table", ["discharges", "sign_offs"])
def test_discharges_and_sign_offs_are_append_only_in_the_database(planned, table):
    planned.sign_off("P02-S1", user="dr.b")
    with pytest.raises(DBAPIError, match="append-only"), planned.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM {table}"))
    assert planned.session_sign_off("P02-S1") is not None and planned.session_discharge("P02-S1") is not None


# --- ending without a discharge, and the clinician's queue ----------------------------------------


@pytest.fixture
def checked_in(store):
    """A session checked in on a chair (P01-S1 of ``store`` was opened by a feed, not checked in)."""
    store.set_chair("Chair 2", user="admin")
    plan = {"weight_kg": 70.0, "dose_mg_per_kg": 0.5, "total_dose_mg": 35.0}
    session_id, _ = store.check_in_session("P03", "Chair 2", plan, user="nurse.a")
    return session_id


def test_a_checked_in_session_ends_before_its_discharge_only_with_a_reason(store, checked_in):
    with pytest.raises(EntryError, match="checked in and has no discharge: record the discharge, or give"):
        store.end_session(checked_in, user="nurse.a", reason=" ")
    assert checked_in in set(store.active_sessions()["session_id"])
    store.end_session(checked_in, user="nurse.a", reason="sent to the emergency department")
    assert store.missing_for_sign_off(checked_in) == []
    detail = store.audit_log(checked_in).query("action == 'session_ended'")["detail"].item()
    assert detail == "without a discharge: sent to the emergency department"
    store.sign_off(checked_in, user="dr.b")
    assert store.session_sign_off(checked_in)["user"] == "dr.b"


def test_the_queue_to_sign_holds_discharged_or_ended_sessions_with_what_they_lack(store, checked_in):
    assert store.sessions_to_sign().empty  # open and not discharged: still on the board
    store.discharge(checked_in, ALL_MET, user="nurse.a", at=T0)
    store.set_chair("Chair 3", user="admin")
    other, _ = store.check_in_session("P04", "Chair 3", {}, user="nurse.a")
    store.end_session(other, user="nurse.a", reason="IV could not be placed")
    queue = store.sessions_to_sign().set_index("session_id")
    assert queue.index.tolist() == [checked_in, other]  # P01-S1 came from a feed: nobody signs it
    assert queue.loc[checked_in, "discharged_at"] == T0 and queue.loc[checked_in, "missing"] == []
    assert queue.loc[other, "missing"] == ["dose", "weight"]
    assert queue.loc[other, "end_reason"] == "IV could not be placed"
    store.sign_off(checked_in, user="dr.b")
    assert store.sessions_to_sign()["session_id"].tolist() == [other]
    assert store.signed_sessions()[["session_id", "signed_by"]].values.tolist() == [[checked_in, "dr.b"]]


def test_a_signed_sessions_dose_changes_only_as_an_addendum(store, checked_in):
    store.discharge(checked_in, ALL_MET, user="nurse.a")
    store.sign_off(checked_in, user="dr.b")
    with pytest.raises(EntryError, match="signed off by dr.b .* addendum, with its reason"):
        store.change_dose_plan(checked_in, {"weight_kg": 71.0}, user="nurse.a")
    store.change_dose_plan(checked_in, {"weight_kg": 71.0}, user="nurse.a", reason="scale was off by 1 kg")
    actions = store.audit_log(checked_in)["action"].tolist()
    assert actions[-1] == "dose_plan_addendum" and store.session_plan(checked_in)["weight_kg"] == 71.0
