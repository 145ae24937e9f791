"""Roles through AppTest, signed in through an identity provider (``[auth]``): the pages hide what
the user's roles do not allow and say why in one line; roles come from the provider's claim
(``[roles]``) or, without it, from the staff table a lead edits on Clinic setup."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.roles import why_not
from tests.factories import AUTH, acting
from tests.live_app import store_in, widget
from tests.paths import APP

ROLES = {"claim": "groups", "groups": {"ketamine-nurses": "nurse", "ketamine-leads": "lead"}}
WHATIF = "app_pages/whatif.py"
SIGN_OFF = "app_pages/sign_off.py"
CLINIC_SETUP = "app_pages/clinic_setup.py"
ADOPT = "Adopt for live monitoring"


@pytest.fixture
def store(tmp_path, monkeypatch):
    yield from store_in(tmp_path, monkeypatch)


@pytest.fixture
def to_sign(store):
    """P07 checked in on Chair 1, ended with a reason: waiting on the Sign-off page."""
    store.set_chair("Chair 1", user="admin")
    session_id, _ = store.check_in_session("P07", "Chair 1", {"dose_mg_per_kg": 0.5, "weight_kg": 70.0},
                                           user="nurse.a")  # fmt: skip
    store.end_session(session_id, user="nurse.a", reason="infusion abandoned")
    return session_id


def signed_in(page: str, claims: dict, roles: dict | None = ROLES) -> AppTest:
    """``page`` for a user the provider signed in with ``claims``; ``roles`` the ``[roles]`` secrets."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    if roles is not None:
        at.secrets["roles"] = roles
    at.user = {"is_logged_in": True, **claims}
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def captions(at: AppTest) -> list[str]:
    """The captions as read (they are escaped markdown: ``plain`` puts a backslash before ``.``)."""
    return [c.value.replace("\\", "") for c in at.caption]


NURSE = {"name": "Nurse Ada", "email": "ada@clinic.example", "groups": ["ketamine-nurses", "staff"]}
LEAD = {"name": "Lead Bea", "email": "bea@clinic.example", "groups": ["ketamine-leads"]}


def test_a_nurse_sees_no_protocol_adoption_and_is_told_why(store):
    at = signed_in(WHATIF, NURSE)
    assert ADOPT not in [b.label for b in at.button]
    assert why_not(acting("nurse"), "protocol_adoption") in captions(at)
    assert "Protocol adoption needs the lead role; you are signed in as nurse." in captions(at)
    assert any("Roles: nurse" in c.value for c in at.sidebar.caption)


def test_a_lead_adopts_a_protocol_under_the_providers_name(store):
    at = signed_in(WHATIF, LEAD)
    row = load_protocol().rules_frame()["id"].tolist().index("sbp_high_caution")
    edited = {"edited_rows": {row: {"limit": 140.0}}, "added_rows": [], "deleted_rows": []}
    at.session_state["rules_editor"] = edited
    at.run()
    at.text_input(key="adopt_reason").input("clinic policy")
    widget(at.button, ADOPT).click().run()
    assert not at.exception
    assert store.protocol_changes()["user"].tolist() == ["Lead Bea"]


def test_a_nurse_sees_the_sign_off_queue_but_no_sign_off_and_is_told_why(store, to_sign):
    at = signed_in(SIGN_OFF, NURSE)
    assert at.dataframe[0].value["session_id"].tolist() == [to_sign]
    assert "Sign off" not in [b.label for b in at.button]
    assert "Sign-off needs the clinician or lead role; you are signed in as nurse." in captions(at)


def test_without_a_claim_the_staff_table_gives_the_roles_and_a_lead_edits_it(store, to_sign):
    store.set_staff("bea@clinic.example", "lead", user="admin")  # the first lead, from the command line
    unknown = signed_in(SIGN_OFF, {"name": "Dr Cy", "email": "cy@clinic.example"}, roles=None)
    assert "Sign off" not in [b.label for b in unknown.button]
    assert "Sign-off needs the clinician or lead role; you hold no role: ask a lead." in captions(unknown)

    lead = signed_in(CLINIC_SETUP, {"name": "Lead Bea", "email": "Bea@Clinic.example"}, roles=None)
    lead.text_input(key="staff-login").input("cy@clinic.example")
    lead.multiselect(key="staff-roles").set_value(["clinician"])
    widget(lead.button, "Save roles").click().run()
    assert not lead.exception
    assert store.staff_roles()["cy@clinic.example"] == {"clinician"}
    audited = store.audit_log().query("action == 'staff_set'")
    assert audited["user"].tolist() == ["admin", "Lead Bea"]

    clinician = signed_in(SIGN_OFF, {"name": "Dr Cy", "email": "cy@clinic.example"}, roles=None)
    widget(clinician.button, "Sign off").click().run()
    assert store.session_sign_off(to_sign)["user"] == "Dr Cy"


def test_a_nurse_sees_neither_the_staff_editor_nor_the_chair_setup_and_is_told_why(store):
    at = signed_in(CLINIC_SETUP, NURSE)
    assert "Save roles" not in [b.label for b in at.button]
    assert "Staff table edits needs the lead role; you are signed in as nurse." in captions(at)
    assert "Chair setup needs the lead role; you are signed in as nurse." in captions(at)
