"""Checking a patient in on a chair: the session row with what was planned (completed or
corrected later, with a reason), and a patient's earlier sessions for the history shown at check-in.

The checks and the new row are one transaction under the chairs' lock (``chair_rows``), so two
check-ins can never both find a chair free, and the protocol recorded is the one in force then.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, select, update

from dashboard.core.model import TIMESTAMP_DTYPE
from dashboard.core.roles import Actor
from dashboard.core.store.beds import _assigned_session
from dashboard.core.store.chair_rows import chair_monitors, lock_chairs, refuse_if_busy
from dashboard.core.store.models import Patient, ProtocolChange, Session, utcnow
from dashboard.core.store.store_base import (
    EntryError,
    StoreBase,
    _audit,
    _insert_ignore,
    _refuse_if_signed,
    _required,
)

DEFAULT_PROTOCOL = "default"  # the protocol version while the shipped default is in force
PATIENT_ID_LENGTH = 100  # leaves room for the date and counter of a session id
PLAN_COLUMNS: tuple[str, ...] = (
    "weight_kg",
    "dose_mg_per_kg",
    "planned_minutes",
    "indication",
    "total_dose_mg",
    "rate_mg_per_h",
)
PATIENT_SESSION_COLUMNS: tuple[str, ...] = (
    "session_id",
    "chair",
    *PLAN_COLUMNS,
    "protocol_version",
    "started_at",
    "ended_at",
)


class CheckInRows(StoreBase):
    """Store mixin: opening a session on a free chair, and a patient's sessions."""

    def check_in_session(
        self, patient_id: str, chair: str, plan: dict, *, user: str | Actor, at: datetime | None = None
    ) -> tuple[str, tuple[str, ...]]:
        """Open a new session for ``patient_id`` on the free ``chair`` with ``plan`` (``PLAN_COLUMNS``)
        and the protocol version in force; returns the new session id and the chair's monitors."""
        user, patient_id, chair = (
            self._authorise(user, "check_in"),
            _required(patient_id, "patient id"),
            _required(chair, "chair"),
        )
        if len(patient_id) > PATIENT_ID_LENGTH:
            raise EntryError(f"a patient id has at most {PATIENT_ID_LENGTH} characters")
        at = at or utcnow()
        with self._write() as conn:
            lock_chairs(conn)
            monitors = chair_monitors(conn, chair)
            if monitors is None:
                raise EntryError(f"there is no chair {chair!r}: set it up first (clinic setup, `chair set`)")
            refuse_if_busy(conn, chair)
            for monitor in monitors:  # never take a monitor away from a patient it is sending for
                sending_for = _open_assignment(conn, monitor)
                if sending_for is not None:
                    raise EntryError(
                        f"monitor {monitor!r} of chair {chair!r} sends to the open session {sending_for!r}: "
                        "end that session or unassign the monitor first"
                    )
            elsewhere = _open_session_of(conn, patient_id)
            if elsewhere is not None:
                raise EntryError(f"patient {patient_id!r} is already checked in (open session {elsewhere!r})")
            session_id = _new_session_id(conn, patient_id, at)
            version = _protocol_version(conn)
            conn.execute(
                _insert_ignore(conn, Patient.__table__, ["patient_id"]),
                {"patient_id": patient_id, "created_at": at},
            )
            row = {column: plan.get(column) for column in PLAN_COLUMNS}
            conn.execute(
                Session.__table__.insert(),
                {
                    **row,
                    "session_id": session_id,
                    "patient_id": patient_id,
                    "chair": chair,
                    "protocol_version": version,
                    "started_at": at,
                    "started_by": user,
                },
            )
            _audit(conn, user, "session_started", "session", session_id, session_id, f"checked in on {chair}")
        return session_id, monitors

    def change_dose_plan(
        self, session_id: str, plan: dict, *, user: str | Actor, reason: str | None = None
    ) -> list[str]:
        """Complete or correct a session's dose plan (``PLAN_COLUMNS`` in ``plan``; those absent are
        kept); returns the columns that changed, audited with their old and new values.

        Filling in what was left empty needs no reason; changing a recorded value does (a dose or
        rate change with its reason), and so does any change once the session is signed (an addendum).
        """
        user, reason = self._authorise(user, "dose_plan"), (reason or "").strip() or None
        sessions = Session.__table__
        with self._write() as conn:
            signed = _refuse_if_signed(conn, [session_id], "a dose plan change", reason)
            row = _plan(conn, session_id)
            changes = {c: plan[c] for c in PLAN_COLUMNS if c in plan and plan[c] != row[c]}
            overwritten = [c for c in changes if row[c] is not None]
            if overwritten and reason is None:
                raise EntryError(f"changing the recorded {', '.join(overwritten)} needs a reason")
            if not changes:
                return []
            conn.execute(update(sessions).where(sessions.c.session_id == session_id).values(**changes))
            detail = "; ".join(f"{c}: {_shown(row[c])} -> {_shown(v)}" for c, v in changes.items())
            detail += f"; reason: {reason}" if reason else ""
            action = "dose_plan_addendum" if signed else "dose_plan_changed"
            _audit(conn, user, action, "session", session_id, session_id, detail)
        return list(changes)

    def session_plan(self, session_id: str) -> dict:
        """The session's dose plan (``PLAN_COLUMNS``), None where not recorded."""
        with self.engine.connect() as conn:
            return _plan(conn, session_id)

    def patient_sessions(self, patient_id: str, before: datetime | None = None) -> pd.DataFrame:
        """The patient's sessions in the order they started (only those started before ``before``)."""
        table = Session.__table__
        query = select(*(table.c[c] for c in PATIENT_SESSION_COLUMNS)).where(table.c.patient_id == patient_id)
        if before is not None:
            query = query.where(table.c.started_at < before)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(table.c.started_at, table.c.session_id)).all()
        frame = pd.DataFrame(rows, columns=list(PATIENT_SESSION_COLUMNS))
        numbers = {c: "float64" for c in PLAN_COLUMNS if c != "indication"}
        times = dict.fromkeys(("started_at", "ended_at"), TIMESTAMP_DTYPE)
        return frame.astype({**numbers, **times})


