"""The clinic's record for the review: stored sessions screened for artifacts as files and the live
pages screen them, so the review never reports a value the live pages refused to alarm on."""

from __future__ import annotations

import pandas as pd

from dashboard.core.analysis.pipeline import analyse
from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.live.clinic_record import clinic_record
from dashboard.core.store import open_store
from tests.factories import T0, steady_vitals


def test_a_probe_off_zero_stored_from_a_monitor_is_an_artifact_in_the_review(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as store:
        store.start_session("S1", user="feed", patient_id="P01", at=T0)
        vitals = steady_vitals("S1", 120)
        vitals.loc[60, "spo2"] = 0.0  # the probe came off
        store.add_vitals(vitals, user="monitor")
        record = clinic_record(store)
        assert store.record_dataset(["S1"]).vitals["spo2"].min() == 0.0  # the store keeps what was sent
    assert record.vitals["spo2"].min() == 98.0
    (artifact,) = record.artifacts.to_dict("records")
    assert (artifact["vital"], artifact["value"], artifact["reason"]) == ("spo2", 0.0, "zero reading")
    assert analyse(record, load_protocol(None)).summary["min_spo2"].item() == 98.0


def test_the_record_is_chosen_by_the_days_sessions_started_and_by_patient(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as store:
        for session_id, patient, day in (("A", "P01", 0), ("B", "P02", 1), ("C", "P01", 2)):
            store.start_session(session_id, user="feed", patient_id=patient, at=T0 + pd.Timedelta(days=day))
        middle = clinic_record(store, since=T0 + pd.Timedelta(hours=12), until=T0 + pd.Timedelta(days=2))
        mine = clinic_record(store, patient_id="P01")
    assert middle.sessions["session_id"].tolist() == ["B"]
    assert mine.sessions["session_id"].tolist() == ["A", "C"]
