"""Opening a session on a free chair, on SQLite and PostgreSQL: a new id per patient and day,
the plan and the protocol version kept, and every refusal (``store`` has P01-S1 on Chair 1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard.core.store import EntryError

NURSE = "nurse.a"
AT = datetime(2026, 12, 4, 9, tzinfo=UTC)
PLAN = {"weight_kg": 72.0, "dose_mg_per_kg": 0.5, "planned_minutes": 40.0, "indication": "TRD",
        "total_dose_mg": 36.0, "rate_mg_per_h": 54.0}  # fmt: skip


@pytest.fixture
def chairs(store):
    store.set_chair("Chair 1", ["CHAIR-1"], user="admin")
    store.set_chair("Chair 2", ["CHAIR-2", "VR-2"], user="admin")
    store.set_chair("Chair 3", user="admin")
    return store


def test_check_in_opens_a_session_with_its_plan_and_the_protocol_in_force(chairs):
    session_id, monitors = chairs.check_in_session("P07", "Chair 2", PLAN, user=NURSE, at=AT)
    assert (session_id, monitors) == ("P07-2026-12-04-1", ("CHAIR-2", "VR-2"))
    row = chairs.patient_sessions("P07").iloc[0]
    assert row[list(PLAN)].tolist() == list(PLAN.values())
    assert row["chair"] == "Chair 2" and row["protocol_version"] == "default"
    assert chairs.chairs().set_index("chair").loc["Chair 2", "session_id"] == session_id
    audit = chairs.audit_log(session_id)
    assert audit[["user", "action", "detail"]].values.tolist() == [
        [NURSE, "session_started", "checked in on Chair 2"]
    ]


def test_the_protocol_version_is_the_change_in_force(chairs):
    change = chairs.record_protocol_change(user="dr.b", toml_text='name = "x"', reason="clinic limits")
    session_id, _ = chairs.check_in_session("P07", "Chair 3", {}, user=NURSE)
    assert chairs.patient_sessions("P07")["protocol_version"].tolist() == [change]
    assert chairs.patient_sessions("P07")["weight_kg"].isna().all() and session_id.startswith("P07-")


def test_a_second_session_of_the_day_gets_the_next_number(chairs):
    first, _ = chairs.check_in_session("P07", "Chair 2", PLAN, user=NURSE, at=AT)
    chairs.end_session(first, user=NURSE, reason="IV could not be placed")
    second, _ = chairs.check_in_session("P07", "Chair 3", PLAN, user=NURSE, at=AT.replace(hour=15))
    assert second == "P07-2026-12-04-2"
    assert chairs.patient_sessions("P07", before=AT.replace(hour=12))["session_id"].tolist() == [first]


@pytest.mark.parametrize(("patient", "chair", "message"), [
    ("P07", "Chair 9", "there is no chair 'Chair 9'"),
    ("P07", "Chair 1", "chair 'Chair 1' is busy with the open session 'P01-S1'"),
    ("P01", "Chair 2", "patient 'P01' is already checked in"),
    (" ", "Chair 2", "a patient id is required"),
    ("P" * 101, "Chair 2", "at most 100 characters"),
])  # fmt: skip
def test_check_in_is_refused_with_the_reason_and_stores_nothing(chairs, patient, chair, message):
    before = len(chairs.sessions())
    with pytest.raises(EntryError, match=message):
        chairs.check_in_session(patient, chair, PLAN, user=NURSE)
    assert len(chairs.sessions()) == before


def test_a_removed_chair_takes_no_patient(chairs):
    chairs.remove_chair("Chair 3", user="admin")
    with pytest.raises(EntryError, match="there is no chair 'Chair 3'"):
        chairs.check_in_session("P07", "Chair 3", PLAN, user=NURSE)


def test_a_chair_monitor_sending_for_another_open_session_is_never_taken_from_it(chairs):
    """P01-S1 (on Chair 1) was given Chair 2's monitor by hand: checking in on Chair 2 must not
    send that patient's readings to the new one."""
    chairs.assign_bed("VR-2", "P01-S1", user=NURSE)
    with pytest.raises(
        EntryError, match="monitor 'VR-2' of chair 'Chair 2' sends to the open session 'P01-S1'"
    ):
        chairs.check_in_session("P07", "Chair 2", PLAN, user=NURSE, at=AT)
    assert chairs.session_for("VR-2") == "P01-S1"
    assert chairs.patient_sessions("P07").empty


# --- completing and correcting the plan -----------------------------------------------------------


def test_a_plan_left_empty_at_check_in_is_completed_without_a_reason_and_audited(chairs):
    session_id, _ = chairs.check_in_session("P07", "Chair 3", {"planned_minutes": 40.0}, user=NURSE)
    changed = chairs.change_dose_plan(session_id, {"weight_kg": 72.0, "total_dose_mg": 36.0}, user=NURSE)
    assert changed == ["weight_kg", "total_dose_mg"]
    assert chairs.session_plan(session_id)["weight_kg"] == 72.0
    detail = chairs.audit_log(session_id).query("action == 'dose_plan_changed'")["detail"].item()
    assert detail == "weight_kg: empty -> 72; total_dose_mg: empty -> 36"


def test_changing_a_recorded_dose_needs_a_reason_and_keeps_it_in_the_audit(chairs):
    session_id, _ = chairs.check_in_session("P07", "Chair 3", PLAN, user=NURSE)
    with pytest.raises(EntryError, match="changing the recorded dose_mg_per_kg needs a reason"):
        chairs.change_dose_plan(session_id, {"dose_mg_per_kg": 0.75}, user=NURSE)
    assert chairs.session_plan(session_id)["dose_mg_per_kg"] == 0.5
    chairs.change_dose_plan(
        session_id, {"dose_mg_per_kg": 0.75}, user="dr.b", reason="titrated, 3rd infusion"
    )
    (row,) = chairs.audit_log(session_id).query("action == 'dose_plan_changed'").to_dict("records")
    assert (row["user"], row["detail"]) == (
        "dr.b",
        "dose_mg_per_kg: 0.5 -> 0.75; reason: titrated, 3rd infusion",
    )
    assert chairs.change_dose_plan(session_id, {"dose_mg_per_kg": 0.75}, user=NURSE) == []
    with pytest.raises(EntryError, match="unknown session"):
        chairs.change_dose_plan("nobody", {"weight_kg": 70.0}, user=NURSE)
