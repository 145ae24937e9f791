"""Alert episodes and acknowledgements shared between screens, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.core.store import EntryError, open_store
from tests.factories import T0, alert_episode, steady_vitals


def test_acknowledgement_is_visible_on_every_screen_with_who_and_why(store, database_url):
    store.add_vitals(steady_vitals("P01-S1", 60), user="monitor-feed")
    store.record_alerts(alert_episode("P01-S1", 30, 59))
    key = store.open_alerts()["alert_key"].iloc[0]
    store.acknowledge(key, user="nurse.a", reason="patient talking, probe moved")
    with open_store(database_url) as other_screen:
        row = other_screen.open_alerts().iloc[0]
    assert (row["acknowledged_by"], row["acknowledged_reason"]) == ("nurse.a", "patient talking, probe moved")


def test_acknowledgement_without_a_reason_is_refused(store):
    store.add_vitals(steady_vitals("P01-S1", 60), user="monitor-feed")
    store.record_alerts(alert_episode("P01-S1", 30, 59))
    key = store.open_alerts()["alert_key"].iloc[0]
    with pytest.raises(EntryError, match="reason"):
        store.acknowledge(key, user="nurse.a", reason="  ")
    assert store.acknowledgements().empty


def test_acknowledged_alert_stays_listed_until_it_clears(store):
    store.add_vitals(steady_vitals("P01-S1", 60), user="monitor-feed")
    store.record_alerts(alert_episode("P01-S1", 30, 59))
    store.acknowledge(store.open_alerts()["alert_key"].iloc[0], user="nurse.a", reason="treated")
    store.add_vitals(steady_vitals("P01-S1", 30, start=T0 + pd.Timedelta(seconds=60)), user="monitor-feed")
    store.record_alerts(alert_episode("P01-S1", 30, 89))
    assert len(store.open_alerts()) == 1, "still in breach: listed although acknowledged"
    store.add_vitals(steady_vitals("P01-S1", 10, start=T0 + pd.Timedelta(seconds=90)), user="monitor-feed")
    store.record_alerts(alert_episode("P01-S1", 30, 89))
    assert store.open_alerts().empty
    assert len(store.acknowledgements()) == 1


def test_a_cuff_alert_stays_open_while_heart_rate_samples_arrive_until_the_next_cuff_reading(store):
    store.add_vitals(steady_vitals("P01-S1", 120), user="monitor-feed")  # cuff reading at 0 s only
    cuff_breach = alert_episode("P01-S1", 0, 0, rule="sbp_high_critical").assign(vital="sbp", n_samples=1)
    store.record_alerts(cuff_breach)
    assert store.open_alerts()["rule"].tolist() == ["sbp_high_critical"], "HR samples do not clear it"
    store.add_vitals(steady_vitals("P01-S1", 300, start=T0 + pd.Timedelta(seconds=120)), user="monitor-feed")
    store.record_alerts(cuff_breach)  # the engine no longer extends it: the new cuff reading cleared it
    assert store.open_alerts().empty


def test_a_screen_with_older_data_does_not_shrink_or_reopen_an_episode(store):
    store.add_vitals(steady_vitals("P01-S1", 100), user="monitor-feed")
    store.record_alerts(alert_episode("P01-S1", 30, 80))
    store.record_alerts(alert_episode("P01-S1", 30, 60))
    assert store.open_alerts().empty
    assert store.open_alerts().empty


def test_ending_a_session_closes_its_alerts_and_takes_it_off_the_active_list(store):
    store.add_vitals(steady_vitals("P01-S1", 60), user="monitor-feed")
    store.record_alerts(alert_episode("P01-S1", 30, 59))
    store.end_session("P01-S1", user="nurse.a")
    assert store.active_sessions().empty
    assert store.open_alerts().empty
    with pytest.raises(EntryError, match="not open"):
        store.end_session("P01-S1", user="nurse.a")
