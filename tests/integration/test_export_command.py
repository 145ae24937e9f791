"""``python -m dashboard export``: the clinic's stored sessions as canonical CSVs that load back and
analyse as the record does, or as one valid FHIR R4 transaction Bundle per session; refusals are
one line and exit 2; no patient id reaches the progress or the logs."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from fhir.resources.R4B.bundle import Bundle

from dashboard.cli import main
from dashboard.cli.export_command import file_names
from dashboard.core.analysis.pipeline import analyse
from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.export import write_dataset
from dashboard.core.interop.fhir import read_fhir
from dashboard.core.loading.loaders import load_dataset
from dashboard.core.model import Dataset
from dashboard.core.simulate import simulate_sessions
from dashboard.core.store import open_store
from tests.factories import T0, events_frame, sessions_frame, steady_vitals, store_dataset


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Dataset:
    """Three infusions of patient P01 (2, 5 and 9 March 2026), a cuff reading every 5 min, as the
    loaders read them (the simulator's impossible values emptied as artifacts)."""
    folder = tmp_path_factory.mktemp("course")
    write_dataset(simulate_sessions(3, seed=4, sample_interval_s=5), folder)
    files = load_dataset(vitals=[folder / "vitals_001.csv"], events=[folder / "events.csv"],
                         sessions=[folder / "sessions.csv"])  # fmt: skip
    return Dataset.of(files.vitals, files.events, files.sessions)


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


def export(url: str, out: Path, *options: str) -> int:
    return main(["export", "--out", str(out), "--database", url, *options])


def summary(dataset: Dataset) -> pd.DataFrame:
    result = analyse(dataset, load_protocol(None)).summary
    return result.sort_values("session_id").reset_index(drop=True)


def test_exported_csvs_load_back_and_analyse_as_the_stored_record(database_url, course, tmp_path, capsys):
    with open_store(database_url) as store:
        store_dataset(store, course)
        record = store.record_dataset(store.recorded_sessions()["session_id"].tolist())
    assert export(database_url, tmp_path / "out") == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "events.csv",
        "sessions.csv",
        "vitals_001.csv",
    ]
    assert capsys.readouterr().out == f"exported 3 sessions to {tmp_path / 'out'}: 3 csv files\n"
    out = tmp_path / "out"
    loaded = load_dataset(
        vitals=[out / "vitals_001.csv"], events=[out / "events.csv"], sessions=[out / "sessions.csv"]
    )
    assert [p for p in loaded.problems if p.level in ("error", "fatal")] == []
    assert len(loaded.vitals) == len(record.vitals) == len(course.vitals)
    pd.testing.assert_frame_equal(summary(loaded), summary(record), check_categorical=False)
    pd.testing.assert_frame_equal(loaded.sessions, record.sessions)


def test_every_session_becomes_one_valid_fhir_transaction_bundle_with_its_infusion(
    database_url, course, tmp_path, capsys
):
    with open_store(database_url) as store:
        store_dataset(store, course, live=("P01-S3",))
        record = store.record_dataset(["P01-S1", "P01-S2", "P01-S3"])
    assert export(database_url, tmp_path, "--format", "fhir") == 0
    assert "(1 not ended yet, exported as they stand)" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["P01-S1.json", "P01-S2.json", "P01-S3.json"]
    for session in course.sessions.to_dict("records"):
        bundle = json.loads((tmp_path / f"{session['session_id']}.json").read_text("utf-8"))
        Bundle.model_validate(bundle)
        assert bundle["type"] == "transaction"
        assert {(e["request"]["method"], e["request"]["url"]) for e in bundle["entry"]} == {
            ("PUT", f"{e['resource']['resourceType']}/{e['resource']['id']}") for e in bundle["entry"]
        }
        kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
        side_effects = course.events.query(
            "session_id == @session['session_id'] and category == 'side_effect'"
        )
        assert (
            kinds.count("AdverseEvent") == len(side_effects) and kinds.count("MedicationAdministration") == 1
        )
        resources = [e["resource"] for e in bundle["entry"]]
        (infusion,) = [r for r in resources if r["resourceType"] == "MedicationAdministration"]
        total = session["weight_kg"] * session["dose_mg_per_kg"]  # 78 kg x 0.5 mg/kg over 40 min
        assert infusion["medicationCodeableConcept"]["coding"][0]["code"] == "6130"
        assert infusion["subject"]["identifier"]["value"] == "P01"
        assert infusion["status"] == "completed"  # P01-S3 is in recovery: its infusion has stopped
        assert infusion["dosage"]["dose"]["value"] == total == 39
        assert infusion["dosage"]["rateQuantity"] == {
            "value": total / session["planned_minutes"] * 60, "unit": "mg/h",
            "system": "http://unitsofmeasure.org", "code": "mg/h",
        }  # fmt: skip
        assert pd.Timestamp(infusion["effectivePeriod"]["start"]) == session["infusion_start"]
        assert pd.Timestamp(infusion["effectivePeriod"]["end"]) == session["infusion_end"]
        back = read_fhir(json.dumps(bundle), "bundle.json").vitals
        stored = record.vitals.loc[record.vitals["session_id"] == session["session_id"]]
        pd.testing.assert_frame_equal(back, stored.reset_index(drop=True), check_categorical=False)


