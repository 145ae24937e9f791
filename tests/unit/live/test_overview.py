"""What the chairs overview says about each live chair, and which chair comes first."""

from __future__ import annotations

import pandas as pd

from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.live.overview import (
    alert_history,
    alert_texts,
    chair_facts,
    device_alarm_texts,
    live_alerts,
    next_cuff_due,
    open_episodes,
    session_clocks,
    shown_device_alarms,
    tile_alerts,
)
from dashboard.core.model import ALERT_COLUMNS, VITALS_COLUMNS, conform
from tests.factories import device_alarm, monitored_vitals, sessions_frame
from tests.factories import events_frame as events

NOW = pd.Timestamp("2026-11-24T10:00:00Z")
PROTOCOL = load_protocol()  # signal loss after 30 s; cuff every 5 min, overdue after 1.5 intervals


def vitals(session_id: str, minutes: float = 10, end: pd.Timestamp = NOW, **columns) -> pd.DataFrame:
    """``monitored_vitals``: a sample every 5 s and a cuff reading every 5 min, up to ``end`` (NOW)."""
    return monitored_vitals(session_id, end, minutes, **columns)


def sessions(*rows: dict) -> pd.DataFrame:
    """The live sessions table: the model's columns, with check-in times (``started_at``) given."""
    frame = sessions_frame(*rows)
    started = pd.Series(
        [row.get("started_at") for row in rows], index=frame.index, dtype="datetime64[us, UTC]"
    )
    return frame.assign(
        last_sample=pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]"), started_at=started
    )


def session(session_id: str, chair: str, started_min_ago: float = 5, **extra) -> dict:
    return {
        "session_id": session_id,
        "patient_id": f"P-{session_id}",
        "chair": chair,
        "infusion_start": NOW - pd.Timedelta(minutes=started_min_ago),
        "planned_minutes": 40.0,
        **extra,
    }


def open_alert(
    session_id: str, rule: str, priority: str, vital: str = "sbp", acknowledged_by=None, onset_min=1
):
    row = {
        "session_id": session_id,
        "vital": vital,
        "rule": rule,
        "priority": priority,
        "kind": "technical" if rule in ("signal_loss", "cuff_overdue") else "physiological",
        "start": NOW - pd.Timedelta(minutes=onset_min),
        "onset": NOW - pd.Timedelta(minutes=onset_min),
        "end": NOW,
        "peak": 192.0,
        "limit": 180.0,
        "n_samples": 1,
    }
    return {**row, "alert_key": f"{session_id}|{rule}", "acknowledged_by": acknowledged_by}


def alerts_frame(*rows: dict) -> pd.DataFrame:
    frame = conform(pd.DataFrame(rows, columns=["alert_key", *ALERT_COLUMNS]), ("alert_key", *ALERT_COLUMNS))
    ack = [row.get("acknowledged_by") for row in rows]
    return frame.assign(acknowledged_by=pd.Series(ack, index=frame.index, dtype="str"))


def facts_for(session_rows, vitals_frame, events_frame=None, open_alerts=None, now=NOW):
    table = sessions(*session_rows)
    clocks = session_clocks(table, now)
    return chair_facts(
        table,
        vitals_frame,
        events() if events_frame is None else events_frame,
        alerts_frame() if open_alerts is None else open_alerts,
        clocks,
        PROTOCOL,
    ).set_index("session_id")


def test_chair_with_a_red_alert_comes_before_quiet_and_yellow_chairs():
    rows = [session("A", "Chair 1"), session("B", "Chair 2"), session("C", "Chair 3")]
    frame = pd.concat([vitals("A"), vitals("B"), vitals("C")], ignore_index=True)
    alerts = alerts_frame(
        open_alert("B", "sbp_high_caution", "medium"), open_alert("C", "sbp_high_critical", "high")
    )
    facts = facts_for(rows, frame, open_alerts=alerts)
    assert list(facts.index) == ["C", "B", "A"]
    assert list(facts["priority"]) == ["high", "medium", "none"]


