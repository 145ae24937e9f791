"""CSV and FHIR JSON in one load for the review: the FHIR specification's own examples beside the
sample CSVs, merged into one dataset with one problem list; an unusable file never stops the rest."""

from __future__ import annotations

from dashboard.core.analysis.pipeline import analyse
from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.interop.review_files import is_fhir_json, load_review_files
from dashboard.core.loading.timestamps import LoadSettings
from dashboard.core.settings import SAMPLE_DIR
from tests.paths import REALDATA

FHIR = REALDATA / "fhir-r4-vitals"


def _parts(*paths):
    return [(path.name, path.read_bytes()) for path in paths]


def test_fhir_examples_and_csv_exports_load_as_one_dataset():
    csv = _parts(*sorted(SAMPLE_DIR.glob("*.csv")))
    fhir = _parts(FHIR / "observation-example-satO2.json", FHIR / "observation-example-bloodpressure.json")
    dataset = load_review_files([*csv, *fhir], LoadSettings())
    ids = set(dataset.sessions["session_id"])
    assert "observation-example-satO2" in ids and len(ids) == 48 + 1  # the sample's 48 sessions, and one
    spo2 = dataset.vitals.loc[dataset.vitals["session_id"] == "observation-example-satO2"]
    assert spo2["spo2"].tolist() == [95.0]
    (undated,) = [p for p in dataset.problems if p.file == "observation-example-bloodpressure.json"]
    assert "without a time of day" in undated.message  # dated 2012-09-17 only: refused, said why
    assert len(analyse(dataset, load_protocol(None)).summary) == 49


def test_an_unusable_json_file_is_reported_by_name_and_the_others_still_load():
    parts = [("broken.json", b"{ not json"), *_parts(FHIR / "observation-example-satO2.json")]
    dataset = load_review_files(parts, LoadSettings())
    assert [(p.file, p.level) for p in dataset.problems] == [("broken.json", "fatal")]
    assert "not JSON (Expecting property name enclosed in double quotes: line 1 column 3" in str(
        dataset.problems[0].message
    )
    assert dataset.vitals["spo2"].dropna().tolist() == [95.0]


def test_json_is_told_from_csv_by_its_name_or_its_first_character():
    assert is_fhir_json("export.JSON", b"")
    assert is_fhir_json("from-ehr.txt", b'  {"resourceType": "Bundle"}')
    assert not is_fhir_json("vitals.csv", b"session_id,timestamp,hr\n")