def test_sessions_are_chosen_by_start_day_in_utc_with_the_last_day_included_and_by_patient(
    course, tmp_path, capsys
):
    url = sqlite_url(tmp_path)
    other = steady_vitals("P02-S1", 60, start=pd.Timestamp("2026-03-05T23:59:30Z"))
    with open_store(url) as store:
        store_dataset(store, course)  # P01 on 2, 5 and 9 March
        store_dataset(
            store, Dataset.of(other, sessions=sessions_frame({"session_id": "P02-S1", "patient_id": "P02"}))
        )

    def exported(*options: str) -> list[str]:
        assert export(url, tmp_path / "out", *options) == 0
        return pd.read_csv(tmp_path / "out" / "sessions.csv")["session_id"].tolist()

    assert exported("--since", "2026-03-05", "--until", "2026-03-05") == ["P01-S2", "P02-S1"]
    assert exported("--until", "2026-03-04") == ["P01-S1"]
    assert exported("--since", "2026-03-06") == ["P01-S3"]
    assert exported("--patient", "P02") == ["P02-S1"]
    assert exported() == ["P01-S1", "P01-S2", "P02-S1", "P01-S3"]  # in the order they started


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--since", "2026-02-30"], "error: --since '2026-02-30' is not a date: expected YYYY-MM-DD"),
        (["--until", "5 March"], "error: --until '5 March' is not a date"),
        (["--since", "2026-03-09", "--until", "2026-03-02"], "error: --until 2026-03-02 is before --since"),
        (
            ["--since", "2026-04-01"],
            "error: no stored session to export started on or after 2026-04-01 (UTC)",
        ),
        (["--patient", "P99"], "error: no stored session to export in the store for the patient given"),
    ],
)
def test_a_bad_date_or_an_empty_range_is_refused_in_one_line_with_exit_2(
    options, message, course, tmp_path, capsys
):
    url = sqlite_url(tmp_path)
    with open_store(url) as store:
        store_dataset(store, course)
    assert export(url, tmp_path / "out", *options) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert "P99" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///{tmp}/no-such-store.sqlite3", "error: there is no store at {tmp}/no-such-store.sqlite3"),
        ("not a url", "error: the store URL (--database or DASHBOARD_DATABASE_URL) is not a database URL"),
        ("nosuchdb://clinic/db", "error: cannot open the store at nosuchdb://clinic/db: "),
        ("postgresql://clinic:secret@127.0.0.1:1/clinic", "error: cannot open the store at "),
    ],
)
def test_an_unknown_database_is_refused_in_one_line_and_never_created(url, message, tmp_path, capsys):
    url, message = url.format(tmp=tmp_path), message.format(tmp=tmp_path)
    assert export(url, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert "secret" not in err
    assert sorted(tmp_path.iterdir()) == []


def test_the_exported_csvs_are_formula_safe(tmp_path):
    url = sqlite_url(tmp_path)
    session = sessions_frame({"session_id": "S1", "patient_id": "P01", "chair": "@SUM(A1)"})
    note = events_frame({"session_id": "S1", "timestamp": T0, "event": "nausea", "note": '=HYPERLINK("x")'})
    with open_store(url) as store:
        store_dataset(store, Dataset.of(steady_vitals("S1", 10), note, session))
    assert export(url, tmp_path / "out") == 0
    events = pd.read_csv(tmp_path / "out" / "events.csv", dtype=str)
    sessions = pd.read_csv(tmp_path / "out" / "sessions.csv", dtype=str)
    assert events["note"].tolist() == ['\'=HYPERLINK("x")']
    assert sessions["chair"].tolist() == ["'@SUM(A1)"]


def test_bundle_file_names_are_safe_and_distinct_and_stay_in_the_folder(tmp_path):
    assert file_names(["P01-S1", "../etc/passwd", "a b", "A_B", "..", "x:y"]) == {
        "P01-S1": "P01-S1.json", "../etc/passwd": "etc_passwd.json", "a b": "a_b.json",
        "A_B": "A_B-2.json", "..": "session.json", "x:y": "x_y.json",
    }  # fmt: skip
    url = sqlite_url(tmp_path)
    with open_store(url) as store:
        store_dataset(store, Dataset.of(steady_vitals("../S1", 10), sessions=sessions_frame("../S1")))
    assert export(url, tmp_path / "out", "--format", "fhir") == 0
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["S1.json"]


def test_no_patient_id_reaches_the_progress_the_output_or_the_logs(course, tmp_path, capsys, caplog):
    patient = "PT-70431"
    course = Dataset.of(
        course.vitals.assign(session_id=course.vitals["session_id"].astype(str).str.replace("P01", patient)),
        course.events.assign(session_id=course.events["session_id"].str.replace("P01", patient)),
        course.sessions.assign(
            session_id=course.sessions["session_id"].str.replace("P01", patient), patient_id=patient
        ),
    )
    url = sqlite_url(tmp_path)
    with open_store(url) as store:
        store_dataset(store, course)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy")
    for fmt in ("csv", "fhir"):
        assert export(url, tmp_path / fmt, "--format", fmt, "--patient", patient) == 0
    printed = capsys.readouterr()
    assert "[3/3] bundles written" in printed.err
    assert patient not in printed.err + printed.out
    assert patient not in "\n".join(record.getMessage() for record in caplog.records)


def test_export_has_help_that_says_dates_are_utc_days():
    result = subprocess.run(
        [sys.executable, "-m", "dashboard", "export", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "usage: python -m dashboard export" in result.stdout
    assert "UTC" in result.stdout and "YYYY-MM-DD" in result.stdout
