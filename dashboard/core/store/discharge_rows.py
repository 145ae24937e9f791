"""Discharge and sign-off: the end of a session's record, one append-only row of each.

A discharge keeps the criteria as they stood when the patient left (``live.discharge`` judges
them) and needs a reason when one was not met. The clinician's sign-off needs the session's
required fields (dose, weight, and the discharge or the reason the session ended without one)
and ends the session if still open; ``sessions_to_sign`` is the clinician's queue. From then on the
session is locked (``store_base._refuse_if_signed``, checked wherever entries are written) and
later entries are addenda with a reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, or_, select

from dashboard.core.roles import Actor
from dashboard.core.store.models import Discharge, Session, SignOff, utcnow
from dashboard.core.store.session_rows import close_session
from dashboard.core.store.store_base import EntryError, StoreBase, _audit, _new_id, _typed

_QUEUE_SESSION_COLUMNS = ("session_id", "patient_id", "chair", "started_at", "ended_at", "end_reason")
TO_SIGN_COLUMNS: tuple[str, ...] = (*_QUEUE_SESSION_COLUMNS, "discharged_at", "missing")
SIGNED_COLUMNS: tuple[str, ...] = (
    "session_id",
    "patient_id",
    "chair",
    "started_at",
    "signed_by",
    "signed_at",
)

# The states of a discharge criterion (``live.discharge``); only MET needs no reason to go home.
MET, NOT_MET, BY_HAND = "met", "not met", "to confirm by hand"
CRITERION_STATES: tuple[str, ...] = (MET, NOT_MET, BY_HAND)


class DischargeRows(StoreBase):
    """Store mixin: a session's discharge and its sign-off."""

    def discharge(
        self,
        session_id: str,
        criteria: list[dict],
        *,
        user: str | Actor,
        reason: str | None = None,
        ready_at: datetime | None = None,
        at: datetime | None = None,
        entry_id: str | None = None,
    ) -> str:
        """Record that the patient left at ``at`` (default now) with the ``criteria`` as they stood
        (dicts with ``label`` and ``state``) and ``ready_at``, the time they were first all met.

        A criterion not met (or not confirmed by hand) needs the ``reason`` to discharge anyway.
        A session is discharged once; a resubmitted form (same ``entry_id``) is recorded once.
        """
        user, entry_id = self._authorise(user, "discharge"), entry_id or _new_id()
        unmet = _unmet(criteria)
        reason = (reason or "").strip() or None
        if unmet and reason is None:
            raise EntryError(f"a discharge with a criterion not met needs a reason ({'; '.join(unmet)})")
        at = at or utcnow()
        with self._write() as conn:
            _locked_session(conn, session_id)
            table = Discharge.__table__
            earlier = conn.execute(select(table).where(table.c.session_id == session_id)).first()
            if earlier is not None:
                if earlier.id == entry_id:
                    return entry_id
                by = f"{earlier.user} at {earlier.at:%H:%M} UTC"
                raise EntryError(f"session {session_id!r} was already discharged by {by}")
            criteria_text = json.dumps(criteria, ensure_ascii=False)
            row = {"id": entry_id, "session_id": session_id, "at": at, "ready_at": ready_at, "user": user,
                   "criteria": criteria_text, "reason": reason, "entered_at": utcnow()}  # fmt: skip
            conn.execute(Discharge.__table__.insert(), row)
            detail = f"not met: {'; '.join(unmet)}; reason: {reason}" if unmet else "all criteria met"
            _audit(conn, user, "session_discharged", "discharge", entry_id, session_id, detail)
        return entry_id

    def session_discharge(self, session_id: str) -> dict | None:
        """The session's discharge (``criteria`` as a list of dicts), None if not discharged."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(select(Discharge.__table__).where(Discharge.session_id == session_id))
                .mappings()
                .first()
            )
        return None if row is None else {**row, "criteria": json.loads(row["criteria"])}

    def missing_for_sign_off(self, session_id: str) -> list[str]:
        """What the session lacks before it can be signed (dose, weight, discharge), in that order."""
        with self.engine.connect() as conn:
            return _missing(conn, session_id)

    def sign_off(self, session_id: str, *, user: str | Actor, at: datetime | None = None) -> str:
        """The clinician signs the discharged session: it is ended if still open and locked from
        now on. Refused, naming what is missing, while a required field is empty."""
        user, at = self._authorise(user, "sign_off"), at or utcnow()
        with self._write() as conn:
            _locked_session(conn, session_id)
            signed = self._signature(conn, session_id)
            if signed is not None:
                raise EntryError(f"session {session_id!r} was already signed off by {signed['user']}")
            missing = _missing(conn, session_id)
            if missing:
                raise EntryError(f"session {session_id!r} cannot be signed yet: missing {', '.join(missing)}")
            entry_id = _new_id()
            conn.execute(SignOff.__table__.insert(), {"id": entry_id, "session_id": session_id, "user": user,
                                                      "signed_at": at})  # fmt: skip
            close_session(conn, session_id, user, at)
            _audit(conn, user, "session_signed", "sign_off", entry_id, session_id, None)
        return entry_id

    def session_sign_off(self, session_id: str) -> dict | None:
        """Who signed the session off and when, None while it is not signed."""
        with self.engine.connect() as conn:
            return self._signature(conn, session_id)

    def sessions_to_sign(self) -> pd.DataFrame:
        """Checked-in sessions discharged or ended and not signed yet, oldest first, each with
        what it still lacks (``missing``, a list): the clinician's queue."""
        sessions, discharges = Session.__table__, Discharge.__table__
        signed = select(SignOff.id).where(SignOff.session_id == sessions.c.session_id).exists()
        query = (
            select(*(sessions.c[c] for c in _QUEUE_SESSION_COLUMNS), discharges.c.at.label("discharged_at"),
                   *_NEEDED, discharges.c.id.is_not(None).label("discharged"))  # fmt: skip
            .select_from(sessions.outerjoin(discharges, discharges.c.session_id == sessions.c.session_id))
            .where(sessions.c.protocol_version.is_not(None), ~signed)
            .where(or_(sessions.c.ended_at.is_not(None), discharges.c.id.is_not(None)))
            .order_by(sessions.c.started_at, sessions.c.session_id)
        )
        with self.engine.connect() as conn:
            rows = [dict(row, missing=_lacking(row)) for row in conn.execute(query).mappings()]
        return _typed(pd.DataFrame(rows, columns=list(TO_SIGN_COLUMNS)), TO_SIGN_COLUMNS)

    def signed_sessions(self, limit: int = 200) -> pd.DataFrame:
        """The latest signed sessions, newest signature first: where addenda are written."""
        sessions = Session.__table__
        query = (
            select(
                sessions.c.session_id,
                sessions.c.patient_id,
                sessions.c.chair,
                sessions.c.started_at,
                SignOff.user.label("signed_by"),
                SignOff.signed_at,
            )  # fmt: skip
            .join(SignOff, SignOff.session_id == sessions.c.session_id)
            .order_by(SignOff.signed_at.desc())
            .limit(limit)
        )
        return self._frame(query, SIGNED_COLUMNS)

    @staticmethod
    def _signature(conn: Connection, session_id: str) -> dict | None:
        row = (
            conn.execute(select(SignOff.__table__).where(SignOff.session_id == session_id)).mappings().first()
        )
        return None if row is None else dict(row)


