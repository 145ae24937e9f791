"""The clinic's chairs and the monitor identifiers each one has, kept as a history.

A chair is known by its name. Setting it appends a version (its monitors with it); removing it
appends a version marked removed: the latest version of a chair is in force, and who set up
which monitor on which chair, and when, is never lost. A monitor identifier (HL7 bed, device
EUI-64, VitalRecorder code) belongs to one chair at most, so a reading always has one place to go.
A chair without monitors is charted by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Connection, func, select, text

from dashboard.core.model import TIMESTAMP_DTYPE
from dashboard.core.roles import Actor
from dashboard.core.store.models import NAME_LENGTH, Chair, ChairMonitor, Session, utcnow
from dashboard.core.store.store_base import EntryError, StoreBase, _audit, _required

CHAIR_COLUMNS: tuple[str, ...] = ("chair", "monitors", "session_id", "patient_id", "set_by", "set_at")
CHAIR_HISTORY_COLUMNS: tuple[str, ...] = ("chair", "monitors", "removed", "user", "changed_at")
_LOCK_KEY = 0x6B636872  # PostgreSQL advisory lock of chair changes and check-ins (SQLite: its write lock)


class ChairRows(StoreBase):
    """Store mixin: the chairs, their monitors, and whether a session is open on each."""

    def set_chair(self, name: str, monitors: Iterable[str] = (), *, user: str | Actor) -> None:
        """Add a chair or replace its monitors (none: charted by hand); the same again changes nothing."""
        user, name = self._authorise(user, "chair_setup"), _name(name, "chair name")
        wanted = tuple(sorted({_name(monitor, "monitor id") for monitor in monitors}))
        with self._write() as conn:
            lock_chairs(conn)
            current = _current(conn)
            for monitor in wanted:
                owner = next(
                    (chair for chair, ids in current.items() if monitor in ids and chair != name), None
                )
                if owner is not None:
                    raise EntryError(f"monitor {monitor!r} belongs to chair {owner!r}: remove it there first")
            if current.get(name) == wanted:
                return
            _append(conn, name, wanted, user, removed=False)
            was = f" (was {_listing(current[name])})" if name in current else ""
            _audit(conn, user, "chair_set", "chair", name, None, f"{_listing(wanted)}{was}")

    def remove_chair(self, name: str, *, user: str | Actor) -> None:
        """Take a chair out of the clinic (its history stays); refused while a session is open on it."""
        user, name = self._authorise(user, "chair_setup"), _name(name, "chair name")
        with self._write() as conn:
            lock_chairs(conn)
            current = _current(conn)
            if name not in current:
                raise EntryError(f"there is no chair {name!r}")
            session_id = open_session_on(conn, name)
            if session_id is not None:
                raise EntryError(f"chair {name!r} has the open session {session_id!r}: end it first")
            _append(conn, name, (), user, removed=True)
            _audit(conn, user, "chair_removed", "chair", name, None, f"was {_listing(current[name])}")

    def chairs(self) -> pd.DataFrame:
        """The chairs in force, in natural name order (``Chair 2`` before ``Chair 10``): each one's
        monitors (a tuple, empty = charted by hand), and its open session and patient if busy."""
        with self.engine.connect() as conn:
            current = _current(conn, with_who=True)
            busy = _open_sessions(conn, list(current))
        rows = [
            {"chair": name, "monitors": ids, **busy.get(name, {}), "set_by": user, "set_at": at}
            for name, (ids, user, at) in sorted(current.items(), key=lambda item: natural_key(item[0]))
        ]
        frame = pd.DataFrame(rows, columns=list(CHAIR_COLUMNS))
        return frame.astype(
            {"session_id": "str", "patient_id": "str", "set_by": "str", "set_at": TIMESTAMP_DTYPE}
        )

    def chair_history(self) -> pd.DataFrame:
        """Every version of every chair, oldest first (the clinic-setup page's record)."""
        chairs = Chair.__table__
        with self.engine.connect() as conn:
            versions = conn.execute(select(chairs).order_by(chairs.c.id)).all()
            ids = _monitors_of(conn, [row.id for row in versions])
        rows = [(v.name, ids.get(v.id, ()), v.removed, v.user, v.changed_at) for v in versions]
        frame = pd.DataFrame(rows, columns=list(CHAIR_HISTORY_COLUMNS))
        return frame.astype({"removed": "bool", "changed_at": TIMESTAMP_DTYPE})


def lock_chairs(conn: Connection) -> None:
    """Serialise chair changes and check-ins, so two of them never both find a chair free."""
    if conn.dialect.name == "postgresql":  # SQLite: BEGIN IMMEDIATE of the write already serialises
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def chair_monitors(conn: Connection, name: str) -> tuple[str, ...] | None:
    """The monitors of the chair in force named ``name``, or None if there is no such chair."""
    return _current(conn).get(name)


def refuse_if_busy(conn: Connection, chair: str) -> None:
    """Refuse a session on ``chair`` while another is open there (call under ``lock_chairs``)."""
    busy = open_session_on(conn, chair)
    if busy is not None:
        raise EntryError(
            f"chair {chair!r} is busy with the open session {busy!r}: end it first "
            "(python -m dashboard session end SESSION_ID)"
        )


def open_session_on(conn: Connection, chair: str) -> str | None:
    """The open session on ``chair`` (the latest started, should a feed have opened several)."""
    return _open_sessions(conn, [chair]).get(chair, {}).get("session_id")


def natural_key(name: str) -> tuple:
    """Sort key reading digits as numbers: ``Chair 2`` comes before ``Chair 10``."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", name))


def _current(conn: Connection, with_who: bool = False) -> dict:
    """Chair name -> its monitors (with ``with_who``: (monitors, set by, set at)), chairs in force only."""
    chairs = Chair.__table__
    latest = select(func.max(chairs.c.id)).group_by(chairs.c.name).scalar_subquery()
    versions = conn.execute(select(chairs).where(chairs.c.id.in_(latest), chairs.c.removed.is_(False))).all()
    ids = _monitors_of(conn, [row.id for row in versions])
    if with_who:
        return {v.name: (ids.get(v.id, ()), v.user, v.changed_at) for v in versions}
    return {v.name: ids.get(v.id, ()) for v in versions}


def _monitors_of(conn: Connection, rows: list[int]) -> dict[int, tuple[str, ...]]:
    monitors = ChairMonitor.__table__
    found: dict[int, list[str]] = {}
    if rows:
        query = select(monitors).where(monitors.c.chair_row.in_(rows)).order_by(monitors.c.monitor_id)
        for row in conn.execute(query):
            found.setdefault(row.chair_row, []).append(row.monitor_id)
    return {row: tuple(ids) for row, ids in found.items()}


def _open_sessions(conn: Connection, names: list[str]) -> dict[str, dict[str, str]]:
    sessions = Session.__table__
    query = (
        select(sessions.c.chair, sessions.c.session_id, sessions.c.patient_id)
        .where(sessions.c.chair.in_(names), sessions.c.ended_at.is_(None))
        .order_by(sessions.c.started_at, sessions.c.session_id)
    )
    return {
        row.chair: {"session_id": row.session_id, "patient_id": row.patient_id} for row in conn.execute(query)
    }


def _append(conn: Connection, name: str, monitors: tuple[str, ...], user: str, *, removed: bool) -> None:
    row = {"name": name, "removed": removed, "user": user, "changed_at": utcnow()}
    chair_row = conn.execute(Chair.__table__.insert().returning(Chair.__table__.c.id), row).scalar_one()
    if monitors:
        conn.execute(
            ChairMonitor.__table__.insert(), [{"chair_row": chair_row, "monitor_id": m} for m in monitors]
        )


def _name(value: str | None, what: str) -> str:
    value = _required(value, what)
    if len(value) > NAME_LENGTH:
        raise EntryError(f"a {what} has at most {NAME_LENGTH} characters ({len(value)} given)")
    return value


def _listing(monitors: tuple[str, ...]) -> str:
    return "monitors " + ", ".join(monitors) if monitors else "charted by hand"
