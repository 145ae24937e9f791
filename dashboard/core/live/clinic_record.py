"""The clinic's record as the review reads it: the stored sessions of a range of days, judged for
artifacts exactly as every loaded file and the live pages judge them.

Steps:
1. the sessions started in ``[since, until)`` (``Store.recorded_sessions``);
2. their rows, with the current version of every entry (``Store.record_dataset``);
3. the vitals screened for physiologically impossible values (``split_artifacts``): emptied,
   listed as artifacts and never alerted on, so a probe-off SpO2 of 0 that the live pages never
   alarmed on is not the review's lowest SpO2 either.

The store keeps what the monitors sent, artifacts included; the CSV export carries that raw
record, and the loaders screen it again when it is read back.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

from dashboard.core.loading.artifacts import artifact_frame, split_artifacts
from dashboard.core.model import Dataset
from dashboard.core.store import Store

SOURCE = "store"  # the "file" artifacts of the record are reported under


def clinic_record(
    store: Store, since: datetime | None = None, until: datetime | None = None, patient_id: str | None = None
) -> Dataset:
    """The sessions started in ``[since, until)`` (of ``patient_id`` if given) as one screened Dataset."""
    chosen = store.recorded_sessions(since=since, until=until, patient_id=patient_id)
    record = store.record_dataset(chosen["session_id"].tolist(), listed=chosen)
    lines = np.zeros(len(record.vitals), dtype=np.int64)  # a stored row has no line
    vitals, cells, problems = split_artifacts(record.vitals, lines, SOURCE)
    return Dataset(vitals, record.events, record.sessions, artifact_frame([cells]), problems)