def test_unacknowledged_red_comes_before_a_red_someone_is_handling():
    rows = [session("A", "Chair 1"), session("B", "Chair 2")]
    frame = pd.concat([vitals("A"), vitals("B")], ignore_index=True)
    alerts = alerts_frame(
        open_alert("A", "sbp_high_critical", "high", acknowledged_by="nurse.a", onset_min=9),
        open_alert("B", "sbp_high_critical", "high", onset_min=1),
    )
    facts = facts_for(rows, frame, open_alerts=alerts)
    assert list(facts.index) == ["B", "A"]
    assert facts.loc["A", "unacknowledged"] == 0 and facts.loc["B", "unacknowledged"] == 1


def test_quiet_chairs_are_in_chair_number_order_not_text_order():
    rows = [session("X", "Chair 10"), session("Y", "Chair 2")]
    facts = facts_for(rows, pd.concat([vitals("X"), vitals("Y")], ignore_index=True))
    assert list(facts["chair"]) == ["Chair 2", "Chair 10"]


def test_spo2_that_stopped_a_minute_ago_is_stale_while_hr_is_fresh():
    frame = vitals("A")
    frame.loc[frame["timestamp"] > NOW - pd.Timedelta(minutes=1), "spo2"] = float("nan")
    facts = facts_for([session("A", "Chair 1")], frame)
    assert facts.loc["A", "spo2"] == 98.0  # the last value is still shown, greyed
    assert facts.loc["A", "spo2_age_s"] >= 60
    assert facts.loc["A", "spo2_stale"]
    assert not facts.loc["A", "hr_stale"]


def test_an_hr_charted_by_hand_is_due_again_with_the_next_charting_not_within_seconds():
    times = [NOW - pd.Timedelta(minutes=m) for m in (16, 11, 6)]
    charted = pd.DataFrame({"session_id": "A", "timestamp": times, "hr": [80.0, 82.0, 79.0],
                            "sbp": [130.0, 128.0, 126.0], "dbp": 80.0})  # fmt: skip
    frame = conform(charted, VITALS_COLUMNS)
    facts = facts_for([session("A", "Chair 1", started_min_ago=20)], frame)
    assert facts.loc["A", "hr"] == 79.0 and not facts.loc["A", "hr_stale"]  # 6 min < 7.5 min
    later = facts_for([session("A", "Chair 1", started_min_ago=20)], frame, now=NOW + pd.Timedelta(minutes=2))
    assert later.loc["A", "hr_stale"] and later.loc["A", "spo2_stale"]  # overdue; SpO2 never charted


def test_next_cuff_reading_is_due_one_interval_after_the_last_and_overdue_after_one_and_a_half():
    frame = vitals("A")
    frame.loc[frame["timestamp"] > NOW - pd.Timedelta(minutes=6), ["sbp", "dbp", "map"]] = float("nan")
    frame.loc[frame["timestamp"] == NOW - pd.Timedelta(minutes=6), ["sbp", "dbp"]] = [130.0, 80.0]
    facts = facts_for([session("A", "Chair 1")], frame)
    assert facts.loc["A", "cuff_due"] == NOW - pd.Timedelta(minutes=1)
    assert not facts.loc["A", "sbp_stale"]  # 6 min < 7.5 min
    later = facts_for([session("A", "Chair 1")], frame, now=NOW + pd.Timedelta(minutes=2))
    assert later.loc["A", "sbp_stale"]


def test_after_the_infusion_the_slower_cuff_cadence_applies():
    last = pd.Series([NOW])
    due = next_cuff_due(last, pd.Series([NOW - pd.Timedelta(minutes=1)]), PROTOCOL.cuff)
    assert due.iloc[0] == NOW + pd.Timedelta(minutes=PROTOCOL.cuff.interval_after_min)


def test_infusion_state_follows_the_latest_pause_or_resume():
    pause = {"session_id": "A", "timestamp": NOW - pd.Timedelta(minutes=2), "event": "infusion_paused"}
    facts = facts_for([session("A", "Chair 1")], vitals("A"), events(pause))
    assert facts.loc["A", "infusion_state"] == "paused"
    resume = {"session_id": "A", "timestamp": NOW - pd.Timedelta(minutes=1), "event": "infusion_resumed"}
    facts = facts_for([session("A", "Chair 1")], vitals("A"), events(pause, resume))
    assert facts.loc["A", "infusion_state"] == "infusing"


