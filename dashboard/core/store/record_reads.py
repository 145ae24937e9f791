"""The clinic's record as the review reads it: the stored sessions of a date range (ended ones and
live ones, marked), and any set of them as one canonical ``Dataset``.

This is the one way the review, the exports and the what-if reach the store, so they analyse
exactly what the live pages showed: every vital that reached the store (monitor, hand charting,
held readings attached at check-in) and the current version of every entry. Rows are read per
block of sessions, so no query carries more parameters than SQLite allows.

Vitals, millions of rows for a clinic's year, are read by ADBC straight into Arrow columns
(``arrow_reads``), those of ended sessions from a columnar copy checked against the store on every
read (``vitals_snapshot``); where ADBC cannot read the store they are read through SQLAlchemy,
slower and the same frame. Events and sessions, a few rows each, always go through SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import pandas as pd
from sqlalchemy import Table, func, select

from dashboard.core.model import EVENT_COLUMNS, SESSION_COLUMNS, VITALS_COLUMNS, Dataset, conform, empty_frame
from dashboard.core.store.arrow_reads import BLOCK
from dashboard.core.store.entries import STORED_EVENT_COLUMNS, _current_versions
from dashboard.core.store.models import AuditEntry, Event, Session, Vitals
from dashboard.core.store.session_rows import SessionRows
from dashboard.core.store.vitals_snapshot import read_record_vitals

RECORD_COLUMNS: tuple[str, ...] = (*SESSION_COLUMNS, "started_at", "ended_at", "last_sample", "live")


class RecordReads(SessionRows):
    """Store mixin: stored sessions for the review and the exports."""

    def recorded_sessions(
        self, since: datetime | None = None, until: datetime | None = None, patient_id: str | None = None
    ) -> pd.DataFrame:
        """The sessions started in ``[since, until)`` (of ``patient_id`` if given), oldest first,
        with ``live`` True for those not ended yet."""
        sessions = self.sessions()
        keep = pd.Series(True, index=sessions.index)
        if since is not None:
            keep &= sessions["started_at"] >= pd.Timestamp(since)
        if until is not None:
            keep &= sessions["started_at"] < pd.Timestamp(until)
        if patient_id is not None:
            keep &= sessions["patient_id"] == patient_id
        chosen = sessions.loc[keep].reset_index(drop=True)
        return chosen.assign(live=chosen["ended_at"].isna())[list(RECORD_COLUMNS)]

    def has_sessions(self) -> bool:
        """Whether any session is stored: one row looked up, asked on every rerun of the review."""
        with self.engine.connect() as conn:
            return conn.execute(select(Session.session_id).limit(1)).first() is not None

    def started_span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """When the first and the last stored session started (None: no session), in one query."""
        with self.engine.connect() as conn:
            started = Session.started_at
            first, last = conn.execute(select(func.min(started), func.max(started))).one()
        return None if first is None else (pd.Timestamp(first), pd.Timestamp(last))

    def record_version(self) -> str:
        """A mark that changes whenever a vital or an audited action is written: the review's
        cache key, so it re-reads the record only when the record changed."""
        with self.engine.connect() as conn:
            vitals = conn.execute(select(func.max(Vitals.id))).scalar()
            actions = conn.execute(select(func.max(AuditEntry.id))).scalar()
        return f"{vitals or 0}.{actions or 0}"

    def record_dataset(self, session_ids: Sequence[str], listed: pd.DataFrame | None = None) -> Dataset:
        """The sessions as the canonical model: their rows, vitals in session and time order, and
        the current version of each entry (corrections applied, withdrawals left out).

        ``listed``: the sessions as ``recorded_sessions`` gave them (holding these), so they are not
        read again: that query asks the vitals index three times per session."""
        ids = list(dict.fromkeys(session_ids))
        listed = self.sessions() if listed is None else listed
        chosen = listed.set_index("session_id").loc[ids].reset_index()
        # Sorted ids, so the vitals are in session order across blocks and the columnar copy too.
        ended = set(chosen.loc[chosen["ended_at"].notna(), "session_id"])
        vitals = read_record_vitals(self.engine, sorted(ids), ended)
        if vitals is None:  # ADBC cannot read this store
            vitals = self._plain_vitals(sorted(ids))
        events = [empty_frame(STORED_EVENT_COLUMNS)]
        for start in range(0, len(ids), BLOCK):
            events.append(self._frame(_events_of(ids[start : start + BLOCK]), STORED_EVENT_COLUMNS))
        current = _current_versions(pd.concat(events, ignore_index=True))
        dataset = Dataset.of(events=current[list(EVENT_COLUMNS)], sessions=chosen[list(SESSION_COLUMNS)])
        # The vitals are in the model's form already: Dataset.of would copy their millions of rows.
        return replace(dataset, vitals=vitals)

    def _plain_vitals(self, session_ids: list[str]) -> pd.DataFrame:
        """The sessions' vitals read through SQLAlchemy, in the model's form: where ADBC cannot."""
        vitals = [empty_frame(VITALS_COLUMNS)]
        for start in range(0, len(session_ids), BLOCK):
            vitals.append(self._frame(_vitals_of(session_ids[start : start + BLOCK]), VITALS_COLUMNS))
        return conform(pd.concat(vitals, ignore_index=True), VITALS_COLUMNS)


def _vitals_of(session_ids: list[str]):
    return _rows_of(Vitals.__table__, VITALS_COLUMNS, session_ids, "id")


def _events_of(session_ids: list[str]):
    return _rows_of(Event.__table__, STORED_EVENT_COLUMNS, session_ids, "entered_at")


def _rows_of(table: Table, columns: tuple[str, ...], session_ids: list[str], tie: str):
    """The sessions' rows of ``table`` in session and time order (``tie`` orders rows of one time)."""
    return (
        select(*(table.c[c] for c in columns))
        .where(table.c.session_id.in_(session_ids))
        .order_by(table.c.session_id, table.c.timestamp, table.c[tie])
    )
