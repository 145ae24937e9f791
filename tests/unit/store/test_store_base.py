"""The one check of who may write what (``StoreBase._authorise``), on SQLite and PostgreSQL.

Parametrised over the roles table (``core/data/roles.csv``): for every operation the store
enforces, every role without it is refused with ``RoleError``, the refusal is audited and
nothing else is written; every role with it gets past the check. ``CALLS`` names the Store's
writes of each operation, and a test holds it to the table and to the Store's methods, so a new
operation or a new write method without a role fails here until it is covered.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pandas as pd
import pytest
from sqlalchemy import func, select

from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.model import EVENT_COLUMNS, empty_frame
from dashboard.core.roles import DEVICE, GRANTS, ROLES, Actor, RoleError, operations
from dashboard.core.store import EntryError, Store
from dashboard.core.store.models import Base
from dashboard.core.store.watched_files import IngestPosition
from tests.factories import T0, acting, vitals_frame

Call = Callable[[Store, Actor], object]
DEFAULT = load_protocol(None)
NO_EVENTS = empty_frame(EVENT_COLUMNS)

CALLS: dict[str, dict[str, Call]] = {  # operation -> Store method -> a call of it as ``actor``
    "check_in": {
        "start_session": lambda s, a: s.start_session("P09-S1", user=a, chair="Chair 9"),
        "check_in_session": lambda s, a: s.check_in_session("P09", "Chair 9", {}, user=a),
    },
    "chart_vitals": {
        "add_charted_vitals": lambda s, a: s.add_charted_vitals(
            vitals_frame("P01-S1", periods=1, hr=72.0), user=a, entry_id=f"chart-{a.name}"
        ),
    },
    "entry": {
        "add_event": lambda s, a: s.add_event("P01-S1", T0, "nausea", user=a),
        "add_events": lambda s, a: s.add_events(NO_EVENTS, user=a),
        "amend_event": lambda s, a: s.amend_event("no-such-entry", user=a, reason="typo", note="x"),
        "retract_event": lambda s, a: s.retract_event("no-such-entry", user=a, reason="typo"),
        "add_addendum": lambda s, a: s.add_addendum("P01-S1", "late note", "forgotten", user=a),
    },
    "acknowledge": {"acknowledge": lambda s, a: s.acknowledge("no-such-alert", user=a, reason="seen")},
    "attach_monitor": {
        "attach_monitor": lambda s, a: s.attach_monitor("MON-9", "P01-S1", user=a),
        "assign_bed": lambda s, a: s.assign_bed("Bed 9", "P01-S1", user=a),
        "unassign": lambda s, a: s.unassign("Bed 9", user=a),
    },
    "dose_plan": {"change_dose_plan": lambda s, a: s.change_dose_plan("P01-S1", {}, user=a)},
    "discharge": {
        "discharge": lambda s, a: s.discharge("P01-S1", [], user=a),
        "end_session": lambda s, a: s.end_session("P01-S1", user=a, reason="sent home"),
    },
    "sign_off": {"sign_off": lambda s, a: s.sign_off("P01-S1", user=a)},
    "patient_limits": {
        "record_protocol_change": lambda s, a: s.record_protocol_change(
            user=a,
            toml_text=DEFAULT.model_copy(update={"overrides": {"P01": {"start_sbp_max": 150.0}}}).to_toml(),
            reason="her usual pressure",
        ),
    },
    "protocol_adoption": {
        "record_protocol_change": lambda s, a: s.record_protocol_change(
            user=a, toml_text=DEFAULT.model_copy(update={"name": "Edited"}).to_toml(), reason="new policy"
        ),
    },
    "chair_setup": {
        "set_chair": lambda s, a: s.set_chair("Chair 9", [], user=a),
        "remove_chair": lambda s, a: s.remove_chair("Chair 9", user=a),
    },
    "staff_edit": {"set_staff": lambda s, a: s.set_staff("someone@clinic.example", "nurse", user=a)},
    "device_readings": {
        "add_vitals": lambda s, a: s.add_vitals(vitals_frame("P01-S1", periods=2), user=a),
        "add_monitor_readings": lambda s, a: s.add_monitor_readings(
            "P01-S1", vitals_frame("P01-S1", periods=2), pd.DataFrame(), user=a
        ),
        "ingest_batch": lambda s, a: s.ingest_batch(
            "/exports/chair9.csv",
            None,
            IngestPosition(10, 1, "h"),
            vitals_frame("P01-S1", periods=1),
            NO_EVENTS,
            user=a,
        ),  # fmt: skip
    },
}
STORE_OPERATIONS = [name for name, entry in operations().items() if entry.enforced_by == "store"]
EVERYONE = (*ROLES, *GRANTS, DEVICE)


def row_counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar()
            for t in Base.metadata.sorted_tables
        }


def refusals(store: Store) -> list[list[str]]:
    log = store.audit_log().query("action == 'refused'")
    return log[["user", "entity_id"]].values.tolist()


def test_every_operation_the_store_enforces_has_its_writes_named_here():
    assert sorted(CALLS) == sorted(STORE_OPERATIONS)


def test_every_store_method_naming_a_user_is_a_write_named_here():
    writes = {
        name
        for name, method in inspect.getmembers(Store, inspect.isfunction)
        if not name.startswith("_") and "user" in inspect.signature(method).parameters
    }
    assert writes == {method for calls in CALLS.values() for method in calls}


@pytest.mark.parametrize("operation", STORE_OPERATIONS)
def test_a_role_without_the_operation_is_refused_audited_and_writes_nothing(store, operation):
    allowed = operations()[operation].roles
    for role in sorted(set(EVERYONE) - allowed):
        for method, call in CALLS[operation].items():
            before = row_counts(store)
            with pytest.raises(RoleError, match=rf"{role} \({role}\) may not do {operation}") as refused:
                call(store, acting(role))
            assert isinstance(refused.value, PermissionError), method
            assert (refused.value.user, refused.value.allowed) == (role, tuple(sorted(allowed)))
            after = row_counts(store)
            assert after.pop("audit_log") == before.pop("audit_log") + 1, method
            assert after == before, f"{method} wrote something for {role}"
            assert refusals(store)[-1] == [role, operation]
    detail = store.audit_log().query("action == 'refused'")["detail"].iloc[-1]
    assert detail.startswith("needs ") and "P01" not in detail  # the roles, never patient data


@pytest.mark.parametrize("operation", STORE_OPERATIONS)
def test_each_role_with_the_operation_gets_past_the_check(store, operation):
    for role in sorted(operations()[operation].roles):
        for method, call in CALLS[operation].items():
            try:
                call(store, acting(role))
            except RoleError:
                pytest.fail(f"{method} refused {role}")
            except Exception:  # noqa: BLE001 - past the check, the write may refuse its arguments
                pass
    assert refusals(store) == []


def test_open_mode_lets_a_bare_name_do_everything_and_a_store_requiring_roles_refuses_it(store):
    store.set_chair("Chair 9", [], user="admin.a")  # the open single-machine mode: every role
    strict = Store(store.engine, roles_required=True)
    with pytest.raises(
        RoleError, match="admin.a \\(no role\\) may not do chair_setup: it needs the role lead"
    ):
        strict.set_chair("Chair 10", [], user="admin.a")
    strict.set_chair("Chair 10", [], user=acting("lead", name="admin.a"))
    assert store.chairs()["chair"].tolist() == ["Chair 9", "Chair 10"]
    assert refusals(store) == [["admin.a", "chair_setup"]]


def test_a_refused_write_still_needs_a_name(store):
    with pytest.raises(EntryError, match="a user is required"):
        store.sign_off("P01-S1", user=Actor("  ", frozenset({"clinician"})))


def test_a_device_writes_readings_but_may_not_chart_or_sign(store):
    device = Actor.service("hl7-listener")
    assert store.add_vitals(vitals_frame("P01-S1", periods=3), user=device) == 3
    with pytest.raises(RoleError, match="hl7-listener \\(device\\) may not do sign_off"):
        store.sign_off("P01-S1", user=device)
