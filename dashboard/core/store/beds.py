"""Which session a bed or device (its HL7 location or EUI-64) feeds: the interop listeners ask
here where a reading goes.

Assignments are rows appended in order; a bed's latest row says where its readings go, and an
assignment to a session that has ended no longer counts.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, func, select

from dashboard.core.roles import Actor
from dashboard.core.store.models import BedAssignment, Session, utcnow
from dashboard.core.store.store_base import EntryError, StoreBase, _audit, _required

BED_ASSIGNMENT_COLUMNS: tuple[str, ...] = ("bed_or_device_id", "session_id", "user", "assigned_at")


class Beds(StoreBase):
    """Store mixin: bed and device assignments."""

    def assign_bed(self, bed_or_device_id: str, session_id: str, *, user: str | Actor) -> None:
        """Send what a bed or device (its HL7 location or EUI-64) measures to an open session.

        A new assignment replaces the bed's previous one; assigning it again to the same
        session changes nothing.
        """
        user, bed = self._authorise(user, "attach_monitor"), _required(bed_or_device_id, "bed or device id")
        with self._write() as conn:
            _assign(conn, bed, session_id, user)

    def unassign(self, bed_or_device_id: str, *, user: str | Actor) -> None:
        """Stop sending a bed's or device's readings to any session."""
        user, bed = self._authorise(user, "attach_monitor"), _required(bed_or_device_id, "bed or device id")
        with self._write() as conn:
            previous = _assigned_session(conn, bed)
            if previous is None:
                raise EntryError(f"{bed!r} is not assigned to a session")
            _append_assignment(conn, bed, None, user)
            _audit(conn, user, "bed_unassigned", "bed", bed, previous, f"{bed} -/-> {previous}")

    def session_for(self, bed_or_device_id: str) -> str | None:
        """The open session a bed or device is assigned to, or None (never one that has ended)."""
        with self.engine.connect() as conn:
            session_id = _assigned_session(conn, bed_or_device_id)
            if session_id is None:
                return None
            ended = conn.execute(select(Session.ended_at).where(Session.session_id == session_id)).scalar()
        return None if ended is not None else session_id

    def bed_assignments(self) -> pd.DataFrame:
        """Assignments in force (to sessions still open), by bed or device id."""
        table = BedAssignment.__table__
        latest = select(func.max(table.c.id)).group_by(table.c.bed_or_device_id).scalar_subquery()
        query = (
            select(*(table.c[c] for c in BED_ASSIGNMENT_COLUMNS))
            .join(Session, Session.session_id == table.c.session_id)
            .where(table.c.id.in_(latest), Session.ended_at.is_(None))
            .order_by(table.c.bed_or_device_id)
        )
        return self._frame(query, BED_ASSIGNMENT_COLUMNS)


def _assign(conn: Connection, bed: str, session_id: str, user: str) -> None:
    """Assign inside the caller's transaction (see ``Beds.assign_bed``)."""
    ended = conn.execute(
        select(Session.ended_at.is_not(None)).where(Session.session_id == session_id)
    ).scalar_one_or_none()
    if ended is None or ended:
        raise EntryError(f"session {session_id!r} is not open (unknown or already ended)")
    previous = _assigned_session(conn, bed)
    if previous == session_id:
        return
    _append_assignment(conn, bed, session_id, user)
    detail = f"{bed} -> {session_id}" + (f" (was {previous})" if previous else "")
    _audit(conn, user, "bed_assigned", "bed", bed, session_id, detail)


def _assigned_session(conn: Connection, bed: str) -> str | None:
    """The session of the bed's latest assignment row (None if never assigned or unassigned)."""
    return conn.execute(
        select(BedAssignment.session_id)
        .where(BedAssignment.bed_or_device_id == bed)
        .order_by(BedAssignment.id.desc())
        .limit(1)
    ).scalar()


def _append_assignment(conn: Connection, bed: str, session_id: str | None, user: str) -> None:
    conn.execute(
        BedAssignment.__table__.insert(),
        {"bed_or_device_id": bed, "session_id": session_id, "user": user, "assigned_at": utcnow()},
    )
