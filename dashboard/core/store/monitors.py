"""Monitors that send with no session assigned: their readings are held, never dropped, and
join a session when the monitor is assigned to it.

A monitor is known by the first identifier its messages carry (``hl7_identity``: the bed, else
a device's EUI-64, else the sender). Attaching copies the held readings from ``lookback`` before
the session began into its vitals (they are its pre-infusion baseline) and assigns the monitor,
in one transaction; each copy is recorded, so attaching again never duplicates a reading.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, func, select

from dashboard.core.model import EVENT_COLUMNS, VITALS, VITALS_COLUMNS, conform
from dashboard.core.roles import Actor
from dashboard.core.store.beds import _assign
from dashboard.core.store.entries import _insert_events
from dashboard.core.store.models import HeldAttachment, HeldVitals, Session, utcnow
from dashboard.core.store.session_rows import _insert_vitals
from dashboard.core.store.store_base import EntryError, StoreBase, _audit, _records, _required

MONITOR_NOTE = "monitor event"  # the event a monitor's own event text is filed under
HELD_COLUMNS = ["timestamp", *VITALS, "note"]
HELD_MONITOR_COLUMNS: tuple[str, ...] = (
    "monitor_id",
    "readings",
    "first_reading",
    "last_reading",
    "received_at",
)


class Monitors(StoreBase):
    """Store mixin: held readings of unassigned monitors, and assigning a monitor to a session."""

    def add_monitor_readings(
        self, session_id: str, vitals: pd.DataFrame, notes: pd.DataFrame, *, user: str | Actor
    ) -> int:
        """One monitor message's vitals rows (of ``session_id``) and event notes (``timestamp``,
        ``note``) in one transaction (an ACK says both are stored, or neither); returns the count
        of vitals rows. Called for every message: nothing is built for notes a message lacks."""
        user = self._authorise(user, "device_readings")
        if not vitals["session_id"].eq(session_id).all():
            raise EntryError(f"a monitor's readings for {session_id!r} name another session")
        with self._write() as conn:
            if not notes.empty:
                _insert_events(conn, monitor_note_events(notes, session_id), user)
            return _insert_vitals(conn, vitals, user)

    def hold_readings(self, monitor_id: str, vitals: pd.DataFrame, notes: pd.DataFrame | None = None) -> int:
        """Keep a monitor's wide vitals rows (their ``session_id`` is ignored) and event notes
        (``timestamp``, ``note``) while no session is assigned to it; returns the rows held."""
        monitor_id = _required(monitor_id, "monitor id")
        parts = [vitals.loc[:, ["timestamp", *VITALS]]]
        if notes is not None:
            parts.append(notes.loc[:, ["timestamp", "note"]])
        parts = [part for part in parts if not part.empty]
        if not parts:
            return 0
        rows = pd.concat(parts, ignore_index=True).reindex(columns=HELD_COLUMNS)
        if rows["timestamp"].isna().any():
            raise EntryError("readings without a timestamp cannot be held")
        rows = rows.assign(monitor_id=monitor_id, received_at=utcnow())
        with self._write() as conn:
            conn.execute(HeldVitals.__table__.insert(), _records(rows, list(rows.columns)))
        return len(rows)

    def held_monitors(self, since: datetime | None = None) -> pd.DataFrame:
        """Monitors holding readings not yet attached to any session (received after ``since``)."""
        held, attached = HeldVitals.__table__, HeldAttachment.__table__
        query = (
            select(
                held.c.monitor_id,
                func.count().label("readings"),
                func.min(held.c.timestamp).label("first_reading"),
                func.max(held.c.timestamp).label("last_reading"),
                func.max(held.c.received_at).label("received_at"),
            )
            .where(~select(attached.c.held_id).where(attached.c.held_id == held.c.id).exists())
            .group_by(held.c.monitor_id)
            .order_by(held.c.monitor_id)
        )
        if since is not None:  # the live pages ask every few seconds: only monitors heard lately
            recent = select(held.c.monitor_id).where(held.c.received_at >= since).distinct()
            query = query.where(held.c.monitor_id.in_(recent))
        return self._frame(query, HELD_MONITOR_COLUMNS).astype({"readings": "int64"})

    def attach_monitor(
        self,
        monitor_id: str,
        session_id: str,
        *,
        user: str | Actor,
        lookback: timedelta = timedelta(minutes=15),
    ) -> int:
        """Assign a monitor to an open session and copy its held readings from ``lookback``
        before the session's start into the session; returns how many readings were attached."""
        user, monitor_id = self._authorise(user, "attach_monitor"), _required(monitor_id, "monitor id")
        with self._write() as conn:
            _assign(conn, monitor_id, session_id, user)
            started = conn.execute(
                select(Session.started_at).where(Session.session_id == session_id)
            ).scalar()
            rows = _unattached(conn, monitor_id, session_id, started - lookback)
            if rows.empty:
                return 0
            is_note = rows["note"].notna()
            vitals = rows.loc[~is_note].assign(session_id=session_id).loc[:, list(VITALS_COLUMNS)]
            _insert_vitals(conn, vitals, user)
            _insert_events(conn, monitor_note_events(rows.loc[is_note], session_id), user)
            conn.execute(
                HeldAttachment.__table__.insert(),
                [
                    {"held_id": int(held_id), "session_id": session_id, "user": user, "attached_at": utcnow()}
                    for held_id in rows["id"]
                ],
            )
            detail = f"{len(rows)} held readings of {monitor_id} from {rows['timestamp'].min():%H:%M:%S}"
            _audit(conn, user, "held_readings_attached", "monitor", monitor_id, session_id, detail)
        return len(rows)


def monitor_note_events(notes: pd.DataFrame, session_id: str) -> pd.DataFrame:
    """A monitor's event texts (VitalServer ``EVENT``) -> events of the session, filed as notes
    under ``MONITOR_NOTE`` with the monitor's words kept as they came (plain text)."""
    events = notes.loc[:, ["timestamp", "note"]].assign(
        session_id=session_id, event=MONITOR_NOTE, category="note"
    )
    return conform(events, EVENT_COLUMNS)


def _unattached(conn: Connection, monitor_id: str, session_id: str, since: datetime) -> pd.DataFrame:
    """The monitor's held rows from ``since`` on that are not yet in ``session_id``, in time order."""
    held, attached = HeldVitals.__table__, HeldAttachment.__table__
    copied = select(attached.c.held_id).where(
        attached.c.held_id == held.c.id, attached.c.session_id == session_id
    )
    query = (
        select(held.c.id, *(held.c[column] for column in HELD_COLUMNS))
        .where(held.c.monitor_id == monitor_id, held.c.timestamp >= since, ~copied.exists())
        .order_by(held.c.timestamp, held.c.id)
    )
    result = conn.execute(query)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    if not frame.empty:
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    return frame
