"""The command line as a user or a script meets it: exit codes, messages, output files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dashboard.cli import main
from tests.paths import REPO

CLEAN_VITALS = """session_id,timestamp,hr,sbp,dbp,map,spo2,rr
S1,2026-03-02T09:00:00Z,72,128,82,97,98,14
S1,2026-03-02T09:00:05Z,73,,,,98,14
S1,2026-03-02T09:00:10Z,74,,,,98,15
"""


@pytest.fixture
def clean_vitals(tmp_path: Path) -> Path:
    path = tmp_path / "clean.csv"
    path.write_text(CLEAN_VITALS)
    return path


def test_validate_clean_file_exits_0_and_prints_nothing(clean_vitals: Path, capsys) -> None:
    assert main(["validate", str(clean_vitals)]) == 0
    assert capsys.readouterr().out == ""


def test_validate_reports_bad_cell_with_file_line_and_column_and_exits_1(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(CLEAN_VITALS.replace("73,,,,98", "fast,,,,98"))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}:3: column hr:" in out


def test_validate_exits_2_when_a_file_cannot_be_used(tmp_path: Path, clean_vitals: Path, capsys) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert main(["validate", str(clean_vitals), str(empty)]) == 2
    assert str(empty) in capsys.readouterr().out


def test_validate_expands_quoted_globs(tmp_path: Path, clean_vitals: Path) -> None:
    (tmp_path / "second.csv").write_text(CLEAN_VITALS.replace("S1", "S2"))
    assert main(["validate", str(tmp_path / "*.csv")]) == 0


def test_alerts_writes_one_row_per_episode_with_required_columns(tmp_path: Path) -> None:
    vitals = tmp_path / "v.csv"
    rows = ["session_id,timestamp,hr,sbp,dbp,map,spo2,rr"]
    rows += [
        f"S1,2026-03-02T09:{m:02d}:00Z,70,{190 if m == 20 else 125},80,95,98,14" for m in range(0, 40, 5)
    ]
    vitals.write_text("\n".join(rows) + "\n")
    out = tmp_path / "alerts.csv"
    assert main(["alerts", "--vitals", str(vitals), "--out", str(out)]) == 0
    alerts = pd.read_csv(out)
    assert {"session_id", "vital", "rule", "priority", "kind", "start", "end", "peak"} <= set(alerts.columns)
    critical = alerts[alerts["rule"] == "sbp_high_critical"]
    assert list(critical["peak"]) == [190]
    assert set(alerts["priority"]) <= {"high", "medium", "low"}
    assert set(alerts["kind"]) <= {"physiological", "technical"}


def test_summarize_writes_one_row_per_session(tmp_path: Path) -> None:
    out_dir = tmp_path / "sim"
    assert main(["simulate", "--sessions", "3", "--seed", "7", "--interval", "5", "--out", str(out_dir)]) == 0
    out = tmp_path / "summary.csv"
    code = main(
        [
            "summarize",
            "--vitals",
            str(out_dir / "vitals_*.csv"),
            "--events",
            str(out_dir / "events.csv"),
            "--sessions",
            str(out_dir / "sessions.csv"),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    summary = pd.read_csv(out)
    assert len(summary) == 3
    assert {"session_id", "baseline_sbp", "peak_sbp", "alerts_high", "side_effects"} <= set(summary.columns)


def test_invalid_protocol_is_one_clear_error_not_a_traceback(
    tmp_path: Path, clean_vitals: Path, capsys
) -> None:
    protocol = tmp_path / "bad.toml"
    protocol.write_text("this is = = not toml")
    code = main(
        ["alerts", "--vitals", str(clean_vitals), "--protocol", str(protocol), "--out", str(tmp_path / "a")]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "command",
    [
        "validate",
        "alerts",
        "summarize",
        "simulate",
        "feed",
        "ingest",
        "hl7-listen",
        "monitor",
        "chair",
        "staff",
        "session",
    ],
)
def test_every_command_has_help(command: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dashboard", command, "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert "usage: python -m dashboard" in result.stdout


def test_validate_does_not_import_the_store_or_hl7_stack(clean_vitals: Path) -> None:
    script = (
        "import sys\n"
        "from dashboard.cli import main\n"
        f"main(['validate', {str(clean_vitals)!r}])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'alembic', 'hl7'}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert result.stdout.strip() == "[]"


def test_monitor_list_shows_a_monitor_waiting_and_assign_brings_its_readings_in(
    tmp_path: Path, capsys
) -> None:
    from dashboard.core.store import open_store
    from tests.factories import vitals_frame

    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    now = pd.Timestamp.now(tz="UTC").floor("s")
    with open_store(url) as store:
        store.hold_readings("CHAIR-3", vitals_frame("", start=now - pd.Timedelta(minutes=2), periods=2))
        store.start_session("S1", user="nurse.a")
    assert main(["monitor", "list", "--database", url]) == 0
    assert "CHAIR-3\tsending, no session: 2 readings held" in capsys.readouterr().out
    assert main(["monitor", "assign", "CHAIR-3", "S1", "--user", "nurse.a", "--database", url]) == 0
    assert capsys.readouterr().out == "CHAIR-3 -> S1: 2 held readings attached\n"
    assert main(["monitor", "assign", "CHAIR-3", "S9", "--user", "nurse.a", "--database", url]) == 2
    assert "session 'S9' is not open" in capsys.readouterr().err
    with open_store(url) as store:
        assert len(store.session_vitals("S1")) == 2


def test_the_first_lead_is_given_the_role_from_the_command_line(tmp_path: Path, capsys) -> None:
    url = ["--database", f"sqlite:///{tmp_path / 'store.db'}"]
    assert main(["staff", "list", *url]) == 0
    assert "no login holds a role yet" in capsys.readouterr().out
    assert main(["staff", "set", "Lead@Clinic.example", "--role", "lead", "--user", "admin", *url]) == 0
    grant = ["--role", "analyst", "--role", "export_identifiable"]
    assert main(["staff", "set", "ana", *grant, "--user", "admin", *url]) == 0
    assert main(["staff", "set", "", "--role", "nurse", "--user", "admin", *url]) == 2
    assert "a login is required" in capsys.readouterr().err
    assert main(["staff", "list", *url]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed == ["ana\tanalyst export_identifiable", "lead@clinic.example\tlead"]


def test_chairs_are_set_up_listed_and_removed_from_the_command_line(tmp_path: Path, capsys) -> None:
    url = ["--database", f"sqlite:///{tmp_path / 'store.sqlite3'}"]
    assert main(["chair", "list", *url]) == 0
    assert "no chair is set up yet" in capsys.readouterr().out
    assert (
        main(
            ["chair", "set", "Chair 3", "--monitor", "CHAIR-3", "--monitor", "VR-1", "--user", "admin", *url]
        )
        == 0
    )
    assert main(["chair", "set", "Chair 4", "--user", "admin", *url]) == 0
    assert main(["chair", "set", "Chair 5", "--monitor", "VR-1", "--user", "admin", *url]) == 2
    assert "monitor 'VR-1' belongs to chair 'Chair 3'" in capsys.readouterr().err
    assert (
        main(["session", "start", "--patient", "P07", "--chair", "Chair 4", "--user", "nurse.a", *url]) == 0
    )
    session_id = capsys.readouterr().out.split()[-1]
    assert main(["chair", "list", *url]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Chair 3\tCHAIR-3, VR-1\tfree",
        f"Chair 4\tcharted by hand\tbusy: session {session_id}",
    ]
    assert main(["chair", "remove", "Chair 3", "--user", "admin", *url]) == 0
    assert main(["chair", "remove", "Chair 3", "--user", "admin", *url]) == 2
    assert "there is no chair 'Chair 3'" in capsys.readouterr().err


def test_session_start_checks_in_prints_the_plan_and_the_new_id_last_and_end_ends_it(
    tmp_path: Path, capsys
) -> None:
    url = ["--database", f"sqlite:///{tmp_path / 'store.sqlite3'}"]
    assert main(["chair", "set", "Chair 1", "--monitor", "CHAIR-1", "--user", "admin", *url]) == 0
    plan = ["--weight-kg", "72", "--dose-mg-per-kg", "0.5", "--planned-minutes", "40", "--indication", "TRD"]
    start = ["session", "start", "--patient", "P07", "--chair", "Chair 1", *plan, "--user", "nurse.a"]
    assert main([*start, *url]) == 0
    out = capsys.readouterr().out
    session_id = out.split()[-1]
    assert session_id.startswith("P07-") and session_id.endswith("-1")
    assert "Infusion 1 of the course" in out and "Rate: 36 mg over 40 min = 54 mg/h" in out
    assert "Monitor CHAIR-1: assigned, 0 held pre-infusion readings attached" in out
    assert main([*start, *url]) == 2
    assert "chair 'Chair 1' is busy" in capsys.readouterr().err
    end = ["session", "end", session_id, "--user", "nurse.a", *url]
    assert main(end) == 2
    assert "has no discharge: record the discharge, or give the reason" in capsys.readouterr().err
    assert main([*end, "--reason", "patient declined the infusion"]) == 0
    assert main([*end, "--reason", "again"]) == 2
    assert (
        main([*start[:-2], "--weight-kg", "720", "--user", "nurse.a", *url]) == 2
    )  # the last --weight-kg wins
    assert "weight 720 kg is outside" in capsys.readouterr().err
