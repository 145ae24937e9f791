"""Several writers at once, and a writer killed mid-stream: nothing confirmed is lost or doubled."""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter

import pandas as pd
from sqlalchemy import text

from dashboard.core.analysis.alerts import alert_keys
from dashboard.core.store import open_store
from tests.factories import T0, alert_episode

WORKERS, ENTRIES = 4, 500
SHARED_SESSION = "P99-S1"  # every worker writes to it, as screens on several chairs' staff would



def write_entries(
    url: str, worker: int, start: multiprocessing.Barrier, results: multiprocessing.Queue
) -> None:
    """One staff member's screen: opens the store (all at once, on a new database), then writes
    ENTRIES events and ENTRIES acknowledgements, each its own transaction."""
    user = f"nurse.{worker}"
    with open_store(url) as store:
        own = f"P{worker:02d}-S1"
        store.start_session(own, user=user, chair=f"Chair {worker}")
        vitals = pd.DataFrame(
            {"session_id": [own, SHARED_SESSION], "timestamp": [T0, T0], "hr": [125.0, 125.0]}
        )
        store.add_vitals(vitals, user=user)
        episodes = pd.concat([alert_episode(s, peak=125.0) for s in (own, SHARED_SESSION)], ignore_index=True)
        store.record_alerts(episodes)
        keys = list(alert_keys(episodes))
        start.wait()
        began = time.time()
        events, acks = [], []
        for k in range(ENTRIES):
            at = T0 + pd.Timedelta(seconds=k)
            events.append(
                store.add_event(own, at, "note", user=user, note=f"{k}", entry_id=str(uuid.uuid4()))
            )
            acks.append(store.acknowledge(keys[k % 2], user=user, reason=f"{k}", entry_id=str(uuid.uuid4())))
        results.put((events, acks, began, time.time()))


def test_four_screens_writing_at_once_lose_and_double_nothing(database_url):
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(WORKERS), context.Queue()
    workers = [
        context.Process(target=write_entries, args=(database_url, w, start, results)) for w in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=180) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    sent_events = [i for events, _, _, _ in reports for i in events]
    sent_acks = [i for _, acks, _, _ in reports for i in acks]
    elapsed = max(r[3] for r in reports) - min(r[2] for r in reports)
    print(
        f"\n{database_url.split(':')[0]}: {WORKERS} x {ENTRIES} events + acknowledgements in {elapsed:.1f} s"
    )

    with open_store(database_url) as store:
        stored_events = pd.concat(
            [store.session_events(f"P{w:02d}-S1", history=True) for w in range(WORKERS)], ignore_index=True
        )
        stored_acks = store.acknowledgements()
        audit = store.audit_log()
        open_alerts = store.open_alerts()
    assert len(sent_events) == len(set(sent_events)) == WORKERS * ENTRIES
    assert Counter(stored_events["id"]) == Counter(sent_events)
    assert Counter(stored_acks["id"]) == Counter(sent_acks)
    assert (audit["action"] == "event_added").sum() == WORKERS * ENTRIES
    assert (audit["action"] == "alert_acknowledged").sum() == WORKERS * ENTRIES
    assert (stored_acks["session_id"] == SHARED_SESSION).sum() == WORKERS * ENTRIES // 2
    assert len(open_alerts) == WORKERS + 1, "each worker's episode and the shared one, recorded once"


WRITER = """
import sys, pandas as pd
from dashboard.core.store import open_store
store = open_store(sys.argv[1])
store.start_session("P01-S1", user="nurse.a")
for k in range(1_000_000):
    at = pd.Timestamp("2026-03-02T09:00:00Z")
    entry = store.add_event("P01-S1", at, "note", user="nurse.a", note=str(k))
    print(entry, flush=True)  # only after the commit returned: a confirmed entry
"""


def test_writer_killed_mid_stream_loses_no_confirmed_entry(database_url):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, database_url], stdout=subprocess.PIPE, text=True)
    confirmed = [writer.stdout.readline() for _ in range(200)]
    writer.send_signal(signal.SIGKILL)
    rest, _ = writer.communicate(timeout=30)
    confirmed = [
        line.strip() for line in [*confirmed, *rest.splitlines(keepends=True)] if line.endswith("\n")
    ]

    with open_store(database_url) as store:
        stored = set(store.session_events("P01-S1")["id"])
        if store.engine.dialect.name == "sqlite":
            with store.engine.connect() as conn:
                assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert len(confirmed) >= 200
    assert set(confirmed) <= stored
    assert len(stored) - len(confirmed) <= 1, "at most the entry whose confirmation the kill cut off"
