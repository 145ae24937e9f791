"""Check-in: the dose plan (0.5 mg/kg x 72 kg = 36 mg over 40 min = 54 mg/h), the patient's
history from the store, and the session it opens with the chair's monitors and their held
pre-infusion readings as its baseline."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from dashboard.core.live.check_in import (
    PatientHistory,
    change_plan,
    check_in,
    dose_plan,
    history_lines,
    patient_history,
    plan_lines,
)
from dashboard.core.store import EntryError, open_store
from dashboard.core.store.models import utcnow
from tests.factories import vitals_frame

NURSE = "nurse.a"


@pytest.fixture
def store(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as store:
        store.set_chair("Chair 1", ["CHAIR-1", "0012-34FF-FE56-7890"], user="admin")
        store.set_chair("Chair 2", user="admin")
        yield store


# --- the dose plan ------------------------------------------------------------------------------


def test_weight_and_dose_give_the_total_and_the_planned_minutes_the_rate():
    plan = dose_plan(72, 0.5, 40)
    assert (plan.total_dose_mg, plan.rate_mg_per_h) == (36.0, 54.0)
    assert plan_lines(plan) == ["Total dose: 0.5 mg/kg x 72 kg = 36 mg", "Rate: 36 mg over 40 min = 54 mg/h"]


def test_a_missing_input_leaves_what_needs_it_empty():
    assert dose_plan(None, 0.5, 40).total_dose_mg is None
    no_minutes = dose_plan(80, 0.75, None)
    assert (no_minutes.total_dose_mg, no_minutes.rate_mg_per_h) == (60.0, None)
    assert plan_lines(no_minutes)[-1] == "Rate: needs the planned minutes"
    assert plan_lines(dose_plan(None, None, None)) == ["Total dose: needs weight and dose"]


@pytest.mark.parametrize(("weight", "dose", "minutes", "message"), [
    (720, 0.5, 40, "weight 720 kg is outside 10-400 kg"),
    (72, 36, 40, "dose 36 mg/kg is outside 0.01-5 mg/kg"),
    (72, 0.5, 0, "planned time 0 min is outside 1-480 min"),
])  # fmt: skip
def test_an_implausible_entry_is_refused_with_what_was_expected(weight, dose, minutes, message):
    with pytest.raises(EntryError, match=message):
        dose_plan(weight, dose, minutes)


# --- the patient's history ----------------------------------------------------------------------


def test_a_new_patient_is_on_the_first_infusion():
    assert history_lines(PatientHistory("P07", 1)) == [
        "Infusion 1 of the course",
        "No earlier session in the store",
    ]


def test_history_gives_the_infusion_number_last_weight_peak_bp_and_what_happened(store):
    first = check_in(store, "P07", "Chair 2", user=NURSE, weight_kg=74, at=utcnow() - timedelta(days=14))
    store.end_session(first.session_id, user=NURSE, reason="patient declined")
    last = check_in(store, "P07", "Chair 2", user=NURSE, at=utcnow() - timedelta(days=7))
    start = pd.Timestamp(utcnow() - timedelta(days=7))
    store.add_vitals(
        vitals_frame(last.session_id, start=start, sbp=[150.0, 162.0], dbp=[96.0, 90.0]), user="m"
    )
    for event, severity in (("nausea", "mild"), ("nausea", "moderate"), ("ondansetron", None)):
        store.add_event(last.session_id, start, event, severity=severity, user=NURSE)
    wrong = store.add_event(last.session_id, start, "vomiting", user=NURSE)
    store.retract_event(wrong, user=NURSE, reason="wrong chair")
    store.end_session(last.session_id, user=NURSE, reason="patient declined")

    history = patient_history(store, "P07")
    assert history == PatientHistory(
        "P07",
        infusion_number=3,
        last_session_id=last.session_id,
        last_weight_kg=74.0,
        peak_sbp=162.0,
        peak_dbp=96.0,
        side_effects=("nausea (moderate)",),
        interventions=("ondansetron",),
    )
    assert history_lines(history)[1:] == [
        "Last weight: 74 kg",
        f"Last session ({last.session_id}): peak BP 162/96 mmHg",
        "Side effects: nausea (moderate)",
        "Interventions: ondansetron",
    ]


# --- checking in --------------------------------------------------------------------------------


def test_check_in_records_the_plan_and_brings_the_chairs_held_readings_in_as_baseline(store):
    now = pd.Timestamp(utcnow())
    held = vitals_frame(
        "", start=now - pd.Timedelta(minutes=40), periods=3, freq="15min", sbp=128.0, dbp=82.0
    )
    store.hold_readings("CHAIR-1", held)  # 40, 25 and 10 min ago: only the last is in the 15-min window
    plan = {"weight_kg": 72, "dose_mg_per_kg": 0.5, "planned_minutes": 40, "indication": " TRD "}
    done = check_in(store, " P07 ", "Chair 1", user=NURSE, **plan)
    assert done.session_id == f"P07-{now:%Y-%m-%d}-1" and done.chair == "Chair 1"
    assert (done.plan.total_dose_mg, done.plan.rate_mg_per_h, done.history.infusion_number) == (36.0, 54.0, 1)
    assert done.attached == {"0012-34FF-FE56-7890": 0, "CHAIR-1": 1}
    session = store.patient_sessions("P07").iloc[0]
    assert session[["total_dose_mg", "rate_mg_per_h", "indication"]].tolist() == [36.0, 54.0, "TRD"]
    assert store.session_for("CHAIR-1") == store.session_for("0012-34FF-FE56-7890") == done.session_id
    assert store.session_vitals(done.session_id)["sbp"].tolist() == [128.0]
    assert store.held_monitors()["readings"].tolist() == [2]  # the older ones stay held


def test_a_refused_check_in_stores_nothing(store):
    check_in(store, "P07", "Chair 1", user=NURSE)
    with pytest.raises(EntryError, match="chair 'Chair 1' is busy"):
        check_in(store, "P08", "Chair 1", user=NURSE, weight_kg=72)
    with pytest.raises(EntryError, match="weight 7200 kg"):
        check_in(store, "P08", "Chair 2", user=NURSE, weight_kg=7200)
    assert store.patient_sessions("P08").empty


# --- completing the plan after check-in ---------------------------------------------------------


def test_a_weight_given_after_check_in_completes_the_total_and_the_rate(store):
    done = check_in(store, "P07", "Chair 2", user=NURSE, dose_mg_per_kg=0.5, planned_minutes=40)
    assert store.missing_for_sign_off(done.session_id) == ["weight", "discharge"]
    plan = change_plan(store, done.session_id, user=NURSE, weight_kg=72)
    assert (plan.total_dose_mg, plan.rate_mg_per_h) == (36.0, 54.0)
    assert store.session_plan(done.session_id)["rate_mg_per_h"] == 54.0
    assert "weight" not in store.missing_for_sign_off(done.session_id)


def test_a_mistyped_correction_is_refused_and_changes_nothing(store):
    done = check_in(store, "P07", "Chair 2", user=NURSE, weight_kg=72, dose_mg_per_kg=0.5)
    with pytest.raises(EntryError, match="weight 720 kg is outside 10-400 kg"):
        change_plan(store, done.session_id, user=NURSE, weight_kg=720, reason="re-weighed")
    assert store.session_plan(done.session_id)["weight_kg"] == 72.0
