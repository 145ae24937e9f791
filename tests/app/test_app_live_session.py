"""The Live session page through AppTest: the chair's chart and alerts, and what staff record."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.store import EntryError
from dashboard.ui import live
from tests.factories import device_alarm, monitored_vitals
from tests.live_app import (
    AUDIT,
    CHAIRS,
    LIVE_SESSION,
    add_reading,
    open_app,
    start_chair,
    store_in,
    texts,
    widget,
)


@pytest.fixture
def store(tmp_path, monkeypatch):
    yield from store_in(tmp_path, monkeypatch)


def test_page_asks_for_a_staff_name_once_and_records_entries_under_it(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(LIVE_SESSION)
    assert not [b for b in at.button if b.label == "Pause"]  # nothing can be entered anonymously
    at.text_input(key="staff_name_input").input("Nurse Ada")
    widget(at.button, "Continue").click().run()
    assert any("Nurse Ada" in c.value for c in at.sidebar.caption)
    widget(at.button, "Pause").click().run()
    assert store.session_events("S1")["user"].tolist() == ["Nurse Ada"]


def test_live_chart_is_drawn_from_the_store(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(LIVE_SESSION, user="nurse.a")
    assert len(at.get("plotly_chart")) == 1


def test_logged_side_effect_appears_in_the_table_and_in_the_audit_log(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(LIVE_SESSION, user="nurse.a")
    widget(at.selectbox, "Entry").set_value("nausea")
    widget(at.selectbox, "Severity").set_value("moderate")
    widget(at.selectbox, "Scale").set_value("NRS 0-10")
    widget(at.number_input, "Score").set_value(6)
    widget(at.text_area, "Note").input("asked for a bowl **now**")
    widget(at.button, "Log entry").click().run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if "event" in df.value.columns)
    logged = table.loc[table["event"] == "nausea"].iloc[0]
    assert (logged["severity"], logged["score"], logged["user"]) == ("moderate", 6, "nurse.a")
    assert logged["note"] == "asked for a bowl **now**"  # kept as typed, shown as plain text
    assert not any("asked for a bowl" in t for t in texts(at))  # never through markdown
    at.switch_page(AUDIT).run()
    audit = at.dataframe[0].value
    added = audit.loc[audit["action"] == "event_added"]
    assert added["user"].tolist() == ["nurse.a"] and added["session_id"].tolist() == ["S1"]


def test_score_above_the_scale_is_refused_with_the_range(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(LIVE_SESSION, user="nurse.a")
    widget(at.selectbox, "Scale").set_value("NRS 0-10")
    widget(at.number_input, "Score").set_value(12)
    widget(at.button, "Log entry").click().run()
    assert any("0 to 10" in e.value for e in at.error)
    assert store.session_events("S1").empty


def test_acknowledgement_is_visible_from_a_second_app_instance(store):
    start_chair(store, "S1", "Chair 1", sbp=200.0)
    first = open_app(LIVE_SESSION, user="Ada Lovelace")
    widget(first.text_input, "Reason (required)").input("repeat cuff taken, doctor informed")
    widget(first.button, "Acknowledge").click().run()
    assert not first.exception
    live._follower.clear()  # the second instance opens the store file afresh
    second = open_app(CHAIRS)
    assert any("acknowledged by Ada Lovelace" in t for t in texts(second))
    second.switch_page(LIVE_SESSION).run()
    alerts = next(df.value for df in second.dataframe if "acknowledged_by" in df.value.columns)
    acknowledged = alerts.loc[alerts["priority"] == "high"].iloc[0]
    assert acknowledged["acknowledged_by"] == "Ada Lovelace"
    assert acknowledged["acknowledged_reason"] == "repeat cuff taken, doctor informed"


def test_acknowledgement_without_a_reason_is_refused(store):
    start_chair(store, "S1", "Chair 1", sbp=200.0)
    at = open_app(LIVE_SESSION, user="nurse.a")
    widget(at.button, "Acknowledge").click().run()
    assert any("reason" in e.value for e in at.error)
    assert store.acknowledgements().empty


def test_pause_and_resume_are_recorded_and_change_what_can_be_pressed(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(LIVE_SESSION, user="nurse.a")
    assert widget(at.button, "Resume").disabled
    widget(at.button, "Pause").click().run()
    assert "Infusion: **paused**" in texts(at)
    assert widget(at.button, "Pause").disabled and not widget(at.button, "Resume").disabled
    assert store.session_events("S1")["event"].tolist() == ["infusion_paused"]


def test_ending_the_session_takes_it_off_the_live_pages(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(LIVE_SESSION, user="nurse.a")
    assert widget(at.button, "End session").disabled  # needs the confirmation first
    at.checkbox(key="end_confirm").check().run()
    widget(at.button, "End session").click().run()
    assert store.active_sessions().empty
    assert any("No session is live" in info.value for info in at.info)


def test_the_monitors_alarm_is_on_the_tile_and_in_the_alert_history_as_kind_device(store):
    start_chair(store, "S1", "Chair 1", sbp=200.0)
    store.add_device_alarms(
        device_alarm("S1", priority="high", event="** SpO2 Low", vital="spo2", value=84.0)
    )
    at = open_app(LIVE_SESSION, user="nurse.a")
    assert any(t.startswith("**MONITOR HIGH**") for t in texts(at))
    history = next(frame.value for frame in at.dataframe if "reports" in frame.value.columns)
    assert history["kind"].value_counts()["device"] == 1 and "physiological" in set(history["kind"])
    device = history.loc[history["kind"] == "device"].iloc[0]
    assert device["alert"] == "Monitor: ** SpO2 Low (SpO2 84)" and pd.isna(device["end"])


def chart_fields(at) -> dict:
    """The chairside form's number fields by vital (their keys change after each saved reading)."""
    return {n.key.split("_")[1]: n for n in at.number_input if (n.key or "").startswith("chart_")}