def _locked_session(conn: Connection, session_id: str) -> None:
    """Lock the session row for update (a writer to it waits until this commits); refuse an unknown one."""
    found = conn.execute(
        select(Session.session_id).where(Session.session_id == session_id).with_for_update()
    ).first()
    if found is None:
        raise EntryError(f"unknown session {session_id!r}")


# What signing needs of a session, besides its discharge (or the reason it ended without one).
_NEEDED = (Session.dose_mg_per_kg, Session.total_dose_mg, Session.weight_kg, Session.end_reason)


def _missing(conn: Connection, session_id: str) -> list[str]:
    """What the session lacks to be signed (``_lacking``)."""
    discharged = select(Discharge.id).where(Discharge.session_id == session_id).exists()
    row = conn.execute(
        select(*_NEEDED, discharged.label("discharged")).where(Session.session_id == session_id)
    ).mappings().first()  # fmt: skip
    if row is None:
        raise EntryError(f"unknown session {session_id!r}")
    return _lacking(row)


def _lacking(row: Mapping) -> list[str]:
    """What a session's row (``_NEEDED`` and ``discharged``) lacks to be signed; a session ended
    with its reason needs no discharge."""
    missing = {
        "dose": row["dose_mg_per_kg"] is None and row["total_dose_mg"] is None,
        "weight": row["weight_kg"] is None,
        "discharge": not row["discharged"] and row["end_reason"] is None,
    }
    return [field for field, absent in missing.items() if absent]


def _unmet(criteria: list[dict]) -> list[str]:
    """The labels of the criteria not met; refuses a list that is not criteria."""
    if not criteria:
        raise EntryError("a discharge records its criteria; none were given")
    for criterion in criteria:
        if (
            not isinstance(criterion, dict)
            or criterion.get("state") not in CRITERION_STATES
            or not criterion.get("label")
        ):
            raise EntryError(f"a criterion needs a label and a state, one of {', '.join(CRITERION_STATES)}")
    return [str(c["label"]) for c in criteria if c["state"] != MET]
