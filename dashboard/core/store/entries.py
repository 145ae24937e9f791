"""Events staff and feeds enter, and their corrections: entries are only ever added.

A correction (amendment or retraction) is a new entry that points at the one it corrects; only
the latest version can be corrected, so nobody overwrites a correction unseen. The current view
leaves out superseded and retracted entries, the history keeps them all.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from dashboard.core.model import EVENT_COLUMNS, SEVERITIES, conform
from dashboard.core.roles import Actor
from dashboard.core.store.models import Event, utcnow
from dashboard.core.store.session_rows import _ensure_sessions
from dashboard.core.store.store_base import (
    EntryError,
    StoreBase,
    _audit,
    _insert_new,
    _new_id,
    _records,
    _refuse_if_signed,
    _required,
)
from dashboard.core.vocabulary import canonical_events

STORED_EVENT_COLUMNS: tuple[str, ...] = (
    *EVENT_COLUMNS,
    "id",
    "user",
    "entered_at",
    "amends",
    "reason",
    "retracted",
)

# Fields of an event that an amendment may change (the session and the links never change).
AMENDABLE: tuple[str, ...] = ("timestamp", "event", "severity", "ctcae_grade", "scale", "score", "note")


class AlreadyAmendedError(EntryError):
    """Someone corrected this entry first: reload and correct the latest version instead."""


class EventEntries(StoreBase):
    """Store mixin: events and their corrections."""

    def add_event(
        self,
        session_id: str,
        timestamp: datetime,
        event: str,
        *,
        user: str | Actor,
        severity: str | None = None,
        ctcae_grade: int | None = None,
        scale: str | None = None,
        score: float | None = None,
        note: str | None = None,
        entry_id: str | None = None,
        addendum_reason: str | None = None,
    ) -> str:
        """Record a side effect, intervention or marker; returns its id. A signed session takes it
        only as an addendum, with ``addendum_reason`` (kept as the entry's reason)."""
        row = {
            "session_id": session_id,
            "timestamp": timestamp,
            "event": event,
            "severity": severity,
            "ctcae_grade": ctcae_grade,
            "scale": scale,
            "score": score,
            "note": note,
            "reason": addendum_reason.strip() if addendum_reason and addendum_reason.strip() else None,
        }
        return self._insert_event(row, self._authorise(user, "entry"), entry_id, amends=None)

    def add_addendum(
        self, session_id: str, text: str, reason: str, user: str | Actor, entry_id: str | None = None
    ) -> str:
        """A note added later, with why (after sign-off, the only way to add to a session)."""
        text, reason = _required(text, "text"), _required(reason, "reason")
        return self.add_event(session_id, utcnow(), "note", user=user, note=text, addendum_reason=reason,
                              entry_id=entry_id)  # fmt: skip

    def add_events(self, events: pd.DataFrame, *, user: str | Actor) -> list[str]:
        """Append canonical event rows in one transaction (feeds, imports); returns their ids."""
        user = self._authorise(user, "entry")
        with self._write() as conn:
            return _insert_events(conn, events, user)

    def amend_event(
        self,
        original_id: str,
        *,
        user: str | Actor,
        reason: str,
        entry_id: str | None = None,
        addendum: bool = False,
        **changes,
    ) -> str:
        """Correct an entry: a new entry with ``changes`` applied, linked to ``original_id``.

        Only the latest version of an entry can be corrected; if someone corrected it first,
        ``AlreadyAmendedError`` says who, so nothing is overwritten unseen. In a signed session a
        correction is an addendum (``addendum=True``; ``reason`` says why).
        """
        unknown = set(changes) - set(AMENDABLE)
        if unknown:
            raise EntryError(f"cannot amend {sorted(unknown)}; amendable fields are {list(AMENDABLE)}")
        return self._amend(original_id, user, reason, entry_id, changes, retract=False, addendum=addendum)

    def retract_event(
        self,
        original_id: str,
        *,
        user: str | Actor,
        reason: str,
        entry_id: str | None = None,
        addendum: bool = False,
    ) -> str:
        """Withdraw an entry made in error (kept in the history, gone from the current view)."""
        return self._amend(original_id, user, reason, entry_id, {}, retract=True, addendum=addendum)

    def session_events(self, session_id: str, history: bool = False) -> pd.DataFrame:
        """The session's events in time order: current versions only, or with ``history``
        every entry ever made, amended and retracted ones included."""
        query = select(*(Event.__table__.c[c] for c in STORED_EVENT_COLUMNS)).where(
            Event.session_id == session_id
        )
        events = self._frame(query.order_by(Event.timestamp, Event.entered_at), STORED_EVENT_COLUMNS)
        return events if history else _current_versions(events)

    def _insert_event(self, row: dict, user: str, entry_id: str | None, amends: dict | None) -> str:
        entry_id = entry_id or _new_id()
        row = {**row, "id": entry_id, **(amends or {})}
        try:
            with self._write() as conn:
                # an amendment is an addendum only when marked so; a new entry when it has a reason
                late = (amends["reason"] if amends.get("addendum") else None) if amends else row.get("reason")
                signed = _refuse_if_signed(conn, [row["session_id"]], "an entry or a correction", late)
                inserted = _insert_new(conn, Event.__table__, _event_row(row, user))
                if inserted:
                    action = "event_amended" if amends else "addendum_added" if signed else "event_added"
                    detail = amends["reason"] if amends else row.get("reason")
                    detail = f"addendum: {detail}" if signed and amends else detail
                    _audit(conn, user, action, "event", entry_id, row["session_id"], detail)
        except IntegrityError as error:
            if amends:
                self._raise_if_amended(amends["amends"], error)
            raise EntryError(f"unknown session {row['session_id']!r}") from error
        return entry_id

    def _amend(
        self,
        original_id: str,
        user: str,
        reason: str,
        entry_id: str | None,
        changes: dict,
        retract: bool,
        addendum: bool,
    ) -> str:
        user, reason = self._authorise(user, "entry"), _required(reason, "reason")
        with self.engine.connect() as conn:
            original = conn.execute(select(Event.__table__).where(Event.id == original_id)).mappings().first()
        if original is None:
            raise EntryError(f"no event {original_id!r} to amend")
        row = {c: original[c] for c in ("session_id", *AMENDABLE)} | changes
        link = {"amends": original_id, "reason": reason, "retracted": retract, "addendum": addendum}
        return self._insert_event(row, user, entry_id, amends=link)

    def _raise_if_amended(self, original_id: str, error: IntegrityError) -> None:
        with self.engine.connect() as conn:
            by = conn.execute(select(Event.user, Event.entered_at).where(Event.amends == original_id)).first()
        if by is not None:
            raise AlreadyAmendedError(
                f"this entry was already corrected by {by.user} at {by.entered_at:%H:%M:%S}; "
                "reload and correct the latest version"
            ) from error


def _insert_events(conn: Connection, events: pd.DataFrame, user: str) -> list[str]:
    if events.empty:
        return []
    rows = conform(events, EVENT_COLUMNS)
    _refuse_if_signed(conn, rows["session_id"].unique().tolist(), "events")
    _ensure_sessions(conn, rows["session_id"].unique().tolist(), user)
    ids = [_new_id() for _ in range(len(rows))]
    records = [_event_row(record, user) for record in _records(rows.assign(id=ids), [*EVENT_COLUMNS, "id"])]
    conn.execute(Event.__table__.insert(), records)
    for record in records:
        _audit(conn, user, "event_added", "event", record["id"], record["session_id"], None)
    return ids


def _event_row(row: dict, user: str) -> dict:
    """An events-table row, checked: staff see these messages, so they say what to fix."""
    if pd.isna(row.get("timestamp")) or getattr(row["timestamp"], "tzinfo", None) is None:
        raise EntryError("an event needs a time with a time zone (UTC inside the store)")
    if not isinstance(row.get("event"), str) or not row["event"].strip():
        raise EntryError("an event needs a name")
    severity = row.get("severity")
    if severity is not None and severity not in SEVERITIES:
        raise EntryError(f"severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    event, category = row["event"], row.get("category")
    if not category:  # typed by staff: file "Zofran" under ondansetron, as the loaders do
        event, category = canonical_events(pd.Series([event])).iloc[0]
    return {
        "id": row["id"],
        "session_id": row["session_id"],
        "timestamp": row["timestamp"],
        "event": event,
        "category": category,
        "severity": severity,
        "ctcae_grade": row.get("ctcae_grade"),
        "scale": row.get("scale"),
        "score": row.get("score"),
        "note": row.get("note"),
        "user": user,
        "entered_at": utcnow(),
        "amends": row.get("amends"),
        "reason": row.get("reason"),
        "retracted": bool(row.get("retracted", False)),
    }


def _current_versions(events: pd.DataFrame) -> pd.DataFrame:
    """Entries nobody corrected since, minus the retracted ones."""
    superseded = events["id"].isin(events["amends"].dropna())
    return events.loc[~superseded & ~events["retracted"].astype(bool)].reset_index(drop=True)
