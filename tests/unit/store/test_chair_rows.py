"""The clinic's chairs and their monitors, on SQLite and PostgreSQL: set, listed, refused,
removed, and every version kept (the ``store`` fixture has P01-S1 open on Chair 1)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from dashboard.core.store import EntryError
from dashboard.core.store.chair_rows import natural_key

ADMIN = "admin.a"


def listing(store) -> list[tuple]:
    return [(row.chair, row.monitors) for row in store.chairs().itertuples()]


def test_chairs_are_listed_in_natural_order_with_their_monitors_or_none(store):
    store.set_chair("Chair 10", ["CHAIR-10"], user=ADMIN)
    store.set_chair("Chair 2", ["ICU/3001/1", "0012-34FF-FE56-7890"], user=ADMIN)
    store.set_chair("Recliner", [], user=ADMIN)
    assert listing(store) == [
        ("Chair 2", ("0012-34FF-FE56-7890", "ICU/3001/1")),
        ("Chair 10", ("CHAIR-10",)),
        ("Recliner", ()),
    ]
    assert store.chairs()["set_by"].tolist() == [ADMIN] * 3


def test_a_chair_with_an_open_session_is_busy_with_it(store):
    store.set_chair("Chair 1", ["CHAIR-1"], user=ADMIN)
    store.set_chair("Chair 2", user=ADMIN)
    chairs = store.chairs().set_index("chair")
    assert chairs.loc["Chair 1", "session_id"] == "P01-S1" and chairs.loc["Chair 1", "patient_id"] == "P01"
    assert chairs["session_id"].isna().tolist() == [False, True]
    store.end_session("P01-S1", user=ADMIN)
    assert store.chairs()["session_id"].isna().all()


def test_setting_a_chair_again_replaces_its_monitors_and_is_audited_once(store):
    store.set_chair("Chair 2", ["CHAIR-2"], user=ADMIN)
    store.set_chair("Chair 2", ["CHAIR-2"], user="admin.b")  # the same: nothing new
    store.set_chair("Chair 2", [" VR-7 ", "VR-7"], user="admin.b")
    assert listing(store) == [("Chair 2", ("VR-7",))]
    audit = store.audit_log().query("entity == 'chair'")
    assert audit[["user", "action", "detail"]].values.tolist() == [
        [ADMIN, "chair_set", "monitors CHAIR-2"],
        ["admin.b", "chair_set", "monitors VR-7 (was monitors CHAIR-2)"],
    ]


def test_a_monitor_belongs_to_one_chair_only(store):
    store.set_chair("Chair 2", ["CHAIR-2"], user=ADMIN)
    with pytest.raises(EntryError, match="monitor 'CHAIR-2' belongs to chair 'Chair 2'"):
        store.set_chair("Chair 3", ["CHAIR-3", "CHAIR-2"], user=ADMIN)
    assert listing(store) == [("Chair 2", ("CHAIR-2",))]
    store.remove_chair("Chair 2", user=ADMIN)
    store.set_chair("Chair 3", ["CHAIR-2"], user=ADMIN)  # free again once its chair is gone
    assert listing(store) == [("Chair 3", ("CHAIR-2",))]


@pytest.mark.parametrize(("name", "monitors", "message"), [
    ("  ", [], "a chair name is required"),
    ("Chair 2", [""], "a monitor id is required"),
    ("C" * 129, [], "at most 128 characters"),
])  # fmt: skip
def test_a_chair_needs_a_name_and_real_monitor_ids(store, name, monitors, message):
    with pytest.raises(EntryError, match=message):
        store.set_chair(name, monitors, user=ADMIN)
    with pytest.raises(EntryError, match="a user is required"):
        store.set_chair("Chair 2", user=" ")


def test_removing_a_chair_keeps_its_history_and_is_refused_while_busy(store):
    store.set_chair("Chair 1", ["CHAIR-1"], user=ADMIN)
    with pytest.raises(EntryError, match="chair 'Chair 1' has the open session 'P01-S1'"):
        store.remove_chair("Chair 1", user=ADMIN)
    with pytest.raises(EntryError, match="there is no chair 'Chair 9'"):
        store.remove_chair("Chair 9", user=ADMIN)
    store.end_session("P01-S1", user=ADMIN)
    store.remove_chair("Chair 1", user="admin.b")
    assert store.chairs().empty
    history = store.chair_history()
    assert history[["chair", "monitors", "removed", "user"]].values.tolist() == [
        ["Chair 1", ("CHAIR-1",), False, ADMIN],
        ["Chair 1", (), True, "admin.b"],
    ]
    assert store.audit_log()["action"].tolist()[-1] == "chair_removed"


def test_chair_rows_cannot_be_rewritten(store):
    store.set_chair("Chair 2", ["CHAIR-2"], user=ADMIN)
    for statement in ("UPDATE chairs SET name = 'x'", "DELETE FROM chair_monitors"):
        with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(statement))
    assert listing(store) == [("Chair 2", ("CHAIR-2",))]


def test_natural_key_reads_numbers_as_numbers():
    assert sorted(["Chair 10", "chair 9", "Bay"], key=natural_key) == ["Bay", "chair 9", "Chair 10"]
