"""Alert episodes, scenario by scenario, on small explicit frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.core.analysis.alerts import alert_counts, detect_alerts
from dashboard.core.analysis.protocol import Protocol, load_protocol
from dashboard.core.model import ALERT_COLUMNS, VITALS_COLUMNS, conform, empty_frame
from tests.factories import sessions_frame

T0 = pd.Timestamp("2026-03-02T09:00:00Z")

HR_HIGH = {"id": "hr_high", "vital": "hr", "direction": "high", "limit": 140, "priority": "high",
           "hysteresis": 5, "delay_s": 15}  # fmt: skip
SBP_HIGH = {"id": "sbp_high", "vital": "sbp", "direction": "high", "limit": 180, "priority": "high",
            "hysteresis": 5}  # fmt: skip


def at(seconds: float = 0, minutes: float = 0) -> pd.Timestamp:
    return T0 + pd.Timedelta(seconds=seconds + 60 * minutes)


def protocol_with(*rules: dict, **tables: dict) -> Protocol:
    settings = {
        "name": "test",
        "baseline": {"window_min": 15},
        "cuff": {"interval_min": 5, "interval_after_min": 15, "overdue_factor": 1.5},
        "signal_loss": {"after_s": 30},
    }
    return Protocol.model_validate(settings | tables | {"rules": list(rules)})


def series(segments: list[tuple[float, float]], vital: str = "hr", session: str = "S1", start: float = 0):
    """1 Hz samples of one vital: each (seconds, value) segment lasts that many seconds."""
    values = np.concatenate([np.full(int(seconds), value, dtype=float) for seconds, value in segments])
    times = at(start) + pd.to_timedelta(np.arange(len(values)), unit="s")
    return pd.DataFrame({"session_id": session, "timestamp": times, vital: values})


def cuff(readings: list[tuple[float, float]], vital: str = "sbp", session: str = "S1"):
    """Cuff readings as (minute, value)."""
    return pd.DataFrame(
        {
            "session_id": session,
            "timestamp": [at(minutes=m) for m, _ in readings],
            vital: [float(v) for _, v in readings],
        }
    )


def vitals(*parts: pd.DataFrame) -> pd.DataFrame:
    frame = pd.concat(parts, ignore_index=True).sort_values(["session_id", "timestamp"], kind="stable")
    return conform(frame.reset_index(drop=True), VITALS_COLUMNS)


def alerts_of(frame, protocol, rule=None, table=None, now=None) -> pd.DataFrame:
    table = sessions_frame({"session_id": "S1", "patient_id": "P1"}) if table is None else table
    found = detect_alerts(frame, table, protocol, now=now)
    assert list(found.columns) == list(ALERT_COLUMNS)
    return found if rule is None else found[found["rule"] == rule].reset_index(drop=True)


# --- continuous vitals: persistence delay, minimum samples ------------------------------------


def test_hr_breach_shorter_than_delay_raises_nothing():
    frame = vitals(series([(60, 80), (10, 150), (60, 80)]))
    assert alerts_of(frame, protocol_with(HR_HIGH)).empty


def test_hr_breach_lasting_past_the_delay_raises_one_episode_sounding_after_the_delay():
    frame = vitals(series([(60, 80), (20, 150), (60, 80)]))
    found = alerts_of(frame, protocol_with(HR_HIGH))
    assert len(found) == 1
    episode = found.iloc[0]
    assert (episode.vital, episode.rule, episode.kind) == ("hr", "hr_high", "physiological")
    assert episode.priority == "high"
    assert episode.start == at(60) and episode.onset == at(75) and episode.end == at(79)
    assert episode.peak == 150 and episode.limit == 140 and episode.n_samples == 20


def test_continuous_breach_never_alarms_from_a_single_sample_even_without_delay():
    no_delay = protocol_with(HR_HIGH | {"delay_s": 0})
    assert alerts_of(vitals(series([(5, 80), (1, 150), (5, 80)])), no_delay).empty
    two = alerts_of(vitals(series([(5, 80), (2, 150), (5, 80)])), no_delay)
    assert len(two) == 1 and two.iloc[0].onset == at(6)


def test_single_implausible_sample_never_alarms():
    frame = vitals(series([(60, 98), (1, 40), (60, 98)], vital="spo2"))
    assert alerts_of(frame, load_protocol()).empty


def test_zeros_removed_as_artifacts_raise_signal_loss_never_a_low_hr_alarm():
    hr_low = HR_HIGH | {"id": "hr_low", "direction": "low", "limit": 40}
    frame = vitals(series([(60, 80), (40, np.nan), (60, 80)]))
    assert list(alerts_of(frame, protocol_with(hr_low))["rule"]) == ["signal_loss"]


def test_a_short_artifact_inside_a_breach_does_not_restart_the_delay():
    frame = vitals(series([(10, 80), (10, 150), (2, np.nan), (10, 150), (10, 80)]))
    found = alerts_of(frame, protocol_with(HR_HIGH))
    assert len(found) == 1 and found.iloc[0].start == at(10) and found.iloc[0].n_samples == 20


# --- hysteresis ---------------------------------------------------------------------------------


def test_hovering_at_limit_gives_one_episode_thanks_to_hysteresis():
    hovering = [(20, 141), (5, 139)] * 10
    frame = vitals(series([(30, 100), *hovering, (30, 100)]))
    assert len(alerts_of(frame, protocol_with(HR_HIGH))) == 1
    assert len(alerts_of(frame, protocol_with(HR_HIGH | {"hysteresis": 0}))) == 10


def test_episode_ends_only_when_the_value_is_back_past_limit_minus_hysteresis():
    frame = vitals(series([(30, 100), (20, 145), (10, 136), (30, 120)]))
    episode = alerts_of(frame, protocol_with(HR_HIGH)).iloc[0]
    assert episode.end == at(59) and episode.n_samples == 30 and episode.peak == 145


def test_low_rule_reports_the_lowest_value_as_peak():
    spo2_low = {"id": "spo2_low", "vital": "spo2", "direction": "low", "limit": 90, "priority": "high",
                "hysteresis": 1, "delay_s": 15}  # fmt: skip
    frame = vitals(series([(30, 97), (10, 89), (10, 86), (10, 90), (30, 97)], vital="spo2"))
    episode = alerts_of(frame, protocol_with(spo2_low)).iloc[0]
    assert episode.peak == 86 and episode.start == at(30) and episode.end == at(59)


# --- cuff readings ------------------------------------------------------------------------------


def test_sbp_reading_of_185_raises_high_alert_at_that_reading():
    frame = vitals(series([(1200, 75)]), cuff([(0, 130), (5, 132), (10, 185), (15, 131)]))
    episode = alerts_of(frame, load_protocol(), rule="sbp_high_critical").iloc[0]
    assert episode.start == episode.onset == episode.end == at(minutes=10)
    assert (episode.priority, episode.peak, episode.limit, episode.n_samples) == ("high", 185, 180, 1)


def test_consecutive_breaching_cuff_readings_form_one_episode():
    frame = vitals(cuff([(0, 185), (5, 190), (10, 182), (15, 150)]))
    found = alerts_of(frame, protocol_with(SBP_HIGH), rule="sbp_high")
    assert len(found) == 1
    assert found.iloc[0].start == at() and found.iloc[0].end == at(minutes=10)
    assert found.iloc[0].peak == 190 and found.iloc[0].n_samples == 3


def test_confirm_on_repeat_waits_for_second_breaching_reading():
    confirm = protocol_with(SBP_HIGH | {"confirm": True})
    assert alerts_of(vitals(cuff([(0, 130), (5, 185), (10, 150)])), confirm, rule="sbp_high").empty
    repeated = vitals(cuff([(0, 130), (5, 185), (10, 186), (15, 150)]))
    episode = alerts_of(repeated, confirm, rule="sbp_high").iloc[0]
    assert episode.start == at(minutes=5) and episode.onset == at(minutes=10)


def test_cuff_readings_more_than_three_intervals_apart_are_separate_episodes():
    frame = vitals(cuff([(0, 185), (20, 185)]))
    assert len(alerts_of(frame, protocol_with(SBP_HIGH), rule="sbp_high")) == 2


# --- rise from baseline -------------------------------------------------------------------------


def test_rise_of_25_over_baseline_raises_rise_alert():
    rise = {"id": "sbp_rise", "vital": "sbp", "direction": "rise", "limit": 20, "priority": "medium",
            "hysteresis": 5}  # fmt: skip
    table = sessions_frame({"session_id": "S1", "patient_id": "P1", "infusion_start": at(minutes=15)})
    readings = [(0, 118), (5, 120), (10, 125), (20, 135), (25, 145), (30, 128)]
    found = alerts_of(vitals(cuff(readings)), protocol_with(rise), rule="sbp_rise", table=table)
    assert len(found) == 1
    episode = found.iloc[0]
    assert episode.start == at(minutes=25) and episode.peak == 145 and episode.limit == 140


# --- gaps and technical alerts ------------------------------------------------------------------


def test_probe_off_gap_raises_signal_loss():
    frame = vitals(series([(60, 80)]), series([(60, 80)], start=120))
    found = alerts_of(frame, protocol_with(HR_HIGH))
    assert len(found) == 1
    loss = found.iloc[0]
    assert (loss.vital, loss.rule, loss.kind, loss.priority) == ("hr", "signal_loss", "technical", "medium")
    assert loss.start == at(59) and loss.onset == at(89) and loss.end == at(120)
    assert np.isnan(loss.peak) and loss.limit == 30 and loss.n_samples == 0


def test_gap_shorter_than_signal_loss_time_is_not_an_alert_and_does_not_split_an_episode():
    frame = vitals(series([(30, 80), (10, 150)]), series([(10, 150), (30, 80)], start=60))
    found = alerts_of(frame, protocol_with(HR_HIGH))
    assert list(found["rule"]) == ["hr_high"] and found.iloc[0].n_samples == 20


def test_gap_longer_than_signal_loss_time_ends_a_running_episode():
    frame = vitals(series([(30, 80), (20, 150)]), series([(20, 150), (30, 80)], start=90))
    found = alerts_of(frame, protocol_with(HR_HIGH), rule="hr_high")
    assert list(found["start"]) == [at(30), at(90)]


def test_live_signal_loss_when_the_last_reading_is_older_than_after_s():
    frame = vitals(series([(60, 80)]))
    assert alerts_of(frame, protocol_with(), now=at(70)).empty
    loss = alerts_of(frame, protocol_with(), now=at(120)).iloc[0]
    assert loss.rule == "signal_loss" and loss.start == at(59)
    assert loss.onset == at(89) and loss.end == at(120)


def charted(*readings: tuple[float, float, float], session: str = "S1") -> pd.DataFrame:
    """Readings charted by hand from a stand-alone monitor: (minutes, HR, SpO2) each."""
    minutes, hr, spo2 = zip(*readings, strict=True)
    return pd.DataFrame({"session_id": session, "timestamp": [at(minutes=m) for m in minutes], "hr": hr,
                         "spo2": spo2})  # fmt: skip


def test_hr_and_spo2_charted_by_hand_every_few_minutes_are_not_signal_losses():
    frame = vitals(charted((0, 80, 98), (10, 82, 97), (20, 79, 98)))
    assert alerts_of(frame, protocol_with(HR_HIGH)).empty
    assert alerts_of(frame, protocol_with(HR_HIGH), now=at(minutes=29)).empty  # live, between two chartings
    first_only = vitals(charted((0, 80, 98)))
    assert alerts_of(first_only, protocol_with(HR_HIGH), now=at(minutes=5)).empty


def test_a_charted_hr_over_the_limit_alarms_on_its_reading_as_a_cuff_reading_does():
    frame = vitals(charted((0, 80, 98), (10, 150, 97), (20, 120, 98)))
    (episode,) = alerts_of(frame, protocol_with(HR_HIGH)).itertuples()
    assert (episode.rule, episode.start, episode.onset, episode.peak) == ("hr_high", at(minutes=10),
                                                                           at(minutes=10), 150)  # fmt: skip


def test_a_monitor_that_goes_quiet_is_still_a_signal_loss_beside_a_charted_session():
    monitored = [series([(120, 80)], session="S2"), series([(120, 97)], vital="spo2", session="S2")]
    frame = vitals(charted((0, 80, 98), (10, 82, 97)), *monitored)
    table = sessions_frame({"session_id": "S1"}, {"session_id": "S2"})
    found = alerts_of(frame, protocol_with(), table=table, now=at(minutes=11))
    assert found[["session_id", "vital", "rule"]].values.tolist() == [
        ["S2", "hr", "signal_loss"],
        ["S2", "spo2", "signal_loss"],
    ]


def test_vital_never_measured_in_a_session_is_lost_only_if_other_sessions_measure_it():
    hr_only = series([(120, 80)], session="S2")
    both = vitals(series([(120, 80)], session="S1"), series([(120, 97)], vital="spo2", session="S1"), hr_only)
    table = sessions_frame({"session_id": "S1"}, {"session_id": "S2"})
    found = alerts_of(both, protocol_with(), table=table)
    assert len(found) == 1
    loss = found.iloc[0]
    assert (loss.session_id, loss.vital, loss.rule) == ("S2", "spo2", "signal_loss")
    assert loss.start == at(0) and loss.end == at(119)
    assert alerts_of(vitals(hr_only), protocol_with(), table=table).empty


def test_overdue_cuff_reading_raises_low_technical_alert():
    frame = vitals(series([(30 * 60, 75)]), cuff([(0, 120), (5, 122), (10, 121)]))
    found = alerts_of(frame, protocol_with(), rule="cuff_overdue")
    assert len(found) == 1
    overdue = found.iloc[0]
    assert (overdue.vital, overdue.kind, overdue.priority) == ("sbp", "technical", "low")
    assert overdue.start == at(minutes=10) and overdue.onset == at(minutes=17.5)
    assert overdue.end == at(30 * 60 - 1) and overdue.limit == 450


def test_first_cuff_reading_is_due_from_the_sessions_first_sample():
    frame = vitals(series([(20 * 60, 75)]), cuff([(10, 120), (15, 120), (19, 120)]))
    overdue = alerts_of(frame, protocol_with(), rule="cuff_overdue").iloc[0]
    assert overdue.start == at() and overdue.onset == at(minutes=7.5) and overdue.end == at(minutes=10)


def test_cuff_cadence_relaxes_after_the_infusion_ends():
    frame = vitals(series([(36 * 60, 75)]), cuff([(0, 120), (5, 120), (10, 120), (30, 120), (35, 120)]))
    ended = sessions_frame({"session_id": "S1", "infusion_start": at(), "infusion_end": at(minutes=10)})
    running = sessions_frame({"session_id": "S1", "infusion_start": at(), "infusion_end": at(minutes=40)})
    assert alerts_of(frame, protocol_with(), rule="cuff_overdue", table=ended).empty
    assert len(alerts_of(frame, protocol_with(), rule="cuff_overdue", table=running)) == 1


# --- overrides, sessions, output ----------------------------------------------------------------


def test_patient_override_moves_only_that_patients_limit():
    caution = SBP_HIGH | {"id": "sbp_caution", "limit": 160, "priority": "medium"}
    protocol = protocol_with(caution, overrides={"P1": {"sbp_caution": 175}})
    frame = vitals(*(cuff([(0, sbp)], session=s) for s, sbp in (("S1", 170), ("S2", 170), ("S3", 178))))
    table = sessions_frame(
        {"session_id": "S1", "patient_id": "P1"},
        {"session_id": "S2", "patient_id": "P2"},
        {"session_id": "S3", "patient_id": "P1"},
    )
    found = alerts_of(frame, protocol, rule="sbp_caution", table=table)
    assert list(found["session_id"]) == ["S2", "S3"]
    assert list(found["limit"]) == [160, 175]


def test_an_episode_never_spans_two_sessions():
    ending = series([(60, 80), (10, 150)], session="S1")
    frame = vitals(ending, series([(10, 150), (60, 80)], session="S2", start=70))
    table = sessions_frame({"session_id": "S1"}, {"session_id": "S2"})
    assert alerts_of(frame, protocol_with(HR_HIGH), table=table).empty


def test_row_order_does_not_change_the_alerts_which_come_sorted_by_session_and_start():
    frame = vitals(
        series([(30, 80), (20, 150), (30, 80), (20, 150)], session="S2"),
        series([(30, 80), (20, 150), (30, 80)], session="S1"),
    )
    table = sessions_frame({"session_id": "S1"}, {"session_id": "S2"})
    ordered = alerts_of(frame, protocol_with(HR_HIGH), table=table)
    shuffled = alerts_of(frame.sample(frac=1, random_state=3), protocol_with(HR_HIGH), table=table)
    assert list(ordered["session_id"]) == ["S1", "S2", "S2"]
    assert ordered.iloc[1].start < ordered.iloc[2].start
    pd.testing.assert_frame_equal(ordered, shuffled)


def test_rows_of_other_vitals_between_readings_do_not_change_the_alerts():
    """HR on rows of its own, or on a minority of rows among SpO2 ones (mostly empty for HR)."""
    hr = series([(60, 80), (20, 150), (10, np.nan), (20, 150), (60, 80)], start=0.5)
    spo2 = pd.concat([series([(200, 97)], vital="spo2", start=0.2 + k / 4) for k in range(3)])
    rules = protocol_with(HR_HIGH, signal_loss={"after_s": 5})
    alone, among = alerts_of(vitals(hr), rules), alerts_of(vitals(hr, spo2), rules)
    assert list(alone["rule"]) == ["hr_high", "signal_loss", "hr_high"]
    pd.testing.assert_frame_equal(alone, among)


def test_empty_cells_in_one_session_do_not_shift_the_times_of_the_next_sessions_alerts():
    first = series([(20, 80), (5, np.nan), (20, 150), (10, np.nan), (30, 80)], session="S1")
    second = series([(30, 80), (20, 150), (10, 80)], session="S2")
    table = sessions_frame({"session_id": "S1", "patient_id": "P1"}, {"session_id": "S2", "patient_id": "P2"})
    found = alerts_of(vitals(first, second), protocol_with(HR_HIGH), table=table, now=at(100))
    high = found[found["rule"] == "hr_high"]
    assert list(zip(high["session_id"], high["start"], high["end"], high["n_samples"], strict=True)) == [
        ("S1", at(25), at(44), 20),
        ("S2", at(30), at(49), 20),
    ]
    lost = found[found["rule"] == "signal_loss"]
    assert list(zip(lost["session_id"], lost["start"], strict=True)) == [("S2", at(59))]  # S1 read 16 s ago


def test_sessions_missing_from_the_sessions_table_are_still_checked():
    found = alerts_of(vitals(series([(30, 150)])), protocol_with(HR_HIGH), table=sessions_frame())
    assert list(found["rule"]) == ["hr_high"]


def test_no_vitals_give_an_empty_alert_table_with_the_model_columns():
    found = detect_alerts(empty_frame(VITALS_COLUMNS), sessions_frame(), load_protocol())
    assert found.empty and list(found.columns) == list(ALERT_COLUMNS)


@pytest.mark.parametrize("with_ids", [False, True])
def test_alert_counts_gives_per_priority_and_technical_counts_per_session(with_ids):
    frame = vitals(series([(30, 150), (40, 80)]), series([(30, 100)], start=120), cuff([(0, 185)]))
    table = sessions_frame({"session_id": "S1"}, {"session_id": "S2"})
    found = alerts_of(frame, protocol_with(HR_HIGH, SBP_HIGH | {"priority": "medium"}), table=table)
    counts = alert_counts(found, table["session_id"] if with_ids else None)
    assert counts.loc["S1"].to_dict() == {
        "alerts_high": 1, "alerts_medium": 1, "alerts_low": 0, "alerts_technical": 1,
    }  # fmt: skip
    assert ("S2" in counts.index) == with_ids


def test_live_cuff_overdue_runs_until_now_when_no_reading_has_come():
    frame = vitals(series([(8 * 60, 75)]), cuff([(0, 120), (5, 120)]))
    assert alerts_of(frame, protocol_with(), now=at(minutes=12), rule="cuff_overdue").empty
    overdue = alerts_of(frame, protocol_with(), now=at(minutes=14), rule="cuff_overdue").iloc[0]
    assert overdue.onset == at(minutes=12.5) and overdue.end == at(minutes=14)


def test_alert_counts_of_no_alerts_are_zero_for_every_listed_session():
    counts = alert_counts(empty_frame(ALERT_COLUMNS), pd.Series(["S1", "S2"]))
    assert counts.index.tolist() == ["S1", "S2"] and (counts == 0).all().all()
