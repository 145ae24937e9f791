"""The Chairs overview through AppTest: tiles from the store, most urgent first, refreshed."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.factories import device_alarm, vitals_frame
from tests.live_app import CHAIRS, add_reading, open_app, start_chair, store_in, texts


@pytest.fixture
def store(tmp_path, monkeypatch):
    yield from store_in(tmp_path, monkeypatch)


def chair_order(at) -> list[str]:
    """Tile headings top-left to bottom-right."""
    return [t.removeprefix("### ").split("\n")[0] for t in texts(at) if t.startswith("### ")]


def hr_values(at) -> list[str]:
    return [m.value for m in at.metric if m.label.startswith("HR")]


def test_app_opens_on_review_when_no_session_is_live_and_says_how_to_start_the_feed(store):
    at = open_app()
    assert at.title[0].value == "Review sessions"
    at.switch_page(CHAIRS).run()
    assert any("python -m dashboard feed" in info.value for info in at.info)


def test_app_opens_on_the_chairs_when_a_session_is_live(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app()
    assert at.title[0].value == "Chairs"
    assert chair_order(at) == ["Chair 1"]


def test_new_reading_in_the_store_shows_on_the_next_refresh(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(CHAIRS)
    assert hr_values(at) == ["72"]
    add_reading(store, "S1", hr=131.0)
    at.run()  # what the fragment's timer does every few seconds
    assert hr_values(at) == ["131"]


def test_chair_in_red_alarm_comes_first_with_its_alert_named(store):
    start_chair(store, "S1", "Chair 1")
    start_chair(store, "S2", "Chair 2", sbp=200.0)
    at = open_app(CHAIRS)
    assert chair_order(at) == ["Chair 2", "Chair 1"]
    assert any(t.startswith("**HIGH** Systolic BP 200") for t in texts(at))


def test_a_new_high_priority_alert_raises_a_toast(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(CHAIRS)
    assert not at.toast
    add_reading(store, "S1", sbp=195.0, dbp=90.0)
    at.run()
    assert any("Chair 1" in toast.value and "Systolic BP 195" in toast.value for toast in at.toast)


def test_stale_value_is_labelled_stale(store):
    start_chair(store, "S1", "Chair 1", spo2=float("nan"))
    add_reading(store, "S1", hr=70.0)  # HR goes on, SpO2 never came
    at = open_app(CHAIRS)
    spo2 = next(m for m in at.metric if m.label.startswith("SpO2"))
    assert spo2.delta.startswith("STALE")
    assert not next(m for m in at.metric if m.label.startswith("HR")).delta.startswith("STALE")


def test_pausing_says_so_next_to_the_last_update_time(store):
    start_chair(store, "S1", "Chair 1")
    at = open_app(CHAIRS)
    assert any("Last updated" in t and "refreshing every" in t for t in texts(at))
    at.toggle(key="w_live_refresh").set_value(False).run()
    assert any("Last updated" in t and "PAUSED" in t for t in texts(at))


def test_open_chair_goes_to_that_chairs_live_page(store):
    start_chair(store, "S1", "Chair 1")
    start_chair(store, "S2", "Chair 2", sbp=200.0)
    at = open_app(CHAIRS)
    at.button(key="open-1").click().run()  # second tile: Chair 1
    assert at.title[0].value == "Live session"
    assert at.selectbox(key="live_picker").value == "S1"


def test_a_monitors_own_alarm_shows_on_its_tile_marked_as_the_monitors_and_colours_it(store):
    start_chair(store, "S1", "Chair 1")
    start_chair(store, "S2", "Chair 2")
    store.add_device_alarms(
        device_alarm("S2", priority="high", event="** SpO2 Low", vital="spo2", value=84.0)
    )
    at = open_app(CHAIRS)
    assert chair_order(at) == ["Chair 2", "Chair 1"]
    assert "**MONITOR HIGH** \\*\\* SpO2 Low \\(SpO2 84\\)" in texts(at)  # escaped: plain text


def test_a_monitor_sending_without_a_session_is_named_with_how_to_assign_it(store):
    store.hold_readings("CHAIR-9", vitals_frame("", start=pd.Timestamp.now(tz="UTC"), periods=3))
    at = open_app(CHAIRS)
    (warning,) = [w.value.replace("\\", "") for w in at.warning if "CHAIR" in w.value]  # as read: unescaped
    assert "Monitor CHAIR-9 is sending, no session" in warning and "3 readings held" in warning
    assert "monitor assign CHAIR-9 SESSION_ID" in at.code[0].value
