"""Sessions and their vitals: opening and closing a session, the list of sessions with their
infusion times and latest sample, and the vitals rows the monitors send.

Feeds may send vitals (or events) for a session nobody started yet: ``_ensure_sessions`` opens
it on the way, so a monitor feed is never refused. A session started on a chair is refused while
another session is open on that chair (under the chairs' lock, as a check-in is).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, Table, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from dashboard.core.model import SESSION_COLUMNS, VITALS, VITALS_COLUMNS, conform, empty_frame
from dashboard.core.roles import Actor
from dashboard.core.store.chair_rows import lock_chairs, refuse_if_busy
from dashboard.core.store.models import AlertEpisode, Discharge, Event, Patient, Session, Vitals, utcnow
from dashboard.core.store.store_base import (
    EntryError,
    StoreBase,
    _audit,
    _insert_ignore,
    _records,
    _refuse_if_signed,
    _required,
)

MANUAL = "manual"  # vitals.source of a reading charted by hand
LIVE_SESSION_COLUMNS: tuple[str, ...] = (
    *SESSION_COLUMNS,
    "started_at",
    "started_by",
    "ended_at",
    "last_sample",
    "last_write",  # when the newest sample was stored: a replay's samples run ahead of the wall clock
)


class SessionRows(StoreBase):
    """Store mixin: sessions and vitals."""

    # --- sessions ----------------------------------------------------------------------------

    def start_session(
        self,
        session_id: str,
        *,
        user: str | Actor,
        patient_id: str | None = None,
        chair: str | None = None,
        planned_minutes: float | None = None,
        dose_mg_per_kg: float | None = None,
        weight_kg: float | None = None,
        indication: str | None = None,
        infusion_start: datetime | None = None,
        at: datetime | None = None,
    ) -> None:
        """Open a session (on a chair, for a pseudonymous patient id); refused while another
        session is open on ``chair``."""
        user = self._authorise(user, "check_in")
        at = at or utcnow()
        try:
            with self._write() as conn:
                if chair is not None:
                    lock_chairs(conn)
                    refuse_if_busy(conn, chair)
                if patient_id is not None:
                    conn.execute(
                        _insert_ignore(conn, Patient.__table__, ["patient_id"]),
                        {"patient_id": patient_id, "created_at": at},
                    )
                conn.execute(
                    Session.__table__.insert(),
                    {
                        "session_id": session_id,
                        "patient_id": patient_id,
                        "chair": chair,
                        "planned_minutes": planned_minutes,
                        "dose_mg_per_kg": dose_mg_per_kg,
                        "weight_kg": weight_kg,
                        "indication": indication,
                        "infusion_start": infusion_start,
                        "started_at": at,
                        "started_by": user,
                    },
                )
                _audit(conn, user, "session_started", "session", session_id, session_id, chair)
        except IntegrityError as error:
            raise EntryError(f"session {session_id!r} was already started") from error

    def end_session(
        self, session_id: str, *, user: str | Actor, reason: str | None = None, at: datetime | None = None
    ) -> None:
        """Close a session; its alerts stop being listed as open.

        A session checked in on a chair ends with its discharge and sign-off; ending it before it
        was discharged needs the ``reason`` (kept with it, so that it can still be signed).
        """
        user, at, reason = self._authorise(user, "discharge"), at or utcnow(), (reason or "").strip() or None
        with self._write() as conn:
            row = conn.execute(
                select(Session.protocol_version, Session.ended_at).where(Session.session_id == session_id)
            ).first()
            if row is None or row.ended_at is not None:
                raise EntryError(f"session {session_id!r} is not open (unknown or already ended)")
            discharged = conn.execute(select(Discharge.id).where(Discharge.session_id == session_id)).first()
            if row.protocol_version is not None and discharged is None and reason is None:
                raise EntryError(
                    f"session {session_id!r} was checked in and has no discharge: record the discharge, "
                    "or give the reason it ends without one"
                )
            close_session(conn, session_id, user, at, reason)

    def sessions(self, active_only: bool = False) -> pd.DataFrame:
        """Sessions with when they started and ended and their latest sample, in one query.

        Infusion start and end not given at start come from the current versions of the
        infusion_start / infusion_stop events, as the model says.
        """
        table = Session.__table__
        # Per session, so the (session, time) index answers it: a GROUP BY over the vitals table
        # would read every row ever stored, on every refresh of the live pages.
        last = select(func.max(Vitals.timestamp)).where(Vitals.session_id == table.c.session_id)
        newest = Vitals.__table__.alias("newest")
        written = (
            select(newest.c.entered_at)
            .where(newest.c.session_id == table.c.session_id)
            .order_by(newest.c.timestamp.desc(), newest.c.id.desc())
            .limit(1)
        )
        from_events = {
            "infusion_start": _marker_time(table, "infusion_start", func.min),
            "infusion_end": _marker_time(table, "infusion_stop", func.max),
        }
        query = select(
            *(c for c in table.c if c.name not in from_events),
            *(func.coalesce(table.c[name], time).label(name) for name, time in from_events.items()),
            last.scalar_subquery().label("last_sample"),
            written.scalar_subquery().label("last_write"),
        )
        if active_only:
            query = query.where(table.c.ended_at.is_(None))
        return self._frame(query.order_by(table.c.started_at, table.c.session_id), LIVE_SESSION_COLUMNS)

    def active_sessions(self) -> pd.DataFrame:
        return self.sessions(active_only=True)

    def written_by(self, session_ids: list[str], writer: str) -> tuple[int, int, dict[str, bool]]:
        """What ``writer`` (a user name) wrote to these sessions: (vitals rows, events, session id
        -> ended) of those that exist. A feed resumes from it after a restart or an outage."""
        sessions = Session.__table__
        with self.engine.connect() as conn:
            ended = {
                row.session_id: row.ended_at is not None
                for row in conn.execute(
                    select(sessions.c.session_id, sessions.c.ended_at).where(
                        sessions.c.session_id.in_(session_ids)
                    )
                )
            }
            counts = [
                conn.execute(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.session_id.in_(session_ids), table.c.user == writer)
                ).scalar_one()
                for table in (Vitals.__table__, Event.__table__)
            ]
        return counts[0], counts[1], ended

    # --- vitals ------------------------------------------------------------------------------

    def add_vitals(self, vitals: pd.DataFrame, *, user: str | Actor) -> int:
        """Append wide-form vitals rows (one transaction, one multi-row insert); returns the count.

        Sessions not started yet are opened on the way, so a monitor feed is never refused.
        """
        user = self._authorise(user, "device_readings")
        with self._write() as conn:
            return _insert_vitals(conn, vitals, user)

    def add_charted_vitals(
        self, reading: pd.DataFrame, *, user: str | Actor, entry_id: str, addendum_reason: str | None = None
    ) -> bool:
        """Store a reading charted by hand (``live.chairside.charted_reading``) as ``manual``,
        audited; False if this form submission (``entry_id``) was stored already. A signed
        session takes it only as an addendum, with ``addendum_reason``."""
        user, entry_id = self._authorise(user, "chart_vitals"), _required(entry_id, "entry id")
        rows = conform(reading, VITALS_COLUMNS)
        if len(rows) != 1 or rows["timestamp"].isna().any():
            raise EntryError("a charted reading is one vitals row with its time")
        record = _records(rows, VITALS_COLUMNS)[0]
        record |= {"user": user, "entered_at": utcnow(), "source": MANUAL, "entry_id": entry_id}
        with self._write() as conn:
            addendum = _refuse_if_signed(conn, [record["session_id"]], "a charted reading", addendum_reason)
            statement = _insert_ignore(conn, Vitals.__table__, ["entry_id"]).returning(Vitals.id)
            if conn.execute(statement, record).first() is None:
                return False
            given = ", ".join(f"{v} {record[v]:g}" for v in VITALS if record[v] is not None)
            if addendum:
                given += f"; addendum: {addendum_reason.strip()}"
            _audit(conn, user, "vitals_charted", "vitals", entry_id, record["session_id"], given)
        return True

    def hand_charted_times(self, session_id: str) -> pd.Series:
        """When the session's readings charted by hand were taken (the chart marks them)."""
        query = select(Vitals.timestamp).where(Vitals.session_id == session_id, Vitals.source == MANUAL)
        return self._frame(query.order_by(Vitals.timestamp), ("timestamp",))["timestamp"]

    def session_vitals(self, session_id: str, since: datetime | None = None) -> pd.DataFrame:
        """The session's vitals in time order (only those after ``since`` if given)."""
        query = select(*(Vitals.__table__.c[c] for c in VITALS_COLUMNS)).where(
            Vitals.session_id == session_id
        )
        if since is not None:
            query = query.where(Vitals.timestamp > since)
        return self._frame(query.order_by(Vitals.timestamp, Vitals.id), VITALS_COLUMNS)

    def vitals_from(self, starts: Mapping[str, pd.Timestamp | None]) -> pd.DataFrame:
        """Vitals of several sessions in one query: all of a session (``None``) or from a time on
        (inclusive: another writer may add a row at the newest time a reader has seen).

        The live pages refresh a dozen chairs every few seconds; one query per session cost more
        than the rows themselves.
        """
        if not starts:
            return empty_frame(VITALS_COLUMNS)
        table = Vitals.__table__
        wanted = [
            table.c.session_id == session_id
            if start is None
            else and_(table.c.session_id == session_id, table.c.timestamp >= start.to_pydatetime())
            for session_id, start in starts.items()
        ]
        query = select(*(table.c[c] for c in VITALS_COLUMNS)).where(or_(*wanted))
        return self._frame(query.order_by(table.c.session_id, table.c.timestamp, table.c.id), VITALS_COLUMNS)


