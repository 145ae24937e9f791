"""``python -m dashboard backup`` while the store is written: the copy holds every entry confirmed
before the backup began, restores by copying the file into a data folder, and opens in the app;
and what the backup (``dashboard/core/store/backup.py``) reports and refuses. (The core's tests
are here rather than in ``tests/unit/store/test_backup.py``: pytest needs test files' names unique.)

A writer thread with its own store connection (as ``feed`` or ``hl7-listen`` would be) keeps
adding vitals and side-effect entries while the backup copies a few pages per step. Between
steps the backup waits until the writer has confirmed one more write, so the test also shows that
writers are never held up by a backup in progress.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from dashboard.cli import main
from dashboard.core.store import open_store
from dashboard.core.store.backup import (
    BackupError,
    backup_store,
    check_backup,
    current_head,
    pg_dump_command,
    source_path,
)
from dashboard.core.store.engine import create_store_engine
from dashboard.core.store.schema import upgrade
from tests.factories import T0, steady_vitals, vitals_frame
from tests.live_app import AUDIT, CHAIRS, open_app
from tests.paths import REPO

WAIT_S = 20  # how long a step may wait for the writer's next confirmed write
PASSWORD = "s3cr@t-pw"


class Writer(threading.Thread):
    """Adds a vitals row, then an entry, then a vitals row ... to ``session_id``, each its own
    transaction, and keeps what each write confirmed (``("vitals", time)`` or ``("event", id)``)
    in the order they were confirmed."""

    def __init__(self, url: str, session_id: str) -> None:
        super().__init__(daemon=True)
        self.url, self.session_id = url, session_id
        self.confirmed: list[tuple[str, object]] = []
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with open_store(self.url) as store:
                k = 0
                while not self.stopping.is_set():
                    at = T0 + pd.Timedelta(hours=1, seconds=k)
                    if k % 2 == 0:
                        store.add_vitals(vitals_frame(self.session_id, start=at, hr=[80.0]), user="monitor")
                        done = ("vitals", at)
                    else:
                        done = ("event", store.add_event(self.session_id, at, "nausea", user="nurse.b"))
                    with self.changed:
                        self.confirmed.append(done)
                        self.changed.notify_all()
                    k += 1
        except BaseException as error:  # seen by the test, not lost in the thread
            self.error = error
            with self.changed:
                self.changed.notify_all()

    def so_far(self) -> list[tuple[str, object]]:
        with self.changed:
            return list(self.confirmed)

    def wait_for(self, n: int) -> None:
        with self.changed:
            ok = self.changed.wait_for(lambda: len(self.confirmed) >= n or self.error, timeout=WAIT_S)
        assert self.error is None, self.error
        assert ok, f"the writer confirmed nothing new for {WAIT_S} s while the backup ran: it was blocked"


@pytest.fixture
def live_url(tmp_path: Path) -> str:
    """A clinic store in use: one session with 20,000 vitals rows and an entry, one being written."""
    folder = tmp_path / "live"
    folder.mkdir()
    url = f"sqlite:///{folder / 'store.sqlite3'}"
    with open_store(url) as store:
        for session_id, chair in (("P01-S1", "Chair 1"), ("P02-S1", "Chair 2")):
            store.start_session(session_id, user="nurse.a", patient_id=session_id[:3], chair=chair,
                                planned_minutes=40, infusion_start=T0)  # fmt: skip
        store.add_vitals(steady_vitals("P01-S1", 20_000), user="monitor")
        store.add_event("P01-S1", T0, "dizziness", user="nurse.a", severity="mild")
    return url


def restored(backup: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The README's restore: the backup copied to ``store.sqlite3`` of a data folder the app uses."""
    folder.mkdir()
    shutil.copyfile(backup, folder / "store.sqlite3")
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(folder))
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)
    return folder


