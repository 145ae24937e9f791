"""The roles table, the acting user, the one question the pages ask, and roles from a provider's
claim or the staff table; and the README's roles table held to the data file."""

from __future__ import annotations

import re

import pytest

from dashboard.core.roles import (
    DEVICE,
    GRANTS,
    ROLES,
    Actor,
    RoleError,
    as_actor,
    operations,
    parse_roles,
    require,
    roles_from_claim,
    roles_text,
    signed_in_roles,
    why_not,
)
from tests.factories import acting
from tests.paths import REPO

NURSE_OPERATIONS = {
    "check_in",
    "chart_vitals",
    "entry",
    "acknowledge",
    "attach_monitor",
    "dose_plan",
    "discharge",
}


def test_the_table_gives_each_role_what_the_issue_asks():
    table = operations()
    assert set().union(*(entry.roles for entry in table.values())) == set(ROLES + GRANTS) | {DEVICE}
    for name, entry in table.items():
        assert entry.enforced_by in {"store", "page"} and entry.label and entry.what, name
    given = {role: {name for name, entry in table.items() if role in entry.roles} for role in ROLES}
    assert given["nurse"] == NURSE_OPERATIONS
    assert given["clinician"] == NURSE_OPERATIONS | {"sign_off", "patient_limits", "export_pseudonymised"}
    assert given["lead"] == given["clinician"] | {"protocol_adoption", "chair_setup", "staff_edit"}
    assert given["analyst"] == {"export_pseudonymised"}
    assert {name for name, entry in table.items() if "export_identifiable" in entry.roles} == {
        "export_identifiable"
    }


def test_why_not_is_one_line_naming_the_roles_and_what_the_user_holds():
    assert why_not(acting("lead"), "protocol_adoption") is None
    assert why_not(acting("nurse"), "protocol_adoption") == (
        "Protocol adoption needs the lead role; you are signed in as nurse."
    )
    assert (
        why_not(acting(), "sign_off")
        == "Sign-off needs the clinician or lead role; you hold no role: ask a lead."
    )


def test_refusal_is_a_permission_error_naming_user_operation_and_roles():
    with pytest.raises(RoleError) as refused:
        require(acting("analyst", name="ana"), "sign_off")
    assert isinstance(refused.value, PermissionError)
    assert str(refused.value) == "ana (analyst) may not do sign_off: it needs the role clinician or lead"
    assert (refused.value.user, refused.value.operation, refused.value.allowed) == (
        "ana",
        "sign_off",
        ("clinician", "lead"),
    )


def test_a_bare_name_holds_every_role_only_in_the_open_mode():
    assert as_actor("ada", open_mode=True) == Actor.everyone("ada")
    assert all(why_not(Actor.everyone("ada"), name) is None for name in operations())
    assert as_actor("ada", open_mode=False) == Actor("ada")
    nurse = acting("nurse")
    assert as_actor(nurse, open_mode=True) is nurse  # an actor keeps its roles in either mode


def test_a_service_identity_writes_readings_only():
    listener = Actor.service("hl7-listener")
    assert {name for name in operations() if why_not(listener, name) is None} == {"device_readings"}


@pytest.mark.parametrize(
    ("value", "groups", "expected"),
    [
        (["nurse", "analyst"], None, {"nurse", "analyst"}),
        ("clinician, export_identifiable", None, {"clinician", "export_identifiable"}),
        ("lead admin", None, {"lead"}),  # a value not ours is ignored
        (["ketamine-nurses", "staff"], {"ketamine-nurses": "nurse"}, {"nurse"}),
        (["ketamine-leads", "lead"], {"ketamine-leads": "lead", "lead": "analyst"}, {"lead", "analyst"}),
        (None, {"x": "nurse"}, set()),
    ],
)
def test_roles_from_a_claim_through_the_clinics_mapping(value, groups, expected):
    claims = {"name": "Ada"} if value is None else {"groups": value}
    assert roles_from_claim(claims, "groups", groups) == frozenset(expected)


def test_signed_in_roles_come_from_the_claim_when_configured_else_the_staff_table():
    claims = {"name": "Ada", "email": "Ada@Clinic.example", "roles": ["nurse"], "groups": ["leads"]}
    staff = {"ada@clinic.example": frozenset({"analyst"})}
    assert signed_in_roles(claims, {}, staff) == {"nurse"}  # [roles] present: the default claim "roles"
    assert signed_in_roles(claims, {"claim": "groups", "groups": {"leads": "lead"}}, staff) == {"lead"}
    assert signed_in_roles(claims, None, staff) == {"analyst"}
    assert signed_in_roles({"name": "Bob"}, None, staff) == frozenset()
    with pytest.raises(ValueError, match="unknown roles: admin"):
        signed_in_roles(claims, {"groups": {"leads": "admin"}}, staff)


def test_roles_typed_as_text_are_checked_and_shown_in_the_tables_order():
    assert parse_roles("export_identifiable, nurse") == {"nurse", "export_identifiable"}
    assert roles_text({"export_identifiable", "lead", "nurse"}) == "nurse lead export_identifiable"
    with pytest.raises(ValueError, match="unknown role boss"):
        parse_roles("boss")


def test_the_readme_roles_table_is_the_data_file():
    """README, Security, Roles: one row per operation, its roles and what it is, as in the file."""
    text = (REPO / "README.md").read_text("utf-8")
    section = text[text.index("### Roles") :]
    rows = re.findall(r"^\| `([a-z_]+)` \| ([^|]+) \| ([^|]+) \|", section, flags=re.MULTILINE)
    documented = {name: (roles.strip(), what.strip()) for name, roles, what in rows}
    expected = {
        name: (", ".join(f"`{role}`" for role in roles_text(entry.roles).split()), entry.what)
        for name, entry in operations().items()
    }
    assert documented == expected
