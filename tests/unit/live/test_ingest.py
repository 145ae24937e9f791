"""Following monitor exports that keep growing: new complete rows once, bad rows reported."""

from __future__ import annotations

import logging

import pandas as pd
import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from dashboard.core.live.ingest import Watcher, watch
from dashboard.core.loading.timestamps import LoadSettings
from dashboard.core.store import open_store

HEADER = "session_id,timestamp,hr,spo2\n"


def row(second: int, hr: str = "72") -> str:
    return f"P01-S1,2026-03-02T09:00:{second:02d}Z,{hr},98\n"


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


@pytest.fixture
def export(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder / "chair1.csv"


def append(path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


def poll(url, export, problems: list | None = None) -> int:
    """One poll by a watcher started afresh, as after a restart."""
    with open_store(url) as store:
        report = (problems if problems is not None else []).append
        return Watcher(store, export.parent, LoadSettings(), report).poll()


def stored_hr(url) -> list[float]:
    with open_store(url) as store:
        return store.session_vitals("P01-S1")["hr"].tolist()


def test_only_rows_appended_since_the_last_poll_are_stored(url, export):
    append(export, HEADER + row(0) + row(1))
    assert poll(url, export) == 2
    append(export, row(2, hr="75"))
    assert poll(url, export) == 1
    assert poll(url, export) == 0
    assert stored_hr(url) == [72.0, 72.0, 75.0]


def test_a_restarted_watcher_resumes_without_duplicates(url, export):
    append(export, HEADER + row(0))
    poll(url, export)
    append(export, row(1, hr="80") + row(2, hr="81"))
    poll(url, export)  # a new watcher (new process, same store): the offset comes from the store
    poll(url, export)
    assert stored_hr(url) == [72.0, 80.0, 81.0]


def test_bad_row_is_reported_with_its_line_in_the_file_and_the_rest_is_kept(url, export):
    append(export, HEADER + row(0) + row(1))
    poll(url, export)
    problems = []
    append(export, row(2) + row(3, hr="fast") + row(4))
    assert poll(url, export, problems) >= 2
    assert [(p.file, p.line, p.column) for p in problems] == [("chair1.csv", 5, "hr")]
    append(export, row(5, hr="90"))
    assert poll(url, export) == 1, "the watch goes on after a bad row"
    assert stored_hr(url)[-1] == 90.0


def test_a_row_still_being_written_waits_for_its_newline(url, export):
    append(export, HEADER + row(0) + "P01-S1,2026-03-02T09:00:01Z,7")
    assert poll(url, export) == 1
    append(export, "7,98\n")
    assert poll(url, export) == 1
    assert stored_hr(url) == [72.0, 77.0]


def test_header_written_before_any_row_is_remembered(url, export):
    append(export, HEADER)
    assert poll(url, export) == 0
    append(export, row(0, hr="66"))
    assert poll(url, export) == 1
    assert stored_hr(url) == [66.0]


def test_semicolon_export_with_a_preamble_is_followed(url, export):
    rows = "".join(f"P01-S1;2026-03-02 09:00:0{s};7{s};98\n" for s in range(3))
    append(export, "Monitor XY-200 export\nBed 4\nsession_id;timestamp;hr;spo2\n" + rows)
    assert poll(url, export) == 3
    problems = []
    append(export, "P01-S1;2026-03-02 09:00:05;74;97\nP01-S1;2026-03-02 09:00:06;75;x\n")
    assert poll(url, export, problems) == 2
    assert [(p.line, p.column) for p in problems] == [(8, "spo2")]
    assert stored_hr(url) == [70.0, 71.0, 72.0, 74.0, 75.0], "the row keeps its good cells"


def test_a_replaced_export_is_read_again_from_the_start_and_reported(url, export):
    append(export, HEADER + row(0) + row(1) + row(2))
    poll(url, export)
    export.write_text(HEADER + row(30, hr="99"), encoding="utf-8")
    problems = []
    assert poll(url, export, problems) == 1
    assert "replaced or truncated" in problems[0].message
    assert stored_hr(url)[-1] == 99.0


def test_events_exports_are_followed_too(url, export):
    events = export.with_name("events.csv")
    append(events, "session_id,timestamp,event,severity,note\nP01-S1,2026-03-02T09:25:00Z,Nauseous,mild,\n")
    poll(url, events)
    append(events, "P01-S1,2026-03-02T09:26:00Z,zofran,,4 mg IV\n")
    poll(url, events)
    with open_store(url) as store:
        stored = store.session_events("P01-S1")
    assert stored["event"].tolist() == ["nausea", "ondansetron"]
    assert (stored["user"] == "ingest").all()
    assert stored["timestamp"].tolist() == list(pd.to_datetime(["2026-03-02T09:25Z", "2026-03-02T09:26Z"]))


class Unreachable:
    """The store, unreachable for its next ``down`` calls, the first a batch committed before the
    connection dropped (the watcher cannot tell whether it landed)."""

    def __init__(self, store, down: int) -> None:
        self.store, self.down = store, down

    def __getattr__(self, name):
        return getattr(self.store, name)

    def _call(self, method: str, *args, **kwargs):
        if self.down > 0 and (method == "ingest_batch" or self.down < 3):
            self.down -= 1
            if method == "ingest_batch":
                self.store.ingest_batch(*args, **kwargs)
            raise OperationalError("SELECT", {}, psycopg.OperationalError("server closed the connection"))
        return getattr(self.store, method)(*args, **kwargs)

    def ingest_batch(self, *args, **kwargs):
        return self._call("ingest_batch", *args, **kwargs)

    def ingest_position(self, *args, **kwargs):
        return self._call("ingest_position", *args, **kwargs)


def test_a_watch_rides_out_an_outage_from_its_stored_offset_without_doubling_a_row(url, export, caplog):
    append(export, HEADER + row(0) + row(1))
    polls, waits = [], []

    def keep_going() -> bool:
        if len(waits) == 2:
            append(export, row(2, hr="75"))  # the monitor goes on writing during the outage
        return len(polls) < 2

    with open_store(url) as store, caplog.at_level(logging.INFO):
        watch(
            Unreachable(store, down=3), export.parent, LoadSettings(), report=lambda p: None, interval_s=0,
            on_poll=polls.append, keep_going=keep_going, sleep=waits.append,
        )  # fmt: skip
    assert stored_hr(url) == [72.0, 72.0, 75.0], "every row once"
    assert waits[:3] == [0.5, 1.0, 2.0], "backoff"
    assert [r.getMessage().split(" (")[0].split(" after")[0] for r in caplog.records] == [
        "ingest: store unreachable",
        "ingest: store reachable again",
    ]