def test_session_before_its_infusion_start_is_not_started_and_has_no_elapsed_minutes():
    facts = facts_for([session("A", "Chair 1", started_min_ago=-5)], vitals("A"))
    assert facts.loc["A", "infusion_state"] == "not started"
    assert pd.isna(facts.loc["A", "elapsed_min"])
    assert facts.loc["A", "monitored_min"] == 10


def test_elapsed_minutes_stop_counting_at_the_infusion_stop():
    row = session("A", "Chair 1", started_min_ago=8, infusion_end=NOW - pd.Timedelta(minutes=3))
    facts = facts_for([row], vitals("A"))
    assert facts.loc["A", "elapsed_min"] == 5
    assert facts.loc["A", "infusion_state"] == "stopped"


def test_latest_side_effect_is_shown_by_its_label_with_severity():
    rows = events(
        {"session_id": "A", "timestamp": NOW - pd.Timedelta(minutes=4), "event": "nausea",
         "category": "side_effect", "severity": "mild"},
        {"session_id": "A", "timestamp": NOW - pd.Timedelta(minutes=1), "event": "dizziness",
         "category": "side_effect", "severity": "moderate"},
        {"session_id": "A", "timestamp": NOW, "event": "ondansetron", "category": "intervention"},
    )  # fmt: skip
    facts = facts_for([session("A", "Chair 1")], vitals("A"), rows)
    assert facts.loc["A", "side_effect"] == "Dizziness"
    assert facts.loc["A", "side_effect_severity"] == "moderate"


def test_replay_ahead_of_the_wall_clock_is_judged_at_its_latest_sample():
    ahead = NOW + pd.Timedelta(hours=2)
    table = sessions(session("A", "Chair 1")).assign(last_sample=ahead)
    clocks = session_clocks(table, NOW)
    assert clocks["A"] == ahead
    behind = sessions(session("A", "Chair 1")).assign(last_sample=NOW - pd.Timedelta(seconds=3))
    assert session_clocks(behind, NOW)["A"] == NOW


def test_replay_ahead_of_the_wall_clock_still_raises_signal_loss_when_its_spo2_stops():
    ahead = NOW + pd.Timedelta(hours=2)
    frame = vitals("A", end=ahead)
    frame.loc[frame["timestamp"] > ahead - pd.Timedelta(minutes=2), "spo2"] = float("nan")
    table = sessions(session("A", "Chair 1")).assign(last_sample=ahead)
    alerts = live_alerts(frame, table, PROTOCOL, session_clocks(table, NOW))
    lost = alerts.loc[(alerts["rule"] == "signal_loss") & (alerts["vital"] == "spo2")]
    assert len(lost) == 1
    assert lost["end"].iloc[0] == ahead  # still open at the session's own clock
    assert lost["start"].iloc[0] == ahead - pd.Timedelta(minutes=2)  # times are the session's own


def test_sessions_on_different_clocks_get_the_same_episodes_as_alone():
    ahead = NOW + pd.Timedelta(hours=2)
    a, b = vitals("A", end=ahead, sbp=200.0), vitals("B", sbp=200.0)
    table = sessions(session("A", "Chair 1"), session("B", "Chair 2"))
    table = table.assign(last_sample=[ahead, NOW])
    together = live_alerts(pd.concat([a, b], ignore_index=True), table, PROTOCOL, session_clocks(table, NOW))
    alone = live_alerts(b, table.iloc[[1]], PROTOCOL, session_clocks(table.iloc[[1]], NOW))
    mine = together.loc[together["session_id"] == "B"].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, alone.reset_index(drop=True))


def test_alert_lines_say_the_vital_value_and_limit_or_what_is_missing():
    alerts = alerts_frame(
        open_alert("A", "sbp_high_critical", "high"), open_alert("A", "signal_loss", "medium", vital="spo2")
    )
    assert list(alert_texts(alerts)) == ["Systolic BP 192 (limit 180)", "SpO2: no signal"]


