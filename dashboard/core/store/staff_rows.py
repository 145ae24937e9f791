"""The staff table: which roles each login holds, for clinics whose identity provider sends no
roles claim. A lead edits it (the ``staff_edit`` operation); every edit is a new version and an
audit entry, so who granted what, and when, is never lost.

Logins are kept case-folded (``Nurse.A@clinic.org`` and ``nurse.a@clinic.org`` are one person);
the signed-in user is matched on e-mail, preferred user name or name (``roles.signed_in_roles``).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Connection, func, select

from dashboard.core.model import TIMESTAMP_DTYPE
from dashboard.core.roles import Actor, parse_roles, roles_text
from dashboard.core.store.models import NAME_LENGTH, StaffMember, utcnow
from dashboard.core.store.store_base import EntryError, StoreBase, _audit, _required

STAFF_COLUMNS: tuple[str, ...] = ("login", "roles", "set_by", "set_at")
STAFF_HISTORY_COLUMNS: tuple[str, ...] = ("login", "roles", "user", "changed_at")


class StaffRows(StoreBase):
    """Store mixin: the staff table and its history."""

    def set_staff(self, login: str, roles: str | Iterable[str], *, user: str | Actor) -> bool:
        """Give ``login`` exactly ``roles`` (text such as ``nurse, export_identifiable``, or names);
        none takes every role away. Audited; False if nothing changed."""
        user = self._authorise(user, "staff_edit")
        login = _login(login)
        try:
            wanted = roles_text(parse_roles(roles if isinstance(roles, str) else " ".join(roles)))
        except ValueError as error:
            raise EntryError(str(error)) from None
        with self._write() as conn:
            was = _current(conn).get(login, ("", None, None))[0]
            if was == wanted:
                return False
            row = {"login": login, "roles": wanted, "user": user, "changed_at": utcnow()}
            conn.execute(StaffMember.__table__.insert(), row)
            action = "staff_set" if wanted else "staff_removed"
            detail = f"roles {wanted or 'none'} (was {was or 'none'})"
            _audit(conn, user, action, "staff", login, None, detail)
        return True

    def staff(self) -> pd.DataFrame:
        """The logins holding a role, by login, with who set them and when."""
        with self.engine.connect() as conn:
            current = _current(conn)
        rows = [(login, roles, by, at) for login, (roles, by, at) in sorted(current.items()) if roles]
        frame = pd.DataFrame(rows, columns=list(STAFF_COLUMNS))
        return frame.astype({"login": "str", "roles": "str", "set_by": "str", "set_at": TIMESTAMP_DTYPE})

    def staff_roles(self) -> dict[str, frozenset[str]]:
        """Login -> roles, for matching a signed-in user (read on every page run: one small query)."""
        with self.engine.connect() as conn:
            return {
                login: frozenset(roles.split()) for login, (roles, _, _) in _current(conn).items() if roles
            }

    def staff_history(self) -> pd.DataFrame:
        """Every version of the staff table, oldest first."""
        table = StaffMember.__table__
        query = select(table.c.login, table.c.roles, table.c.user, table.c.changed_at).order_by(table.c.id)
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).all(), columns=list(STAFF_HISTORY_COLUMNS))
        return frame.astype({"changed_at": TIMESTAMP_DTYPE})


def _current(conn: Connection) -> dict[str, tuple[str, str, object]]:
    """Login -> (roles, set by, set at) of each login's latest version (roles empty: taken away)."""
    table = StaffMember.__table__
    latest = select(func.max(table.c.id)).group_by(table.c.login).scalar_subquery()
    rows = conn.execute(select(table).where(table.c.id.in_(latest))).all()
    return {row.login: (row.roles, row.user, row.changed_at) for row in rows}


def _login(value: str | None) -> str:
    login = _required(value, "login").casefold()
    if len(login) > NAME_LENGTH:
        raise EntryError(f"a login has at most {NAME_LENGTH} characters ({len(login)} given)")
    return login
