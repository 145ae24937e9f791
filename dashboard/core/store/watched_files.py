"""How far each watched file has been read, moved in the same transaction as its rows.

The folder watcher stores a file's new rows and its new position together, so after a crash it
reads on from exactly where the stored rows end, and two watchers on one folder never double a row.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from dashboard.core.roles import Actor
from dashboard.core.store.entries import _insert_events
from dashboard.core.store.models import IngestFile, utcnow
from dashboard.core.store.session_rows import _insert_vitals
from dashboard.core.store.store_base import StoreBase, _audit


class _PositionMoved(Exception):
    """Another watcher read the same lines first (rolls the transaction back)."""


@dataclass(frozen=True)
class IngestPosition:
    """How far a watched file has been read: byte offset, lines consumed, and its header line."""

    offset: int
    lines: int
    header: str


class WatchedFiles(StoreBase):
    """Store mixin: positions in watched files."""

    def ingest_position(self, path: str) -> IngestPosition | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(IngestFile.offset, IngestFile.lines, IngestFile.header).where(IngestFile.path == path)
            ).first()
        return None if row is None else IngestPosition(offset=row.offset, lines=row.lines, header=row.header)

    def ingest_batch(
        self,
        path: str,
        before: IngestPosition | None,
        after: IngestPosition,
        vitals: pd.DataFrame,
        events: pd.DataFrame,
        *,
        user: str | Actor,
    ) -> bool:
        """Rows read from a watched file and the position after them, in one transaction.

        After a crash the file is read again from exactly where the stored rows end. The
        position moves only from ``before``: if another watcher moved it first, nothing is
        stored and False is returned, so two watchers on one folder never double a row.
        """
        user = self._authorise(user, "device_readings")
        table = IngestFile.__table__
        row = {**after.__dict__, "path": path, "updated_at": utcnow()}
        try:
            with self._write() as conn:
                if before is None:
                    conn.execute(table.insert(), row)
                else:
                    moved = conn.execute(
                        update(table)
                        .where(table.c.path == path, table.c.offset == before.offset)
                        .values(**{k: v for k, v in row.items() if k != "path"})
                    )
                    if moved.rowcount != 1:
                        raise _PositionMoved
                n_vitals = _insert_vitals(conn, vitals, user)
                n_events = len(_insert_events(conn, events, user))
                detail = f"{n_vitals} vitals rows, {n_events} events, to line {after.lines}"
                if n_vitals or n_events:
                    _audit(conn, user, "file_ingested", "file", path, None, detail)
        except (_PositionMoved, IntegrityError):
            return False
        return True