def close_session(
    conn: Connection, session_id: str, user: str, at: datetime, reason: str | None = None
) -> bool:
    """End an open session (``reason``: why without a discharge) and close its alert episodes,
    audited; False if it was not open."""
    sessions = Session.__table__
    ended = conn.execute(
        update(sessions)
        .where(sessions.c.session_id == session_id, sessions.c.ended_at.is_(None))
        .values(ended_at=at, ended_by=user, end_reason=reason)
    )
    if ended.rowcount != 1:
        return False
    episodes = AlertEpisode.__table__
    conn.execute(
        update(episodes)
        .where(episodes.c.session_id == session_id, episodes.c.is_open)
        .values(is_open=False, updated_at=at)
    )
    detail = f"without a discharge: {reason}" if reason else None
    _audit(conn, user, "session_ended", "session", session_id, session_id, detail)
    return True


def _insert_vitals(conn: Connection, vitals: pd.DataFrame, user: str) -> int:
    if vitals.empty:
        return 0
    rows = conform(vitals, VITALS_COLUMNS)
    if rows["timestamp"].isna().any():
        raise EntryError("vitals rows without a timestamp cannot be stored")
    _refuse_if_signed(conn, rows["session_id"].unique().tolist(), "vitals")
    _ensure_sessions(conn, rows["session_id"].unique().tolist(), user)
    now = utcnow()
    records = _records(rows.assign(user=user, entered_at=now), [*VITALS_COLUMNS, "user", "entered_at"])
    conn.execute(Vitals.__table__.insert(), records)
    return len(records)


def _ensure_sessions(conn: Connection, session_ids: list[str], user: str) -> None:
    now = utcnow()
    conn.execute(
        _insert_ignore(conn, Session.__table__, ["session_id"]),
        [{"session_id": s, "started_at": now, "started_by": user} for s in session_ids],
    )


def _marker_time(sessions: Table, marker: str, pick):
    """``pick`` (min or max) of the times of a session's current ``marker`` events: neither
    retracted nor corrected since (the correction may have renamed the event)."""
    events, correction = Event.__table__, Event.__table__.alias("correction")
    corrected = select(correction.c.id).where(correction.c.amends == events.c.id).exists()
    return (
        select(pick(events.c.timestamp))
        .where(events.c.session_id == sessions.c.session_id, events.c.event == marker)
        .where(events.c.retracted.is_(False), ~corrected)
        .scalar_subquery()
    )