def chart_by_hand(at, **values):
    for vital, value in values.items():
        chart_fields(at)[vital].set_value(value)
    widget(at.button, "Save reading").click().run()


def test_a_bp_charted_by_hand_is_stored_as_manual_with_the_nurse_and_its_mean(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(LIVE_SESSION, user="nurse.a")
    before = len(store.session_vitals("S1"))
    chart_by_hand(at, sbp=152, dbp=94, hr=90)
    vitals = store.session_vitals("S1")
    assert len(vitals) == before + 1
    (row,) = vitals.loc[vitals["timestamp"].isin(store.hand_charted_times("S1"))].to_dict("records")
    assert (row["sbp"], row["dbp"], row["map"], row["hr"]) == (152, 94, 113, 90)
    assert store.audit_log("S1").query("action == 'vitals_charted'")["user"].tolist() == ["nurse.a"]
    assert all(field.value is None for field in chart_fields(at).values())  # ready for the next


def test_an_impossible_value_charted_by_hand_stores_nothing_and_says_why(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(LIVE_SESSION, user="nurse.a")
    before = len(store.session_vitals("S1"))
    chart_by_hand(at, sbp=1200, dbp=80)
    assert len(store.session_vitals("S1")) == before
    (error,) = [e.value for e in at.error if "Not saved" in e.value]
    assert "Systolic BP 1200 mmHg is not possible; expected 40-300 mmHg" in error
    assert chart_fields(at)["sbp"].value == 1200  # kept, to be put right


def checked_in(store, **values) -> None:
    """A patient in Chair 1, infusion not started, monitored for the last 10 minutes."""
    store.start_session("S1", user="nurse.setup", chair="Chair 1", patient_id="P-S1")
    store.add_vitals(monitored_vitals("S1", pd.Timestamp.now(tz="UTC"), 10, **values), user="monitor")


def test_a_bp_above_the_start_limits_needs_a_reason_that_is_recorded_with_the_start(store):
    checked_in(store, sbp=152.0, dbp=95.0)
    at = open_app(LIVE_SESSION, user="nurse.a")
    (warning,) = [w.value for w in at.warning if "Pre-infusion check" in w.value]
    assert "Systolic BP 152 is above the start limit 140" in warning
    assert "Diastolic BP 95 is above the start limit 90" in warning
    assert widget(at.button, "Start").disabled
    at.text_input(key="start_reason").input("Anxious on arrival; repeat 138/88 by hand, Dr Lee agrees").run()
    widget(at.button, "Start").click().run()
    (start,) = store.session_events("S1").query("event == 'infusion_start'").to_dict("records")
    assert start["note"].startswith("Started outside the start limits (Systolic BP 152 is above")
    assert start["note"].endswith("Dr Lee agrees") and start["user"] == "nurse.a"


def test_vitals_within_the_start_limits_let_the_infusion_start_at_once(store):
    checked_in(store)  # 128/82, HR 72
    at = open_app(LIVE_SESSION, user="nurse.a")
    assert any("within the protocol's start limits" in s.value for s in at.success)
    assert not widget(at.button, "Start").disabled


def in_recovery(store, weight_kg: float | None = 72.0, **values) -> None:
    """Chair 1's infusion (0.5 mg/kg) stopped 70 min ago, monitored (``monitored_vitals``) throughout."""
    now = pd.Timestamp.now(tz="UTC")
    stop = now - pd.Timedelta(minutes=70)
    store.start_session("S1", user="nurse.setup", chair="Chair 1", patient_id="P-S1", dose_mg_per_kg=0.5,
                        weight_kg=weight_kg, infusion_start=stop - pd.Timedelta(minutes=40))  # fmt: skip
    store.add_vitals(monitored_vitals("S1", now, 130, **values), user="monitor")
    store.add_event("S1", stop, "infusion_stop", user="nurse.a")


def test_the_discharge_checklist_fills_in_from_the_data_then_discharge_and_sign_off_lock_the_session(store):
    in_recovery(store)
    now = pd.Timestamp.now(tz="UTC")
    store.add_event("S1", now, "dissociation", user="nurse.a", scale="CADSS-6", score=1)
    at = open_app(LIVE_SESSION, user="nurse.a")
    assert any(s.value.startswith("Ready for discharge since") for s in at.success)
    checklist = next(df.value for df in at.dataframe if "criterion" in df.value.columns)
    assert checklist["state"].tolist() == ["✓ met"] * 5 + ["? by hand"] * 2
    assert widget(at.button, "Discharge").disabled  # the by-hand criteria are not ticked
    for box in at.checkbox:
        if box.key and box.key.startswith("tick_"):
            box.check()
    at.run()
    checklist = next(df.value for df in at.dataframe if "criterion" in df.value.columns)
    assert checklist["state"].tolist() == ["✓ met"] * 7  # the ticks show in the checklist at once
    widget(at.button, "Discharge").click().run()
    discharge = store.session_discharge("S1")
    assert discharge["user"] == "nurse.a" and {c["state"] for c in discharge["criteria"]} == {"met"}
    widget(at.button, "Sign off").click().run()
    assert not at.exception
    assert store.session_sign_off("S1")["user"] == "nurse.a" and store.active_sessions().empty
    with pytest.raises(EntryError, match="addendum"):
        store.add_event("S1", pd.Timestamp.now(tz="UTC"), "nausea", user="nurse.a")


def test_an_unmet_criterion_needs_a_reason_and_a_missing_weight_blocks_sign_off(store):
    in_recovery(store, weight_kg=None)
    add_reading(store, "S1", sbp=172.0, dbp=95.0)
    at = open_app(LIVE_SESSION, user="nurse.a")
    checklist = next(df.value for df in at.dataframe if "criterion" in df.value.columns)
    sbp = checklist.loc[checklist["criterion"] == "SBP back under 160 for 10 min"].iloc[0]
    assert sbp["state"] == "✗ not yet" and sbp["reason"].startswith("not yet, 172 at ")
    assert widget(at.button, "Discharge").disabled
    at.text_input(key="discharge_reason").input("BP 172 is her usual; GP informed").run()
    widget(at.button, "Discharge").click().run()
    assert store.session_discharge("S1")["reason"] == "BP 172 is her usual; GP informed"
    assert any("Cannot sign off yet: missing weight" in w.value for w in at.warning)
    assert widget(at.button, "Sign off").disabled
    at.number_input(key="plan-live-weight_kg").set_value(72.0)
    widget(at.button, "Save dose plan").click().run()
    assert store.session_plan("S1")["total_dose_mg"] == 36.0
    assert not widget(at.button, "Sign off").disabled
