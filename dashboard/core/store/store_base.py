"""What every part of the store shares: the base class its mixins build on and the helpers
they write and read with.

``StoreBase`` holds the engine and the three ways in: ``_authorise`` (the one check of who may
write what, every write method's first step), ``_write`` (one write transaction) and ``_frame``
(a query as a frame with the model's dtypes). The functions below insert rows on either backend,
write the audit log inside the caller's transaction and check what staff typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pandas as pd
from sqlalchemy import Connection, Engine, Select, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from dashboard.core.model import TIMESTAMP_DTYPE, conform
from dashboard.core.roles import Actor, RoleError, as_actor, may, operations, roles_text
from dashboard.core.store.engine import WRITE_OPTION
from dashboard.core.store.models import AuditEntry, Session, SignOff, utcnow

# Store-only columns and their dtypes; model columns take the model's dtypes.
_DTYPES: dict[str, str] = {
    "id": "str",
    "entered_at": TIMESTAMP_DTYPE,
    "amends": "str",
    "retracted": "bool",
    "started_at": TIMESTAMP_DTYPE,
    "ended_at": TIMESTAMP_DTYPE,
    "last_sample": TIMESTAMP_DTYPE,
    "last_write": TIMESTAMP_DTYPE,
    "acknowledged_at": TIMESTAMP_DTYPE,
    "changed_at": TIMESTAMP_DTYPE,
    "at": TIMESTAMP_DTYPE,
    "assigned_at": TIMESTAMP_DTYPE,
    "received_at": TIMESTAMP_DTYPE,
    "first_reading": TIMESTAMP_DTYPE,
    "last_reading": TIMESTAMP_DTYPE,
    "discharged_at": TIMESTAMP_DTYPE,
    "signed_at": TIMESTAMP_DTYPE,
    "end_reason": "str",
    "signed_by": "str",
    "missing": "object",
}


class EntryError(ValueError):
    """An entry the store refuses, with a message staff can act on."""


class StoreBase:
    """The engine, and the check, transactions and typed reads every mixin of the store goes through.

    ``roles_required`` is False in the open single-machine mode (no sign-in, the command line):
    a write naming a bare user then holds every role, as before roles. With sign-in configured
    the app opens the store with it True, and only an ``Actor`` holding a role may write.
    """

    def __init__(self, engine: Engine, *, roles_required: bool = False) -> None:
        self.engine = engine
        self.roles_required = roles_required

    def _authorise(self, user: str | Actor, operation: str) -> str:
        """The name to record for ``user`` doing ``operation`` (the roles table's name); a user
        without one of its roles gets ``RoleError``, and the refusal is audited in its own
        transaction (the operation and the roles only: never patient data)."""
        actor = as_actor(user, open_mode=not self.roles_required)
        name = _required(actor.name, "user")
        if not may(actor, operation):
            allowed = operations()[operation].roles
            with self._write() as conn:
                detail = f"needs {roles_text(allowed)}; holds {roles_text(actor.roles) or 'no role'}"
                _audit(conn, name, "refused", "operation", operation, None, detail)
            raise RoleError(Actor(name, actor.roles), operation, allowed)
        return name

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    def _frame(self, query: Select, columns: Sequence[str]) -> pd.DataFrame:
        with self.engine.connect() as conn:
            result = conn.execute(query)
            frame = pd.DataFrame(result.all(), columns=list(result.keys()))
        return _typed(frame, columns)


def _audit(
    conn: Connection,
    user: str,
    action: str,
    entity: str,
    entity_id: str,
    session_id: str | None,
    detail: str | None,
) -> None:
    conn.execute(
        AuditEntry.__table__.insert(),
        {
            "at": utcnow(),
            "user": user,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "session_id": session_id,
            "detail": detail,
        },
    )


def _refuse_if_signed(
    conn: Connection, session_ids: Sequence[str], what: str, addendum_reason: str | None = None
) -> bool:
    """Refuse ``what`` for a signed (locked) session unless it is an addendum with a reason, inside
    the writer's transaction; True if a session is signed (the write is then an addendum).

    The session rows are share-locked first, so a sign-off (which locks them for update) is
    either committed before this looks, or waits until this write is committed.
    """
    ids = sorted(set(session_ids))
    if not ids:
        return False
    conn.execute(select(Session.session_id).where(Session.session_id.in_(ids)).with_for_update(read=True))
    signatures = select(SignOff.session_id, SignOff.user, SignOff.signed_at)
    signed = conn.execute(signatures.where(SignOff.session_id.in_(ids)).limit(1)).first()
    if signed is None:
        return False
    if addendum_reason is None or not addendum_reason.strip():
        raise EntryError(
            f"session {signed.session_id!r} was signed off by {signed.user} at "
            f"{signed.signed_at:%Y-%m-%d %H:%M} UTC and is locked: {what} can only be added "
            "as an addendum, with its reason"
        )
    return True


def _dialect_insert(conn: Connection, table: Table):
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


def _insert_ignore(conn: Connection, table: Table, key: list[str]):
    return _dialect_insert(conn, table).on_conflict_do_nothing(index_elements=key)


def _insert_new(conn: Connection, table: Table, row: dict) -> bool:
    """Insert ``row`` unless its id is there already (a retried submission); True if inserted."""
    statement = _insert_ignore(conn, table, ["id"]).returning(table.c.id)
    return conn.execute(statement, row).first() is not None


def _records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict]:
    """Rows as dicts of plain Python values, missing cells as None (NULL)."""
    values = frame.loc[:, list(columns)].astype(object)
    return values.where(frame.loc[:, list(columns)].notna(), None).to_dict("records")


def _typed(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A query result with the model's dtypes (and the store's for its own columns)."""
    out = conform(frame, tuple(c for c in columns if c not in _DTYPES))
    for column in columns:
        if column in _DTYPES:
            out[column] = frame[column].astype(_DTYPES[column])
    return out[list(columns)]


def _required(value: str | None, what: str) -> str:
    if value is None or not str(value).strip():
        raise EntryError(f"a {what} is required")
    return str(value).strip()


def _new_id() -> str:
    return str(uuid.uuid4())
