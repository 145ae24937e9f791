"""The protocol in force with every change to it, and the audit log of who did what.

Every mixin writes the log with ``store_base._audit``, in the transaction of the action it
records; here it is read, beside the protocol history that the same review looks at.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select

from dashboard.core.analysis.protocol import ProtocolError, load_protocol
from dashboard.core.roles import Actor
from dashboard.core.store.models import AuditEntry, ProtocolChange, utcnow
from dashboard.core.store.store_base import StoreBase, _audit, _insert_new, _new_id, _required

PROTOCOL_CHANGE_COLUMNS: tuple[str, ...] = ("id", "user", "reason", "toml_text", "changed_at")
AUDIT_COLUMNS: tuple[str, ...] = ("id", "at", "user", "action", "entity", "entity_id", "session_id", "detail")


class AuditTrail(StoreBase):
    """Store mixin: protocol changes and the audit log."""

    def record_protocol_change(
        self, *, user: str | Actor, toml_text: str, reason: str, entry_id: str | None = None
    ) -> str:
        """Adopt a new protocol (TOML text, validated by the caller); the old ones stay on record.

        A protocol that differs from the one in force only in its per-patient limits is the
        ``patient_limits`` operation (a clinician's); any other change is ``protocol_adoption``."""
        user = self._authorise(user, adoption_operation(self.current_protocol(), toml_text))
        reason = _required(reason, "reason")
        entry_id = entry_id or _new_id()
        row = {"id": entry_id, "user": user, "reason": reason, "toml_text": toml_text, "changed_at": utcnow()}
        with self._write() as conn:
            if _insert_new(conn, ProtocolChange.__table__, row):
                _audit(conn, user, "protocol_changed", "protocol", entry_id, None, reason)
        return entry_id

    def current_protocol(self) -> str | None:
        """The TOML text of the protocol in force, or None while the shipped default applies."""
        table = ProtocolChange.__table__
        latest = select(table.c.toml_text).order_by(table.c.changed_at.desc(), table.c.id.desc()).limit(1)
        with self.engine.connect() as conn:  # read on every live refresh: one value, not the history
            return conn.execute(latest).scalar()

    def protocol_in_force(self) -> dict | None:
        """Which adopted protocol is in force (``id``, ``user``, ``reason``, ``changed_at``; not its
        text), None while the shipped default applies: shown on every live refresh."""
        table = ProtocolChange.__table__
        latest = (
            select(table.c.id, table.c.user, table.c.reason, table.c.changed_at)
            .order_by(table.c.changed_at.desc(), table.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(latest).mappings().first()
        return None if row is None else dict(row)

    def protocol_changes(self) -> pd.DataFrame:
        query = select(ProtocolChange.__table__).order_by(ProtocolChange.changed_at, ProtocolChange.id)
        return self._frame(query, PROTOCOL_CHANGE_COLUMNS)

    def audit_log(self, session_id: str | None = None, since: datetime | None = None) -> pd.DataFrame:
        """Who did what and when, oldest first."""
        query = select(AuditEntry.__table__)
        if session_id is not None:
            query = query.where(AuditEntry.session_id == session_id)
        if since is not None:
            query = query.where(AuditEntry.at > since)
        return self._frame(query.order_by(AuditEntry.id), AUDIT_COLUMNS)


def adoption_operation(in_force: str | None, toml_text: str) -> str:
    """``patient_limits`` when ``toml_text`` changes only the per-patient overrides of the protocol
    in force (None: the shipped default), else ``protocol_adoption``, also for text that does
    not read as a protocol (the caller validates it; the stricter role is the safe guess)."""
    try:
        # As bytes: a one-line text would otherwise be read as a file's path.
        old = load_protocol(None if in_force is None else in_force.encode())
        new = load_protocol(toml_text.encode())
    except ProtocolError:
        return "protocol_adoption"
    without = {"overrides": {}}
    return (
        "patient_limits"
        if old.model_copy(update=without) == new.model_copy(update=without)
        else "protocol_adoption"
    )