def test_backup_during_writes_restores_every_entry_confirmed_before_it_and_opens_in_the_app(
    live_url, tmp_path, monkeypatch
):
    writer = Writer(live_url, "P02-S1")
    writer.start()
    writer.wait_for(20)
    before = writer.so_far()  # confirmed before the backup began
    steps: list[int] = []

    def step(copied: int, total: int) -> None:
        steps.append(len(writer.so_far()))
        assert len(steps) < 2_000, "the copy keeps starting over as the writer commits"
        if copied < total:
            writer.wait_for(steps[-1] + 1)  # a write commits while the copy holds its snapshot

    try:
        report = backup_store(tmp_path / "backup.sqlite3", live_url, pages_per_step=16, progress=step)
    finally:
        writer.stopping.set()
        writer.join(timeout=WAIT_S)
    assert writer.error is None
    assert len(steps) >= 10 and steps[-1] >= steps[0] + len(steps) - 1  # writes went on during the copy

    assert check_backup(tmp_path / "backup.sqlite3").problems == []
    restored(report.path, tmp_path / "restored", monkeypatch)
    with open_store() as store:  # as the app opens it, from DASHBOARD_DATA_DIR
        events = store.session_events("P02-S1", history=True)
        vitals = store.session_vitals("P02-S1")
        audit = store.audit_log()
        sessions = store.sessions()
    kept = {("event", id_) for id_ in events["id"]} | {("vitals", at) for at in vitals["timestamp"]}
    assert [done for done in before if done not in kept] == []
    # the snapshot is one moment: every entry with its audit row, nothing written after it began
    assert set(events["id"]) == set(audit.loc[audit["session_id"] == "P02-S1", "entity_id"]) - {"P02-S1"}
    after = writer.so_far()[steps[0] + 2 :]  # begun after the first step had started
    assert after and [done for done in after if done in kept] == []
    assert len(sessions) == 2
    assert report.counts == {"sessions": 2, "vitals rows": 20_000 + len(vitals),
                             "entries": 1 + len(events), "audit rows": len(audit)}  # fmt: skip

    at = open_app(AUDIT)
    log = next(df.value for df in at.dataframe if "action" in df.value.columns)
    assert {id_ for kind, id_ in before if kind == "event"} <= set(log["entity_id"])
    at.switch_page(CHAIRS).run()
    assert not at.exception


def test_backup_command_prints_what_it_copied_and_check_reads_it_back(live_url, tmp_path, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "backup.sqlite3"
    assert main(["backup", "--out", str(out), "--database", live_url]) == 0
    printed = capsys.readouterr()
    lines = printed.out.splitlines()
    assert lines[0].startswith("Backed up as of ") and lines[0].endswith(" s")
    assert lines[1].startswith(f"{out}: sessions 2, vitals rows 20,000, entries 1, audit rows 3; ")
    assert lines[2].startswith("integrity ok; schema revision ") and lines[2].endswith("(current)")
    assert main(["backup", "--check", str(out)]) == 0
    assert capsys.readouterr().out.splitlines() == lines[1:]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert [p for p in ("P01", "P02") if p in printed.out + printed.err + logged] == []


def test_backup_command_refuses_with_one_line_and_exit_2(live_url, tmp_path, capsys, monkeypatch):
    out = tmp_path / "backup.sqlite3"
    out.write_text("keep me")
    assert main(["backup", "--out", str(out), "--database", live_url]) == 2
    assert capsys.readouterr().err == f"error: {out} exists: give another name, or --force to replace it\n"
    assert main(["backup", "--out", str(out), "--force", "--database", live_url]) == 0
    capsys.readouterr()

    monkeypatch.setenv("DASHBOARD_DATABASE_URL", "postgresql://dash:hunter2@db.clinic:5432/clinic")
    assert main(["backup", "--out", "clinic.dump"]) == 2
    refused = capsys.readouterr()
    assert refused.out == "" and refused.err.count("\n") == 1 and "hunter2" not in refused.err
    pg_dump = "pg_dump --format=custom --file=clinic.dump --host=db.clinic --port=5432 --username=dash"
    assert refused.err.endswith(f": {pg_dump} --dbname=clinic\n")

    assert (
        main(["backup", "--out", str(tmp_path / "x.sqlite3"), "--database", "sqlite:////nowhere/s.db"]) == 2
    )
    assert (
        capsys.readouterr().err
        == "error: no store at /nowhere/s.db: give its --database URL, or set DASHBOARD_DATA_DIR\n"
    )
    assert not Path("/nowhere").exists()


def test_check_of_a_damaged_backup_exits_1_with_the_problem(live_url, tmp_path, capsys):
    out = tmp_path / "backup.sqlite3"
    backup_store(out, live_url)
    data = bytearray(out.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 8192] = b"\x00" * 8192
    out.write_bytes(bytes(data))
    assert main(["backup", "--check", str(out)]) == 1
    printed = capsys.readouterr()
    assert "integrity check FAILED" in printed.out and printed.err.startswith("problem: integrity check: ")


def test_backup_help_names_both_uses():
    command = [sys.executable, "-m", "dashboard", "backup", "--help"]
    result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO)
    assert "--out FILE" in result.stdout and "--check FILE" in result.stdout and "--force" in result.stdout


