"""Patient identifiers never go to logs, even with every logger at DEBUG.

Logs end up in places nobody reviews for patient data (journald, log shippers, support tickets),
so the check runs the command line, a load of the sample cohort and store writes with the root
logger at DEBUG and looks for every patient id of the sample data in what was logged.
"""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from dashboard import cli
from dashboard.core.loading.loaders import load_paths
from dashboard.core.settings import SAMPLE_DIR
from dashboard.core.store import open_store
from tests.factories import vitals_frame

PATIENT_IDS = sorted(pd.read_csv(SAMPLE_DIR / "sessions.csv")["patient_id"].dropna().unique())


@pytest.fixture
def debug_log(caplog):
    caplog.set_level(logging.DEBUG)  # the root logger: every library's DEBUG records are captured
    # SQL statement logging on (echo=True), as when debugging the store. Its DEBUG level dumps result
    # rows by design; the README's Security section says not to use it on patient data.
    caplog.set_level(logging.INFO, logger="sqlalchemy")
    return caplog


def logged_ids(caplog) -> list[str]:
    text = "\n".join(record.getMessage() for record in caplog.records)
    return [patient for patient in PATIENT_IDS if patient in text]


def test_sample_patients_are_the_ids_looked_for():
    assert len(PATIENT_IDS) >= 2 and all(len(p) >= 3 for p in PATIENT_IDS)


def test_command_line_and_loading_log_no_patient_id(debug_log, tmp_path, capsys):
    load_paths([SAMPLE_DIR])
    cli.main(["validate", str(SAMPLE_DIR / "*.csv")])
    files = ["--vitals", str(SAMPLE_DIR / "vitals_*.csv"), "--events", str(SAMPLE_DIR / "events.csv"),
             "--sessions", str(SAMPLE_DIR / "sessions.csv")]  # fmt: skip
    for command in ("alerts", "summarize"):
        assert cli.main([command, *files, "--out", str(tmp_path / f"{command}.csv")]) == 0
    progress = capsys.readouterr().err  # stderr reaches the journal when run as a service
    assert "[7/7]" in progress
    assert logged_ids(debug_log) == []
    assert [patient for patient in PATIENT_IDS if patient in progress] == []


def test_store_writes_log_no_patient_id(debug_log, tmp_path):
    patient = PATIENT_IDS[0]
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as store:
        store.start_session(f"{patient}-S9", user="nurse", patient_id=patient, chair="Chair 1")
        reading = vitals_frame(f"{patient}-S9", start=pd.Timestamp.now(tz="UTC"), hr=[72.0])
        store.add_vitals(reading, user="monitor")
        store.add_event(f"{patient}-S9", pd.Timestamp.now(tz="UTC"), "nausea", user="nurse")
        store.sessions()
    assert any("INSERT INTO sessions" in record.getMessage() for record in debug_log.records)
    assert patient not in "\n".join(record.getMessage() for record in debug_log.records)