def _plan(conn: Connection, session_id: str) -> dict:
    """The session's ``PLAN_COLUMNS``; refuses an unknown session."""
    sessions = Session.__table__
    query = select(*(sessions.c[c] for c in PLAN_COLUMNS)).where(sessions.c.session_id == session_id)
    row = conn.execute(query).mappings().first()
    if row is None:
        raise EntryError(f"unknown session {session_id!r}")
    return dict(row)


def _shown(value: object) -> str:
    return "empty" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _open_assignment(conn: Connection, monitor: str) -> str | None:
    """The open session ``monitor`` is assigned to now, if any."""
    session_id = _assigned_session(conn, monitor)
    if session_id is None:
        return None
    ended = conn.execute(select(Session.ended_at).where(Session.session_id == session_id)).scalar()
    return session_id if ended is None else None


def _open_session_of(conn: Connection, patient_id: str) -> str | None:
    return conn.execute(
        select(Session.session_id)
        .where(Session.patient_id == patient_id, Session.ended_at.is_(None))
        .limit(1)
    ).scalar()


def _new_session_id(conn: Connection, patient_id: str, at: datetime) -> str:
    """``PATIENT-YYYY-MM-DD-N``: the patient's Nth session of that (UTC) day, never one taken."""
    prefix = f"{patient_id}-{at:%Y-%m-%d}-"
    taken = set(
        conn.execute(
            select(Session.session_id).where(Session.session_id.startswith(prefix, autoescape=True))
        ).scalars()
    )
    number = len(taken) + 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def _protocol_version(conn: Connection) -> str:
    """The id of the protocol change in force (as ``current_protocol`` picks it), else ``default``."""
    table = ProtocolChange.__table__
    latest = select(table.c.id).order_by(table.c.changed_at.desc(), table.c.id.desc()).limit(1)
    return conn.execute(latest).scalar() or DEFAULT_PROTOCOL