def test_the_pg_dump_line_given_backs_up_a_postgresql_store_that_pg_restore_brings_back(
    postgresql_server, tmp_path, capsys
):
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump / pg_restore not on PATH")
    url = postgresql_server.create_database()
    with open_store(url) as store:
        store.start_session("P01-S1", user="nurse.a", patient_id="P01", chair="Chair 1")
        store.add_event("P01-S1", T0, "nausea", user="nurse.a", severity="mild")
    dump = tmp_path / "clinic.dump"
    assert main(["backup", "--out", str(dump), "--database", url]) == 2
    command = capsys.readouterr().err.rstrip("\n").split("~/.pgpass): ", 1)[1]
    subprocess.run(command, shell=True, check=True, capture_output=True)  # as an admin pastes it
    target = postgresql_server.create_database()
    database = target.rsplit("/", 1)[1]
    subprocess.run(
        ["pg_restore", "--no-owner", f"--host={postgresql_server.host}", f"--port={postgresql_server.port}",
         "--username=postgres", f"--dbname={database}", str(dump)],
        check=True, capture_output=True,
    )  # fmt: skip
    with open_store(target) as store:
        assert store.session_events("P01-S1")["event"].tolist() == ["nausea"]
        assert set(store.audit_log()["action"]) == {"session_started", "event_added"}


# --- the core: what a backup holds and reports, what it refuses ---------------------------------


@pytest.fixture
def small_url(tmp_path: Path) -> str:
    """A store with one session: 2,000 vitals rows, two entries."""
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    with open_store(url) as store:
        store.start_session("P01-S1", user="nurse.a", patient_id="P01", chair="Chair 1")
        store.add_vitals(steady_vitals("P01-S1", 2_000), user="monitor")
        store.add_event("P01-S1", T0, "nausea", user="nurse.a", severity="mild")
        store.add_event("P01-S1", T0, "note", user="nurse.a", note="asked for water")
    return url


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial" in p.name)


def test_backup_copies_the_store_to_one_checked_file_and_reports_what_it_holds(small_url, tmp_path):
    out = tmp_path / "backups" / "store-copy.sqlite3"
    out.parent.mkdir()
    report = backup_store(out, small_url)
    assert report.path == out and out.is_file()
    assert report.counts == {"sessions": 1, "vitals rows": 2_000, "entries": 2, "audit rows": 3}
    assert (report.integrity, report.revision, report.problems) == (["ok"], current_head(), [])
    assert report.size_bytes == out.stat().st_size and report.seconds >= 0
    assert out.read_bytes()[18:20] == b"\x01\x01"  # a rollback-journal file: nothing needed beside it
    assert sorted(p.name for p in out.parent.iterdir()) == ["store-copy.sqlite3"]
    checked = check_backup(out)
    assert (checked.counts, checked.problems) == (report.counts, [])
    assert any("integrity ok; schema revision" in line and "(current)" in line for line in checked.lines())


def test_an_existing_file_is_refused_and_kept_unless_forced(small_url, tmp_path):
    out = tmp_path / "copy.sqlite3"
    out.write_text("last week's backup")
    with pytest.raises(BackupError, match="exists: give another name, or --force"):
        backup_store(out, small_url)
    assert out.read_text() == "last week's backup"
    assert backup_store(out, small_url, force=True).counts["sessions"] == 1
    assert leftovers(tmp_path) == []


def test_the_store_itself_is_never_the_destination_even_forced(small_url, tmp_path):
    with pytest.raises(BackupError, match="is the store itself"):
        backup_store(tmp_path / "store.sqlite3", small_url, force=True)
    with open_store(small_url) as store:
        assert len(store.sessions()) == 1


def test_a_missing_destination_folder_is_refused(small_url, tmp_path):
    with pytest.raises(BackupError, match="does not exist"):
        backup_store(tmp_path / "no-such-folder" / "copy.sqlite3", small_url)