def test_a_tile_names_the_worst_alert_of_each_vital_worst_first():
    alerts = alerts_frame(
        open_alert("A", "sbp_high_caution", "medium", onset_min=9),
        open_alert("A", "sbp_high_critical", "high", onset_min=2),
        open_alert("A", "signal_loss", "medium", vital="spo2", onset_min=5),
        open_alert("B", "sbp_high_caution", "medium"),
    )
    named = tile_alerts(alerts)
    assert named[["session_id", "rule"]].values.tolist() == [
        ["A", "sbp_high_critical"],
        ["A", "signal_loss"],
        ["B", "sbp_high_caution"],
    ]


def test_the_latest_reading_is_the_latest_in_time_whatever_the_row_order():
    frame = vitals("A", hr=70.0)
    frame.loc[frame.index[-1], "hr"] = 131.0
    facts = facts_for([session("A", "Chair 1")], frame.iloc[::-1].reset_index(drop=True))
    assert facts.loc["A", "hr"] == 131.0
    assert facts.loc["A", "hr_age_s"] == 0
    assert facts.loc["A", "monitored_min"] == 10


def test_red_cuff_alarm_stays_open_while_hr_samples_go_on_until_a_normal_reading():
    frame = vitals("A")  # cuff readings at NOW-10, NOW-5 and NOW minutes
    cuff = frame["sbp"].notna()
    frame.loc[cuff & (frame["timestamp"] == NOW - pd.Timedelta(minutes=5)), "sbp"] = 195.0
    frame = frame.loc[frame["timestamp"] < NOW - pd.Timedelta(minutes=1)]  # HR goes on 4 min after it
    table = sessions(session("A", "Chair 1")).assign(last_sample=frame["timestamp"].max())
    clocks = session_clocks(table, NOW)
    still = open_episodes(live_alerts(frame, table, PROTOCOL, clocks), frame, clocks)
    assert "sbp_high_critical" in set(still["rule"])
    cleared = pd.concat([frame, vitals("A").tail(1)], ignore_index=True)  # the next reading, 128
    table = table.assign(last_sample=NOW)
    clocks = session_clocks(table, NOW)
    assert "sbp_high_critical" not in set(
        open_episodes(live_alerts(cleared, table, PROTOCOL, clocks), cleared, clocks)["rule"]
    )


# --- the monitors' own alarms (IHE PCD-04) ------------------------------------------------------


def test_a_monitors_own_high_alarm_colours_and_orders_its_chair_without_becoming_an_alert():
    rows = [session("A", "Chair 1"), session("B", "Chair 2")]
    frame = pd.concat([vitals("A"), vitals("B")], ignore_index=True)
    alerts = alerts_frame(open_alert("A", "sbp_high_caution", "medium"))
    table = sessions(*rows)
    facts = chair_facts(
        table, frame, events(), alerts, session_clocks(table, NOW), PROTOCOL,
        device_alarm("B", priority="high", event="** SpO2 Low", vital="spo2", value=84.0),
    ).set_index("session_id")  # fmt: skip
    assert list(facts.index) == ["B", "A"]
    assert facts.loc["B", ["priority", "device_priority", "attention", "device_alarms"]].tolist() == [
        "none", "high", "high", 1,
    ]  # fmt: skip
    assert facts.loc["A", ["priority", "device_priority", "attention"]].tolist() == [
        "medium",
        "none",
        "medium",
    ]


def test_a_device_alarm_reads_in_the_monitors_words_with_the_value_that_raised_it():
    alarms = pd.concat([device_alarm(), device_alarm(event="Leads Off", vital=None, value=float("nan"))])
    assert device_alarm_texts(alarms).tolist() == ["** RR High (Respiratory rate 30)", "Leads Off"]


def test_a_no_priority_watchdog_is_not_shown_on_a_tile_but_an_unknown_priority_is():
    alarms = pd.concat([device_alarm(priority="none"), device_alarm(priority=None), device_alarm()])
    shown = shown_device_alarms(alarms)["priority"]
    assert pd.isna(shown.iloc[0]) and shown.iloc[1:].tolist() == ["medium"]


