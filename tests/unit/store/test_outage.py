"""The one policy of the background processes for an unreachable store (``store.outage``)."""

from __future__ import annotations

import logging
import sqlite3

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, ProgrammingError

from dashboard.core.store.outage import Backoff, Outage, retrying, unreachable


def wrapped(error_type, orig: Exception, invalidated: bool = False):
    return error_type("INSERT INTO vitals ...", {}, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    "error",
    [
        wrapped(OperationalError, psycopg.OperationalError("connection failed: Connection refused")),
        wrapped(OperationalError, psycopg.errors.AdminShutdown("terminating connection")),
        wrapped(InterfaceError, psycopg.InterfaceError("the connection is closed")),
        wrapped(ProgrammingError, Exception("server closed the connection"), invalidated=True),
        wrapped(OperationalError, sqlite3.OperationalError("database is locked")),
        wrapped(OperationalError, sqlite3.OperationalError("unable to open database file")),
        psycopg.OperationalError("raw driver error"),
    ],
    ids=["pg-refused", "pg-shutdown", "pg-closed", "invalidated", "sqlite-locked", "sqlite-gone", "raw"],
)
def test_errors_that_mean_the_store_is_unreachable(error):
    assert unreachable(error)


@pytest.mark.parametrize(
    "error",
    [
        wrapped(IntegrityError, psycopg.errors.UniqueViolation("duplicate key")),
        wrapped(ProgrammingError, psycopg.errors.UndefinedTable("relation does not exist")),
        wrapped(OperationalError, sqlite3.OperationalError("no such table: vitals")),
        ValueError("a refused entry"),
    ],
    ids=["constraint", "pg-no-table", "sqlite-no-table", "entry"],
)
def test_real_errors_are_not_taken_for_an_outage(error):
    assert not unreachable(error)


def test_a_real_sqlite_file_that_cannot_be_opened_counts_as_unreachable(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'gone' / 'store.sqlite3'}")
    with pytest.raises(OperationalError) as raised, engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    assert unreachable(raised.value)


def test_backoff_doubles_from_half_a_second_up_to_its_cap():
    assert [Backoff().delay(n) for n in range(1, 8)] == [0.5, 1, 2, 4, 8, 10, 10]
    assert Backoff(first_s=1, factor=3, cap_s=5).delay(3) == 5


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def down_for(failures: int, error: Exception):
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= failures:
            raise error
        return "stored"

    return call, calls


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends_with_its_duration(caplog):
    clock = Clock()
    outage = Outage("feed", clock=clock)
    error = wrapped(OperationalError, psycopg.OperationalError("connection to 10.0.0.9 failed for P01"))
    call, calls = down_for(6, error)
    with caplog.at_level(logging.INFO):
        assert retrying(call, outage, sleep=clock.sleep) == "stored"
        assert retrying(call, outage, sleep=clock.sleep) == "stored"  # nothing to log when reachable
    assert len(calls) == 8
    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        "feed: store unreachable (OperationalError / OperationalError); retrying with backoff up to "
        "every 10 s",
        "feed: store reachable again after 25.5 s (6 failed attempts)",
    ]  # 0.5 + 1 + 2 + 4 + 8 + 10 s of waiting; the driver's text (it may quote a value) never logged
    assert not outage.down


def test_a_second_outage_starts_its_backoff_and_its_log_afresh(caplog):
    clock = Clock()
    outage = Outage("ingest", clock=clock)
    error = wrapped(OperationalError, psycopg.OperationalError("refused"))
    with caplog.at_level(logging.INFO):
        for _ in range(2):
            call, _calls = down_for(2, error)
            retrying(call, outage, sleep=clock.sleep)
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "ingest: store unreachable",
        "ingest: store reachable again after 1.5 s",
    ] * 2


def test_a_real_error_is_raised_at_once_without_retrying():
    clock = Clock()
    call, calls = down_for(1, wrapped(IntegrityError, psycopg.errors.UniqueViolation("duplicate")))
    with pytest.raises(IntegrityError):
        retrying(call, Outage("feed", clock=clock), sleep=clock.sleep)
    assert len(calls) == 1 and clock.now == 100.0
