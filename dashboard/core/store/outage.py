"""When the store cannot be reached: which errors mean that, how long to wait, what to log.

The background processes (``feed``, ``ingest``, ``hl7-listen``) share this one policy:

- ``unreachable(error)``: the database could not be reached or dropped the connection
  (PostgreSQL stopped or restarting, a network cut, a SQLite file locked past its busy timeout
  or on a disk gone away). Anything else (a constraint, a missing table, a refused entry) is a
  real error and is raised as before: retrying would only repeat it.
- ``Backoff``: exponential waits between attempts, capped, so a long outage costs one attempt
  every ``cap_s`` seconds and a short one is noticed within a second.
- ``Outage``: one log line when an outage starts and one when it ends, with its duration and
  the attempts it took; never one per row or message, and never patient data (the exception's
  type names it, its text could quote a value).
- ``retrying(call, outage)``: ``call()`` again after each unreachable error until it succeeds.

A write retried after an outage may have been committed just before the connection dropped:
callers make their writes idempotent or read back what is stored before writing again.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

try:  # the PostgreSQL driver; a SQLite-only install may lack it
    import psycopg
except ImportError:  # pragma: no cover - psycopg is in requirements.txt
    psycopg = None

T = TypeVar("T")
# SQLite's transient failures (its other OperationalErrors, "no such table" and the like, are bugs).
_SQLITE_TRANSIENT = ("locked", "busy", "unable to open", "disk i/o", "readonly database")

log = logging.getLogger(__name__)


def unreachable(error: BaseException) -> bool:
    """True if ``error`` means the store could not be reached (retry later), not a real error."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    cause = error.orig if isinstance(error, DBAPIError) else error
    if psycopg is not None and isinstance(cause, (psycopg.OperationalError, psycopg.InterfaceError)):
        return True
    if isinstance(cause, sqlite3.OperationalError):
        return any(marker in str(cause).lower() for marker in _SQLITE_TRANSIENT)
    # a connection refused before any driver error was wrapped (pool checkout, pre-ping)
    return isinstance(error, (OperationalError, InterfaceError)) and cause is None


@dataclass(frozen=True)
class Backoff:
    """Waits of ``first_s``, then ``factor`` times longer each attempt, never over ``cap_s``."""

    first_s: float = 0.5
    factor: float = 2.0
    cap_s: float = 10.0

    def delay(self, attempt: int) -> float:
        """The wait after failed attempt number ``attempt`` (1 = the first failure)."""
        return min(self.cap_s, self.first_s * self.factor ** max(attempt - 1, 0))


class Outage:
    """One process's view of whether the store is reachable; thread-safe (the listener's
    messages are handled in worker threads)."""

    def __init__(
        self,
        who: str,
        backoff: Backoff = Backoff(),
        logger: logging.Logger = log,
        clock: Callable[[], float] = time.monotonic,
        meanwhile: str | None = None,
    ) -> None:
        """``meanwhile``: what ``who`` does until the store answers (default: retrying with backoff)."""
        self.who, self.backoff, self.log, self.clock = who, backoff, logger, clock
        self.meanwhile = meanwhile or f"retrying with backoff up to every {backoff.cap_s:g} s"
        self._lock = threading.Lock()
        self._since: float | None = None
        self._attempts = 0

    @property
    def down(self) -> bool:
        with self._lock:
            return self._since is not None

    def failed(self, error: BaseException) -> float:
        """Record an unreachable store (logged at the first failure only); the wait before the
        next attempt."""
        with self._lock:
            self._attempts += 1
            if self._since is None:
                self._since = self.clock()
                self.log.warning("%s: store unreachable (%s); %s", self.who, _kind(error), self.meanwhile)
            return self.backoff.delay(self._attempts)

    def recovered(self) -> None:
        """Record a successful use of the store; logs the end of an outage with its duration."""
        with self._lock:
            if self._since is None:
                return
            seconds, attempts = self.clock() - self._since, self._attempts
            self._since, self._attempts = None, 0
        self.log.warning(
            "%s: store reachable again after %.1f s (%d failed attempts)", self.who, seconds, attempts
        )


def retrying(call: Callable[[], T], outage: Outage, sleep: Callable[[float], None] = time.sleep) -> T:
    """``call()``, again after a backoff each time it fails because the store is unreachable;
    any other error is raised at once."""
    while True:
        try:
            result = call()
        except Exception as error:
            if not unreachable(error):
                raise
            sleep(outage.failed(error))
            continue
        outage.recovered()
        return result


def _kind(error: BaseException) -> str:
    """The error's type and its driver's, never its text."""
    cause = getattr(error, "orig", None)
    return type(error).__name__ + (f" / {type(cause).__name__}" if cause is not None else "")
