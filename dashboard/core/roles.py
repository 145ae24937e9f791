"""Who may do what: the roles table (``data/roles.csv``), the acting user, and the one question
the store and the pages ask (``why_not``).

The table lives in a data file so that a clinic's reading of it (or a new operation) is a data
change; the store refuses an operation's write without one of its roles, and the pages only ask
``why_not`` to hide a control and say why, never re-deciding from the table themselves.

Roles come from the identity provider's claim (``roles_from_claim``, a pure function of the
claims and the clinic's mapping of group names) or from the store's staff table. Grants such as
``export_identifiable`` are held like roles: a role that no operation but one needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from dashboard.core import reference

ROLES: tuple[str, ...] = ("nurse", "clinician", "lead", "analyst")  # what a person is given
GRANTS: tuple[str, ...] = ("export_identifiable",)  # held beside a role
DEVICE = "device"  # the service identity of monitors and feeds
DEFAULT_CLAIM = "roles"


@dataclass(frozen=True)
class Operation:
    """One row of the roles table: who may, and whether the store or the page enforces it."""

    name: str
    roles: frozenset[str]
    label: str
    enforced_by: str
    what: str


@dataclass(frozen=True)
class Actor:
    """Who acts, with the roles they hold: the name is what the audit log records."""

    name: str
    roles: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def everyone(cls, name: str) -> Actor:
        """A user of the open single-machine mode (no sign-in): every role and grant, as before roles."""
        return cls(name, frozenset(ROLES + GRANTS + (DEVICE,)))

    @classmethod
    def service(cls, name: str, *extra: str) -> Actor:
        """A device or feed (``hl7-listener``, ``ingest``): device readings only, unless given
        ``extra`` roles."""
        return cls(name, frozenset((DEVICE, *extra)))


class RoleError(PermissionError):
    """A write by a user without a role it needs: names the user, the operation and who may."""

    def __init__(self, actor: Actor, operation: str, allowed: Iterable[str]) -> None:
        self.user, self.operation, self.allowed = actor.name, operation, tuple(sorted(allowed))
        held = roles_text(actor.roles) or "no role"
        super().__init__(
            f"{actor.name} ({held}) may not do {operation}: it needs the role {' or '.join(self.allowed)}"
        )


@cache
def operations() -> dict[str, Operation]:
    """The roles table, by operation name, in the file's order."""
    return {
        row["operation"]: Operation(
            row["operation"], frozenset(row["roles"].split()), row["label"], row["enforced_by"], row["what"]
        )
        for row in reference.csv_rows("roles.csv")
    }


def may(actor: Actor, operation: str) -> bool:
    """Whether ``actor`` holds a role ``operation`` needs (KeyError for an operation not in the table)."""
    return bool(actor.roles & operations()[operation].roles)


def why_not(actor: Actor, operation: str) -> str | None:
    """None if ``actor`` may do ``operation``, else one line for the page to show instead of the control."""
    if may(actor, operation):
        return None
    entry = operations()[operation]
    held = (
        f"you are signed in as {roles_text(actor.roles)}" if actor.roles else "you hold no role: ask a lead"
    )
    return f"{entry.label} needs the {' or '.join(sorted(entry.roles))} role; {held}."


def require(actor: Actor, operation: str) -> None:
    """Raise ``RoleError`` unless ``actor`` may do ``operation``."""
    if not may(actor, operation):
        raise RoleError(actor, operation, operations()[operation].roles)


def as_actor(user: str | Actor, *, open_mode: bool) -> Actor:
    """The actor behind a write: an ``Actor`` as given; a bare name holds every role in the open
    single-machine mode and none once roles are required (a page must then say who holds what)."""
    if isinstance(user, Actor):
        return user
    return Actor.everyone(user) if open_mode else Actor(user)


def roles_from_claim(
    claims: Mapping[str, object], claim: str = DEFAULT_CLAIM, groups: Mapping[str, str] | None = None
) -> frozenset[str]:
    """Our roles from the identity provider's ``claim`` (a list or a comma- or space-separated
    text): each value mapped through ``groups`` (the provider's group name -> our role or grant),
    a value naming one of our roles or grants taken as it is, anything else ignored."""
    value = claims.get(claim)
    if value is None:
        return frozenset()
    names = value.replace(",", " ").split() if isinstance(value, str) else [str(item) for item in value]
    known = set(ROLES + GRANTS)
    mapped = {(groups or {}).get(name, name) for name in names}
    return frozenset(mapped & known)


def parse_roles(text: str) -> frozenset[str]:
    """Roles typed or stored as text (``nurse, export_identifiable``); ValueError naming any unknown."""
    names = frozenset(text.replace(",", " ").split())
    unknown = names - set(ROLES + GRANTS)
    if unknown:
        raise ValueError(
            f"unknown role {', '.join(sorted(unknown))}; the roles are {', '.join(ROLES + GRANTS)}"
        )
    return names


def roles_text(roles: Iterable[str]) -> str:
    """Roles as one text in the table's order (how the staff table stores and shows them)."""
    order = {name: i for i, name in enumerate(ROLES + GRANTS + (DEVICE,))}
    return " ".join(sorted(set(roles), key=lambda name: (order.get(name, len(order)), name)))


LOGIN_CLAIMS: tuple[str, ...] = ("email", "preferred_username", "name")  # matched against the staff table


def signed_in_roles(
    claims: Mapping[str, object], section: Mapping[str, object] | None, staff: Mapping[str, frozenset[str]]
) -> frozenset[str]:
    """The roles of a signed-in user: from the provider's claim when the clinic configured one
    (``section`` is the ``[roles]`` secrets: ``claim``, default ``roles``, and a ``groups``
    mapping), else from the staff table (``staff``: login -> roles), matched without regard to
    case on the user's e-mail, preferred user name or name, in that order."""
    if section is not None:
        groups = {str(k): str(v) for k, v in dict(section.get("groups") or {}).items()}
        unknown = set(groups.values()) - set(ROLES + GRANTS)
        if unknown:
            raise ValueError(f"[roles.groups] maps to unknown roles: {', '.join(sorted(unknown))}")
        return roles_from_claim(claims, str(section.get("claim") or DEFAULT_CLAIM), groups)
    by_login = {login.casefold(): roles for login, roles in staff.items()}
    for key in LOGIN_CLAIMS:
        login = str(claims.get(key) or "").casefold()
        if login in by_login:
            return by_login[login]
    return frozenset()
