"""The staff table on SQLite and PostgreSQL: roles given, changed and taken away by a lead, each
edit audited and kept as a version; logins matched without regard to case."""

from __future__ import annotations

import pytest

from dashboard.core.roles import RoleError, signed_in_roles
from dashboard.core.store import EntryError
from tests.factories import acting

LEAD = acting("lead", name="lead.a")


def test_a_lead_gives_changes_and_takes_away_roles_every_edit_audited(store):
    assert store.set_staff(" Nurse.A@Clinic.example ", "nurse", user=LEAD)
    assert not store.set_staff("nurse.a@clinic.example", ["nurse"], user=LEAD)  # the same: nothing new
    assert store.set_staff("nurse.a@clinic.example", "export_identifiable, clinician", user=LEAD)
    store.set_staff("analyst.b", "analyst", user=LEAD)
    assert store.staff()[["login", "roles", "set_by"]].values.tolist() == [
        ["analyst.b", "analyst", "lead.a"],
        ["nurse.a@clinic.example", "clinician export_identifiable", "lead.a"],
    ]
    store.set_staff("analyst.b", "", user=LEAD)
    assert store.staff_roles() == {"nurse.a@clinic.example": frozenset({"clinician", "export_identifiable"})}
    audit = store.audit_log().query("entity == 'staff'")
    assert audit[["user", "action", "entity_id", "detail"]].values.tolist() == [
        ["lead.a", "staff_set", "nurse.a@clinic.example", "roles nurse (was none)"],
        ["lead.a", "staff_set", "nurse.a@clinic.example", "roles clinician export_identifiable (was nurse)"],
        ["lead.a", "staff_set", "analyst.b", "roles analyst (was none)"],
        ["lead.a", "staff_removed", "analyst.b", "roles none (was analyst)"],
    ]
    assert len(store.staff_history()) == 4


def test_unknown_roles_and_empty_logins_are_refused(store):
    with pytest.raises(EntryError, match="unknown role admin; the roles are nurse, clinician, lead, analyst"):
        store.set_staff("x", "nurse admin", user=LEAD)
    with pytest.raises(EntryError, match="a login is required"):
        store.set_staff("  ", "nurse", user=LEAD)
    assert store.staff().empty


def test_only_a_lead_edits_the_table(store):
    with pytest.raises(RoleError, match="may not do staff_edit: it needs the role lead"):
        store.set_staff("me", "lead", user=acting("clinician"))
    assert store.staff().empty


def test_a_signed_in_user_gets_the_roles_of_the_table(store):
    store.set_staff("Ada@Clinic.example", "clinician", user=LEAD)
    claims = {"name": "Dr Ada", "email": "ada@clinic.example"}
    assert signed_in_roles(claims, None, store.staff_roles()) == frozenset({"clinician"})
