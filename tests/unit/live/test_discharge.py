"""Recovery and discharge: the protocol's discharge criteria judged on a session's data."""

from __future__ import annotations

import pandas as pd

from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.live.discharge import confirmed, evaluate_discharge, records, unmet
from dashboard.core.store.discharge_rows import BY_HAND, MET, NOT_MET
from tests.factories import T0, events_frame, vitals_frame

CRITERIA = load_protocol().discharge  # 60 min; 10 min under 160/100 (or +20/+10), HR 50-120; CADSS-6 < 4
STOP = T0 + pd.Timedelta(minutes=40)
BASELINE = {"sbp": 128.0, "dbp": 82.0, "hr": 72.0}


def at(minutes: float) -> pd.Timestamp:
    return STOP + pd.Timedelta(minutes=minutes)


def cuff(*readings: tuple[float, float, float]) -> pd.DataFrame:
    """Cuff readings (minutes after the stop, SBP, DBP) with HR 80 on each."""
    frame = vitals_frame(
        "S1", periods=len(readings), hr=80.0, sbp=[r[1] for r in readings], dbp=[r[2] for r in readings]
    )
    return frame.assign(timestamp=[at(r[0]) for r in readings])


def stopped(*rows: dict) -> pd.DataFrame:
    return events_frame({"session_id": "S1", "timestamp": STOP, "event": "infusion_stop"}, *rows)


def judged(vitals: pd.DataFrame, events: pd.DataFrame, now: float):
    return evaluate_discharge(vitals, events, BASELINE, CRITERIA, at(now))


def by_key(check) -> dict:
    return {c.key: c for c in check.criteria}


def test_nothing_to_judge_while_the_infusion_has_not_stopped():
    assert judged(cuff((0, 150, 90)), events_frame(), 70) is None


def test_a_bp_still_high_is_named_with_its_time_as_staff_read_it():
    vitals = cuff((0, 172, 95), (2, 168, 92))
    sbp = by_key(judged(vitals, stopped(), 5))["sbp"]
    assert sbp.state == NOT_MET
    assert f"{sbp.label}: {sbp.reason}" == "SBP back under 160 for 10 min: not yet, 168 at 09:42"


def test_one_good_reading_is_not_enough_the_next_one_ten_minutes_on_confirms_it():
    sbp = by_key(judged(cuff((0, 172, 95), (5, 150, 88)), stopped(), 8))["sbp"]
    assert (sbp.state, sbp.reason) == (
        NOT_MET,
        "not yet, back since 09:45; a reading from 09:55 on confirms it",
    )
    sbp = by_key(judged(cuff((0, 172, 95), (5, 150, 88), (15, 146, 86)), stopped(), 16))["sbp"]
    assert (sbp.state, sbp.since, sbp.reason) == (MET, at(15), "yes, since 09:55 (146 at 09:55)")


def test_a_high_baseline_allows_its_margin_above_the_caution_limit():
    check = evaluate_discharge(cuff((0, 168, 90), (12, 166, 90)), stopped(), {"sbp": 150.0}, CRITERIA, at(13))
    sbp = by_key(check)["sbp"]
    assert sbp.label == "SBP back to at most 170 (baseline 150 + 20) for 10 min" and sbp.state == MET


def test_a_pressure_under_the_low_limit_is_not_back():
    sbp = by_key(judged(cuff((0, 84, 50), (12, 86, 52)), stopped(), 13))["sbp"]
    assert (sbp.state, sbp.reason) == (NOT_MET, "not yet, 86 at 09:52, under 90")


def test_recovery_time_counts_from_the_stop():
    early = by_key(judged(cuff((0, 130, 80)), stopped(), 25))["recovery_time"]
    assert early.label == "60 min in recovery since the infusion stopped at 09:40"
    assert (early.state, early.reason) == (NOT_MET, "not yet, 25 of 60 min; met at 10:40")
    assert by_key(judged(cuff((0, 130, 80)), stopped(), 60))["recovery_time"].state == MET


def test_dissociation_from_the_latest_cadss6_score_else_by_hand():
    dissociated = {"session_id": "S1", "timestamp": at(-20), "event": "dissociation"}
    unscored = by_key(judged(cuff((0, 130, 80)), stopped(dissociated), 30))["dissociation"]
    assert unscored.state == BY_HAND
    assert (
        unscored.reason
        == "confirm by hand (dissociation logged at 09:20, no CADSS-6 score since the infusion stopped)"
    )
    scores = [
        {"session_id": "S1", "timestamp": at(m), "event": "dissociation", "scale": "CADSS-6", "score": s}
        for m, s in ((10, 9.0), (30, 2.0))
    ]
    assert (
        by_key(judged(cuff((0, 130, 80)), stopped(*scores[:1]), 20))["dissociation"].reason
        == "not yet, 9 at 09:50"
    )
    assert by_key(judged(cuff((0, 130, 80)), stopped(*scores), 40))["dissociation"].state == MET


def test_ready_for_discharge_is_the_first_time_every_criterion_from_the_data_was_met():
    vitals = cuff(*[(m, 140, 85) for m in range(0, 100, 15)])
    scored = {
        "session_id": "S1",
        "timestamp": at(30),
        "event": "dissociation",
        "scale": "CADSS-6",
        "score": 1.0,
    }
    check = judged(vitals, stopped(scored), 90)
    assert check.ready and check.ready_at == at(60)  # the recovery time is the last to be met
    assert [c.state for c in check.criteria if c.key.startswith("by_hand")] == [BY_HAND, BY_HAND]
    relapse = judged(pd.concat([vitals, cuff((95, 175, 95))]), stopped(scored), 96)
    assert not relapse.ready and relapse.ready_at == at(60)  # first met, kept; not ready now


def test_unticked_by_hand_criteria_are_unmet_at_discharge_and_recorded_with_their_state():
    check = judged(cuff(*[(m, 140, 85) for m in range(0, 100, 15)]), stopped(), 90)
    ticked = confirmed(check, {"by_hand_1"})
    assert unmet(ticked) == [
        "Dissociation resolved (CADSS-6 below 4)",
        "Escort present to take the patient home",
    ]
    (alert,) = [r for r in records(ticked) if r["key"] == "by_hand_1"]
    assert alert == {
        "key": "by_hand_1",
        "label": "Alert and oriented",
        "state": MET,
        "reason": "confirmed by hand",
    }
