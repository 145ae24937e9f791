"""The session figure: what a nurse sees, checked on the figure object."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.core import charts
from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.model import ALERT_COLUMNS, ARTIFACT_COLUMNS, EVENT_COLUMNS, VITALS_COLUMNS, conform

T0 = pd.Timestamp("2026-03-02T09:10:00Z")


def _at(minutes: float) -> pd.Timestamp:
    return T0 + pd.Timedelta(minutes=minutes)


@pytest.fixture
def rules() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("sbp_high_critical", "sbp", "high", 180.0, "high"),
            ("sbp_high_caution", "sbp", "high", 160.0, "medium"),
            ("sbp_rise", "sbp", "rise", 20.0, "medium"),
            ("dbp_high_caution", "dbp", "high", 100.0, "medium"),
            ("hr_high_caution", "hr", "high", 120.0, "medium"),
            ("spo2_low_critical", "spo2", "low", 90.0, "high"),
            ("spo2_low_caution", "spo2", "low", 95.0, "medium"),
        ],
        columns=["id", "vital", "direction", "limit", "priority"],
    )


@pytest.fixture
def vitals() -> pd.DataFrame:
    seconds = np.arange(-300, 3000, 5)
    frame = pd.DataFrame(
        {
            "session_id": "P01-S1",
            "timestamp": T0 + pd.to_timedelta(seconds, unit="s"),
            "hr": 75.0,
            "spo2": 98.0,
            "rr": 14.0,
        }
    )
    cuff = seconds % 300 == 0
    frame.loc[cuff, "sbp"] = 130.0
    frame.loc[cuff, "dbp"] = 80.0
    return _frame(frame, VITALS_COLUMNS)


def _frame(rows: list[dict], columns: tuple[str, ...]) -> pd.DataFrame:
    return conform(pd.DataFrame(rows).reindex(columns=list(columns)), columns)


def _shapes(fig, prefix: str) -> list:
    return [s for s in fig.layout.shapes if (s.name or "").startswith(prefix)]


def _trace(fig, name: str):
    return next(t for t in fig.data if t.name == name)


def test_threshold_lines_sit_at_the_protocols_limits(vitals, rules):
    fig = charts.session_figure(vitals, rules=rules)
    lines = {s.name: s.y0 for s in _shapes(fig, "limit:")}
    assert lines["limit:sbp_high_critical"] == 180
    assert lines["limit:sbp_high_caution"] == 160
    assert lines["limit:hr_high_caution"] == 120
    assert lines["limit:spo2_low_critical"] == 90


def test_editing_a_limit_moves_its_line(vitals, rules):
    edited = rules.copy()
    edited.loc[edited["id"] == "sbp_high_caution", "limit"] = 150.0
    fig = charts.session_figure(vitals, rules=edited)
    assert [s.y0 for s in _shapes(fig, "limit:sbp_high_caution")] == [150]


def test_caution_band_runs_from_caution_to_critical_limit_in_yellow(vitals, rules):
    fig = charts.session_figure(vitals, rules=rules)
    (caution,) = _shapes(fig, "band:sbp_high_caution")
    (critical,) = _shapes(fig, "band:sbp_high_critical")
    assert (caution.y0, caution.y1) == (160, 180)
    assert caution.fillcolor == charts.PRIORITY_COLOURS["medium"]
    assert critical.y0 == 180 and critical.y1 > 180
    assert critical.fillcolor == charts.PRIORITY_COLOURS["high"]


def test_no_band_shades_normal_diastolic_values_in_the_bp_panel(vitals):
    fig = charts.session_figure(vitals, rules=load_protocol().rules_frame())
    assert _shapes(fig, "band:sbp_high_caution")
    assert _shapes(fig, "band:sbp_low_caution") == [] and _shapes(fig, "band:sbp_low_critical") == []
    assert [s.y0 for s in _shapes(fig, "limit:sbp_low_critical")] == [90]  # the limit line stays


def test_low_spo2_bands_run_downwards(vitals, rules):
    fig = charts.session_figure(vitals, rules=rules)
    (caution,) = _shapes(fig, "band:spo2_low_caution")
    (critical,) = _shapes(fig, "band:spo2_low_critical")
    assert (caution.y0, caution.y1) == (90, 95)
    assert critical.y1 == 90 and critical.y0 < 90


def test_rise_limit_is_drawn_above_the_baseline(vitals, rules):
    fig = charts.session_figure(vitals, rules=rules, baseline={"sbp": 128.0, "hr": 74.0})
    assert [s.y0 for s in _shapes(fig, "limit:sbp_rise")] == [148]
    assert [s.y0 for s in _shapes(fig, "baseline:sbp")] == [128]


def test_axis_shows_minutes_from_infusion_start_with_clock_on_hover(vitals, rules):
    fig = charts.session_figure(vitals, rules=rules, session={"infusion_start": T0}, tz="Europe/Berlin")
    sbp = _trace(fig, "SBP")
    assert np.asarray(sbp.x)[0] == pytest.approx(-5.0)
    assert list(sbp.customdata[:2]) == ["10:05:00", "10:10:00"]  # 09:05 UTC is 10:05 in Berlin


def test_blood_pressure_is_drawn_as_markers_joined_by_lines(vitals, rules):
    fig = charts.session_figure(vitals, rules=rules)
    sbp = _trace(fig, "SBP")
    assert sbp.mode == "lines+markers"
    assert len(sbp.x) == vitals["sbp"].notna().sum()


def test_lost_signal_shows_as_a_gap_not_a_joining_line(vitals, rules):
    lost = vitals.loc[~vitals["timestamp"].between(_at(10), _at(12))]
    hr = _trace(charts.session_figure(lost, rules=rules), "HR")
    assert np.isnan(np.asarray(hr.y, dtype=float)).sum() == 1


def test_each_alert_episode_gets_one_stripe_in_its_alarm_colour(vitals, rules):
    alerts = _frame(
        [
            {
                "session_id": "P01-S1",
                "vital": "sbp",
                "rule": "sbp_high_critical",
                "priority": "high",
                "kind": "physiological",
                "start": _at(20),
                "onset": _at(20),
                "end": _at(25),
                "peak": 186.0,
            },
            {
                "session_id": "P01-S1",
                "vital": "spo2",
                "rule": "spo2_low_caution",
                "priority": "medium",
                "kind": "physiological",
                "start": _at(30),
                "onset": _at(30.25),
                "end": _at(31),
                "peak": 93.0,
            },
            {
                "session_id": "P01-S1",
                "vital": "spo2",
                "rule": "signal_loss",
                "priority": "low",
                "kind": "technical",
                "start": _at(40),
                "onset": _at(40.5),
                "end": _at(41),
                "peak": np.nan,
            },
        ],
        ALERT_COLUMNS,
    )
    fig = charts.session_figure(vitals, rules=rules, session={"infusion_start": T0}, alerts=alerts)
    stripes = {s.name: s for s in _shapes(fig, "alert:")}
    assert len(stripes) == 3
    assert stripes["alert:sbp_high_critical"].fillcolor == charts.PRIORITY_COLOURS["high"]
    assert stripes["alert:spo2_low_caution"].fillcolor == charts.PRIORITY_COLOURS["medium"]
    assert stripes["alert:signal_loss"].fillcolor == charts.PRIORITY_COLOURS["low"]
    assert (stripes["alert:sbp_high_critical"].x0, stripes["alert:sbp_high_critical"].x1) == (20, 25)


def test_red_episodes_are_drawn_over_yellow_ones(vitals, rules):
    overlapping = _frame(
        [
            {
                "session_id": "P01-S1",
                "vital": "sbp",
                "rule": rule,
                "priority": priority,
                "kind": "physiological",
                "start": _at(10),
                "onset": _at(10),
                "end": _at(30),
                "peak": 185.0,
            }
            for rule, priority in (("sbp_high_critical", "high"), ("sbp_rise", "medium"))
        ],
        ALERT_COLUMNS,
    )
    fig = charts.session_figure(vitals, rules=rules, alerts=overlapping)
    assert [s.name for s in _shapes(fig, "alert:")] == ["alert:sbp_rise", "alert:sbp_high_critical"]


def test_one_marker_per_event_with_escaped_plain_text_hover(vitals, rules):
    events = _frame(
        [
            {
                "session_id": "P01-S1",
                "timestamp": _at(0),
                "event": "infusion_start",
                "category": "infusion_marker",
            },
            {
                "session_id": "P01-S1",
                "timestamp": _at(25),
                "event": "nausea",
                "category": "side_effect",
                "severity": "moderate",
                "note": "<b>bowl</b> & towel",
            },
            {
                "session_id": "P01-S1",
                "timestamp": _at(26),
                "event": "ondansetron",
                "category": "intervention",
                "note": "4 mg IV",
            },
        ],
        EVENT_COLUMNS,
    )
    fig = charts.session_figure(vitals, rules=rules, events=events)
    markers = _trace(fig, "Events")
    assert len(markers.x) == 3
    assert markers.customdata[1][1] == "nausea (moderate)<br>&lt;b&gt;bowl&lt;/b&gt; &amp; towel"
    assert list(markers.y) == ["Infusion, notes", "Side effects", "Interventions"]


def test_artifacts_are_shown_as_hollow_markers_not_hidden(vitals, rules):
    artifacts = _frame(
        [
            {
                "session_id": "P01-S1",
                "timestamp": _at(12),
                "vital": "sbp",
                "value": 11647.0,
                "reason": "above plausible maximum 300",
            },
            {
                "session_id": "P01-S1",
                "timestamp": _at(13),
                "vital": "spo2",
                "value": 0.0,
                "reason": "probe off",
            },
        ],
        ARTIFACT_COLUMNS,
    )
    fig = charts.session_figure(vitals, rules=rules, artifacts=artifacts)
    marked = [t for t in fig.data if t.name == "Artifact (excluded)"]
    assert sum(len(t.x) for t in marked) == 2
    assert all(t.marker.symbol.endswith("-open") for t in marked)
    assert "11647" in marked[0].text[0]


def test_infusion_window_is_shaded_from_start_to_end(vitals, rules):
    session = {"infusion_start": T0, "infusion_end": _at(40)}
    fig = charts.session_figure(vitals, rules=rules, session=session)
    windows = _shapes(fig, "infusion")
    assert windows and all((s.x0, s.x1) == (0, 40) for s in windows)


def test_a_session_without_any_reading_still_draws(rules):
    fig = charts.session_figure(_frame([], VITALS_COLUMNS), rules=rules)
    assert _shapes(fig, "limit:sbp_high_critical")