def test_the_alert_history_lists_the_monitors_alarm_beside_the_dashboards_alerts_never_merged():
    computed = alerts_frame(open_alert("S1", "rr_high", "medium", vital="rr", onset_min=3))
    reports = pd.concat(
        [device_alarm(at=NOW - pd.Timedelta(minutes=2)), device_alarm(at=NOW, phase="end", state="inactive")]
    )
    history = alert_history(computed.drop(columns=["alert_key", "acknowledged_by"]), reports)
    assert history["kind"].tolist() == ["physiological", "device"]
    device = history.iloc[1]
    assert (device["alert"], device["reports"]) == ("Monitor: ** RR High (Respiratory rate 30)", 2)
    assert (device["start"], device["end"]) == (NOW - pd.Timedelta(minutes=2), NOW)


def test_an_alarm_still_going_has_no_end_in_the_history():
    history = alert_history(alerts_frame().drop(columns=["alert_key", "acknowledged_by"]), device_alarm())
    assert pd.isna(history.iloc[0]["end"])


def test_a_tile_names_the_phase_from_check_in_to_recovery_and_the_time_in_the_chair():
    rows = [
        session(
            "A", "Chair 1", started_min_ago=-5, started_at=NOW - pd.Timedelta(minutes=12)
        ),  # starts later
        session("B", "Chair 2", started_at=NOW - pd.Timedelta(minutes=50)),
        session("C", "Chair 3", started_min_ago=45, infusion_end=NOW - pd.Timedelta(minutes=5)),
    ]
    frame = pd.concat([vitals("A"), vitals("B"), vitals("C")], ignore_index=True)
    facts = facts_for(rows, frame)
    assert facts.loc[["A", "B", "C"], "phase"].tolist() == ["checked in", "infusing", "recovery"]
    assert facts.loc["A", "chair_min"] == 12 and facts.loc["B", "chair_min"] == 50
    assert pd.isna(facts.loc["C", "chair_min"])  # a session without its check-in time says nothing


def test_recovery_turns_ready_for_discharge_once_the_criteria_judged_from_the_data_are_met():
    """Default protocol: 60 min of recovery and SBP, DBP and HR back for 10 min."""
    long_ago, just_now = NOW - pd.Timedelta(minutes=70), NOW - pd.Timedelta(minutes=5)
    rows = [
        session("R", "Chair 1", started_min_ago=110, infusion_end=long_ago),
        session("S", "Chair 2", started_min_ago=45, infusion_end=just_now),
    ]
    frame = pd.concat([vitals("R", minutes=120), vitals("S", minutes=60)], ignore_index=True)
    stops = events(
        {"session_id": "R", "timestamp": long_ago, "event": "infusion_stop", "category": "infusion_marker"},
        {"session_id": "S", "timestamp": just_now, "event": "infusion_stop", "category": "infusion_marker"},
    )
    facts = facts_for(rows, frame, stops)
    assert facts.loc[["R", "S"], "phase"].tolist() == ["ready for discharge", "recovery"]


def test_a_replay_gone_silent_ages_from_its_last_write_not_its_sample_clock():
    ahead = NOW + pd.Timedelta(minutes=10)  # a speed-10 replay, one minute of wall time in
    silent_since = NOW - pd.Timedelta(seconds=90)
    table = sessions(session("A", "Chair 1")).assign(last_sample=ahead, last_write=silent_since)
    clocks = session_clocks(table, NOW)
    assert clocks["A"] == ahead + pd.Timedelta(seconds=90), "silent 90 s: 90 s older, though still ahead"
    frame = vitals("A", end=ahead)
    facts = chair_facts(table, frame, events(), alerts_frame(), clocks, PROTOCOL).set_index("session_id")
    assert facts.loc["A", "hr_age_s"] == 90 and facts.loc["A", "hr_stale"]
    writing = table.assign(last_write=NOW)  # still writing: judged at its latest sample
    assert session_clocks(writing, NOW)["A"] == ahead
    real = table.assign(last_sample=NOW - pd.Timedelta(seconds=5), last_write=NOW - pd.Timedelta(seconds=5))
    assert session_clocks(real, NOW)["A"] == NOW, "a real feed is judged on the wall clock"
    never = pd.Series(pd.NaT, index=table.index, dtype="datetime64[us, UTC]")
    unwritten = table.assign(last_sample=never, last_write=never)
    assert session_clocks(unwritten, NOW)["A"] == NOW
