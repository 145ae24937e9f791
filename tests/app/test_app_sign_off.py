"""The Sign-off page through AppTest: the clinician's queue with what blocks each signature, a
missing weight completed there, ending before discharge only with a reason, and addenda after."""

from __future__ import annotations

import pytest

from tests.live_app import LIVE_SESSION, open_app, store_in, widget

SIGN_OFF = "app_pages/sign_off.py"


@pytest.fixture
def store(tmp_path, monkeypatch):
    yield from store_in(tmp_path, monkeypatch)


@pytest.fixture
def checked_in(store):
    """P07 checked in on Chair 1 with a dose but no weight."""
    store.set_chair("Chair 1", user="admin")
    session_id, _ = store.check_in_session("P07", "Chair 1", {"dose_mg_per_kg": 0.5}, user="nurse.a")
    return session_id


def test_ending_before_discharge_needs_a_reason_and_the_session_then_waits_to_be_signed(store, checked_in):
    at = open_app(LIVE_SESSION, user="nurse.a")
    widget(at.checkbox, "The patient has left the chair; end this session").check().run()
    widget(at.button, "End session").click().run()
    assert any("give the reason it ends without one" in e.value for e in at.error)
    assert not store.active_sessions().empty
    at.text_input(key="end_reason").input("sent to the emergency department").run()
    widget(at.button, "End session").click().run()
    assert store.active_sessions().empty

    at.switch_page(SIGN_OFF).run()
    queue = at.dataframe[0].value
    assert queue[["session_id", "end_reason", "missing"]].values.tolist() == [
        [checked_in, "sent to the emergency department", "weight"]
    ]
    assert any("Cannot sign off yet: missing weight" in w.value for w in at.warning)
    assert widget(at.button, "Sign off").disabled
    assert queue["discharged_at"].isna().all()  # ended without a discharge: a dash, not "None"
    assert at.dataframe[0].proto.placeholder == "–"


def test_the_weight_completed_on_the_sign_off_page_unblocks_the_signature(store, checked_in):
    store.end_session(checked_in, user="nurse.a", reason="infusion abandoned: IV tissued")
    at = open_app(SIGN_OFF, user="dr.b")
    at.number_input(key="plan-sign-off-weight_kg").set_value(80.0)
    widget(at.button, "Save dose plan").click().run()
    assert store.session_plan(checked_in)["total_dose_mg"] == 40.0
    widget(at.button, "Sign off").click().run()
    assert not at.exception
    assert store.session_sign_off(checked_in)["user"] == "dr.b"
    assert any("Nothing to sign" in i.value for i in at.info)
    signed = next(df.value for df in at.dataframe if "signed_by" in df.value.columns)
    assert signed[["session_id", "signed_by"]].values.tolist() == [[checked_in, "dr.b"]]


def test_a_signed_session_takes_an_addendum_only_with_its_reason(store, checked_in):
    store.change_dose_plan(checked_in, {"weight_kg": 80.0, "total_dose_mg": 40.0}, user="nurse.a")
    store.end_session(checked_in, user="nurse.a", reason="patient declined")
    store.sign_off(checked_in, user="dr.b")
    at = open_app(SIGN_OFF, user="nurse.a")
    widget(at.text_area, "Addendum").input("phoned the next day: <b>well</b>")
    widget(at.button, "Add addendum").click().run()
    assert any("reason is required" in e.value for e in at.error)
    assert store.session_events(checked_in).empty
    widget(at.text_input, "Reason for the addendum (required)").input("follow-up call")
    widget(at.button, "Add addendum").click().run()
    (note,) = store.session_events(checked_in).to_dict("records")
    assert (note["note"], note["reason"]) == ("phoned the next day: <b>well</b>", "follow-up call")
    assert store.audit_log(checked_in)["action"].tolist()[-1] == "addendum_added"
