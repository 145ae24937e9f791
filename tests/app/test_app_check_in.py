"""Chairs and check-in through AppTest: every configured chair shows, free ones with a check-in
form that shows the dose plan and the patient's history before anything is stored; the clinic
setup page adds, changes and removes chairs under the staff name."""

from __future__ import annotations

import re

import pytest

from tests.live_app import CHAIRS, open_app, start_chair, store_in, texts, widget

CLINIC_SETUP = "app_pages/clinic_setup.py"
NURSE = "nurse.a"


@pytest.fixture
def store(tmp_path, monkeypatch):
    yield from store_in(tmp_path, monkeypatch)


def read(at) -> list[str]:
    """The page's texts as a reader sees them (markdown escapes removed)."""
    return [re.sub(r"\\(.)", r"\1", text) for text in texts(at)]


def headings(at) -> list[str]:
    return [t.removeprefix("### ").split("\n")[0] for t in read(at) if t.startswith("### ")]


def fill_check_in(at, patient: str, weight: float | None = 72.0):
    widget(at.text_input, "Patient id").set_value(patient)
    widget(at.number_input, "Weight (kg)").set_value(weight)
    widget(at.text_input, "Indication").set_value("TRD")
    return next(b for b in at.button if b.label == "Check dose and history").click().run()


def test_every_configured_chair_shows_busy_ones_as_tiles_and_free_ones_as_free(store):
    store.set_chair("Chair 1", ["CHAIR-1"], user="admin")
    store.set_chair("Chair 2", user="admin")
    start_chair(store, "S1", "Chair 1")
    at = open_app(CHAIRS)
    assert headings(at) == ["Chair 1", "Chair 2"]
    assert any(t.startswith("### Chair 2\n**Free** · charted by hand") for t in read(at))
    assert [t.label for t in at.text_input] == ["Staff name"]  # no check-in before the user says who
    assert not any("python -m dashboard feed" in info.value for info in at.info)


def test_check_in_shows_the_plan_and_history_then_opens_the_session_with_its_monitor(store):
    store.set_chair("Chair <b>3</b>", ["CHAIR-3"], user="admin")
    at = fill_check_in(open_app(CHAIRS, user=NURSE), "P07")
    shown = "\n".join(read(at))
    assert "Total dose: 0.5 mg/kg x 72 kg = 36 mg" in shown and "= 54 mg/h" in shown
    assert "Infusion 1 of the course" in shown and "indication: TRD" in shown
    assert store.active_sessions().empty  # nothing stored before the confirmation
    next(b for b in at.button if b.label == "Confirm check-in").click().run()
    assert not at.exception
    sessions = store.active_sessions()
    assert sessions["chair"].tolist() == ["Chair <b>3</b>"] and sessions["patient_id"].tolist() == ["P07"]
    session_id = sessions["session_id"].iloc[0]
    assert store.session_for("CHAIR-3") == session_id
    assert store.audit_log(session_id)["user"].tolist() == [NURSE, NURSE]  # started, monitor assigned
    assert headings(at) == ["Chair <b>3</b>"]  # a busy tile now, the name as escaped text
    assert at.session_state["selected_live_session"] == session_id


def test_an_implausible_weight_is_refused_with_the_reason_and_nothing_is_stored(store):
    store.set_chair("Chair 2", user="admin")
    at = fill_check_in(open_app(CHAIRS, user=NURSE), "P07", weight=720.0)
    assert any("weight 720 kg is outside 10\\-400 kg" in e.value for e in at.error)
    assert not any(b.label == "Confirm check-in" for b in at.button)
    next(b for b in at.button if b.label == "Change").click().run()
    assert widget(at.text_input, "Patient id")  # the form again
    assert store.active_sessions().empty


def test_clinic_setup_adds_changes_and_removes_chairs_under_the_staff_name(store):
    at = open_app(CLINIC_SETUP, user="admin.a")
    assert any("No chair is set up yet" in info.value for info in at.info)
    widget(at.text_input, "Chair name").set_value("Chair 3")
    widget(at.text_area, "Monitor ids (one per line; none = charted by hand)").set_value(
        "CHAIR-3\nVR-1, VR-2"
    )
    next(b for b in at.button if b.label == "Save chair").click().run()
    assert not at.exception and any("Saved Chair 3" in s.value for s in at.success)
    assert store.chairs()["monitors"].tolist() == [("CHAIR-3", "VR-1", "VR-2")]
    widget(at.text_input, "Chair name").set_value("Chair 4")
    widget(at.text_area, "Monitor ids (one per line; none = charted by hand)").set_value("VR-1")
    next(b for b in at.button if b.label == "Save chair").click().run()
    assert any("monitor 'VR\\-1' belongs to chair 'Chair 3'" in e.value for e in at.error)
    next(b for b in at.button if b.label == "Remove chair").click().run()
    assert store.chairs().empty
    assert store.audit_log()[["user", "action"]].values.tolist() == [
        ["admin.a", "chair_set"],
        ["admin.a", "chair_removed"],
    ]


def test_a_returning_patients_last_weight_is_offered_when_none_is_typed(store):
    store.set_chair("Chair 1", user="admin")
    first, _ = store.check_in_session("P07", "Chair 1", {"weight_kg": 74.0}, user=NURSE)
    store.end_session(first, user=NURSE, reason="test: an earlier infusion")
    at = fill_check_in(open_app(CHAIRS, user=NURSE), "P07", weight=None)
    assert "Total dose: needs weight and dose" in "\n".join(read(at))
    next(b for b in at.button if b.label == "Use last weight (74 kg)").click().run()
    assert "Total dose: 0.5 mg/kg x 74 kg = 37 mg" in "\n".join(read(at))