@pytest.mark.parametrize(
    "store_url",
    [
        f"postgresql+psycopg://clinic:{PASSWORD.replace('@', '%40')}@db.clinic.local:5433/ketamine",
        "postgres://clinic:s3cret-pw@db.clinic.local:5433/ketamine",
    ],
)
def test_a_postgresql_store_is_refused_with_the_pg_dump_line_and_no_password(
    store_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", store_url)
    with pytest.raises(BackupError) as refused:
        backup_store(tmp_path / "clinic.dump", None)
    message = str(refused.value)
    assert "\n" not in message
    assert (
        f"pg_dump --format=custom --file={tmp_path / 'clinic.dump'} --host=db.clinic.local --port=5433 "
        "--username=clinic --dbname=ketamine"
    ) in message
    assert "s3cr" not in message and "%40" not in message
    assert list(tmp_path.iterdir()) == []


def test_a_postgresql_url_with_an_unencoded_at_in_its_password_shows_none_of_it(tmp_path):
    with pytest.raises(BackupError) as refused:
        backup_store(tmp_path / "clinic.dump", "postgresql://clinic:s3cr@t-pw@db.clinic.local/ketamine")
    assert "write it as %40" in str(refused.value) and "t-pw" not in str(refused.value)


def test_pg_dump_line_takes_a_socket_folder_and_quotes_what_the_shell_would_split():
    line = pg_dump_command("postgresql+psycopg://app@/clinic db?host=/run/postgresql", "my dump")
    expected = (
        "pg_dump --format=custom '--file=my dump' --host=/run/postgresql --username=app '--dbname=clinic db'"
    )
    assert line == expected


def test_a_store_that_is_not_there_is_refused_and_not_created(tmp_path, monkeypatch):
    missing = tmp_path / "elsewhere" / "store.sqlite3"
    with pytest.raises(BackupError, match=f"no store at {missing}"):
        backup_store(tmp_path / "copy.sqlite3", f"sqlite:///{missing}")
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)
    with pytest.raises(BackupError, match="no store at"):
        source_path()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_file_that_is_not_a_store_is_refused_and_left_as_it_was(tmp_path):
    notes = tmp_path / "notes.sqlite3"
    notes.write_text("not a database")
    with pytest.raises(BackupError, match="file is not a database"):
        backup_store(tmp_path / "copy.sqlite3", f"sqlite:///{notes}")
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(BackupError, match="is not a session store"):
        backup_store(tmp_path / "copy.sqlite3", f"sqlite:///{other}")
    assert other.read_bytes()[18:20] == b"\x01\x01"  # not switched to WAL
    with pytest.raises(BackupError, match="is not a session store"):
        check_backup(other)
    with pytest.raises(BackupError, match="no such file"):
        check_backup(tmp_path / "missing.sqlite3")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite3", "other.sqlite3"]


def test_a_backup_that_fails_midway_leaves_nothing_under_the_name(small_url, tmp_path):
    def power_cut(copied: int, total: int) -> None:
        if copied > total // 2:
            raise OSError("disk full")

    with pytest.raises(BackupError, match="disk full; nothing written under copy.sqlite3"):
        backup_store(tmp_path / "copy.sqlite3", small_url, pages_per_step=4, progress=power_cut)
    assert not (tmp_path / "copy.sqlite3").exists() and leftovers(tmp_path) == []


def test_check_reports_a_damaged_backup_as_problems(small_url, tmp_path):
    out = tmp_path / "copy.sqlite3"
    backup_store(out, small_url)
    data = bytearray(out.read_bytes())
    page = 4096
    data[-8 * page : -4 * page] = b"\xff" * (4 * page)  # vitals pages, past the schema on page 1
    out.write_bytes(bytes(data))
    report = check_backup(out)
    assert report.integrity != ["ok"] and report.problems[0].startswith("integrity check: ")
    assert "integrity check FAILED" in report.lines()[1]


def test_an_older_backup_is_sound_and_said_to_be_migrated_on_start(tmp_path):
    old = tmp_path / "old.sqlite3"
    engine = create_store_engine(f"sqlite:///{old}")
    upgrade(engine, "0007")
    engine.dispose()
    report = check_backup(old)
    assert (report.revision, report.problems) == ("0007", [])
    assert "older than" in report.lines()[1] and "the app migrates it on start" in report.lines()[1]


def test_a_backup_from_a_newer_version_is_a_problem(small_url, tmp_path):
    out = tmp_path / "copy.sqlite3"
    backup_store(out, small_url)
    engine = create_store_engine(f"sqlite:///{out}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    out.with_name("copy.sqlite3-wal").unlink(missing_ok=True)
    problems = check_backup(out).problems
    assert len(problems) == 1 and "schema revision 9999 is not one this version" in problems[0]


def test_entries_written_after_the_backup_are_not_in_it(small_url, tmp_path):
    out = tmp_path / "copy.sqlite3"
    backup_store(out, small_url)
    with open_store(small_url) as store:
        store.add_event("P01-S1", pd.Timestamp.now(tz="UTC"), "note", user="nurse.a", note="later")
    assert check_backup(out).counts["entries"] == 2
