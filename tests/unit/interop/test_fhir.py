"""FHIR R4 export of a session and import of vital-signs Observations, as an EHR would exchange them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from fhir.resources.R4B.bundle import Bundle

from dashboard.core.interop.fhir import read_fhir, session_bundle
from dashboard.core.model import EVENT_COLUMNS, VITALS_COLUMNS, conform
from dashboard.core.problems import UnusableFileError
from dashboard.core.store import open_store
from tests.paths import REALDATA as SHARED_REALDATA

REALDATA = SHARED_REALDATA / "fhir-r4-vitals"
T0 = pd.Timestamp("2026-03-02T09:00:00.250000Z")


def session_vitals() -> pd.DataFrame:
    """Ten seconds at 1 Hz, one full cuff reading, one without a diastolic, one mean pressure alone."""
    times = T0 + pd.to_timedelta(np.arange(10), unit="s")
    frame = pd.DataFrame(
        {
            "session_id": "P01-S1",
            "timestamp": times,
            "hr": 70 + np.arange(10) * 0.5,
            "spo2": [98, 97, 97, 96, 98, 99, 97, 98, 98, 97],
            "rr": [14, 14, 15, 15, 14, np.nan, 13, 14, 16, 15],
        }
    )
    frame.loc[2, ["sbp", "dbp", "map"]] = [128, 82, 97.3]
    frame.loc[6, ["sbp"]] = [141]
    frame.loc[8, ["map"]] = [95]
    return conform(frame, VITALS_COLUMNS)


def session_events() -> pd.DataFrame:
    return conform(
        pd.DataFrame(
            {
                "session_id": "P01-S1",
                "timestamp": [T0 + pd.Timedelta(minutes=m) for m in (5, 6, 7)],
                "event": ["nausea", "ondansetron", "dissociation"],
                "category": ["side_effect", "intervention", "side_effect"],
                "severity": ["moderate", None, "severe"],
                "note": ["asked for a bowl", "4 mg IV", None],
            }
        ),
        EVENT_COLUMNS,
    )


def exported(vitals=None, events=None) -> dict:
    vitals = session_vitals() if vitals is None else vitals
    return session_bundle(vitals, session_events() if events is None else events, "P01-S1", patient_id="P01")


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def real(name: str) -> bytes:
    return (REALDATA / name).read_bytes()


def test_export_then_import_gives_the_same_vitals():
    vitals = session_vitals()
    back = read_fhir(json.dumps(exported(vitals)), "export.json")
    pd.testing.assert_frame_equal(back.vitals, vitals)
    assert [p for p in back.problems if p.level == "error"] == []


def test_a_stored_session_survives_the_round_trip_on_every_backend(database_url):
    with open_store(database_url) as store:
        store.start_session("P01-S1", user="nurse.a", patient_id="P01")
        store.add_vitals(session_vitals(), user="monitor")
        stored = store.session_vitals("P01-S1")
        bundle = session_bundle(stored, store.session_events("P01-S1"), "P01-S1", patient_id="P01")
    back = read_fhir(json.dumps(bundle), "export.json")
    pd.testing.assert_frame_equal(back.vitals, stored)


def test_side_effects_travel_as_adverse_events_and_come_back():
    bundle = exported()
    adverse = resources(bundle, "AdverseEvent")
    assert [a["event"]["coding"][0]["code"] for a in adverse] == ["nausea", "dissociation"]
    back = read_fhir(json.dumps(bundle), "export.json").events
    assert back[["event", "category", "severity", "note"]].astype(object).where(
        back.notna(), None
    ).values.tolist() == [
        ["nausea", "side_effect", "moderate", "asked for a bowl"],
        ["dissociation", "side_effect", "severe", None],
    ]
    assert back["timestamp"].tolist() == [T0 + pd.Timedelta(minutes=5), T0 + pd.Timedelta(minutes=7)]


def test_blood_pressure_is_one_panel_with_loinc_components_in_mm_hg():
    panels = [o for o in resources(exported(), "Observation") if o["code"]["coding"][0]["code"] == "85354-9"]
    assert len(panels) == 2
    full = panels[0]["component"]
    assert [c["code"]["coding"][0]["code"] for c in full] == ["8480-6", "8462-4", "8478-0"]
    assert [c["valueQuantity"]["value"] for c in full] == [128, 82, 97.3]
    assert {(c["valueQuantity"]["system"], c["valueQuantity"]["code"]) for c in full} == {
        ("http://unitsofmeasure.org", "mm[Hg]")
    }
    without_diastolic = panels[1]["component"]
    assert [c["code"]["coding"][0]["code"] for c in without_diastolic] == ["8480-6", "8462-4"]
    assert "valueQuantity" not in without_diastolic[1] and "dataAbsentReason" in without_diastolic[1]


def test_each_vital_has_its_vital_signs_code_unit_and_profile():
    observations = resources(exported(), "Observation")
    by_code = {o["code"]["coding"][0]["code"]: o for o in observations}
    assert by_code["8867-4"]["valueQuantity"]["code"] == "/min"
    assert by_code["9279-1"]["valueQuantity"]["code"] == "/min"
    assert by_code["2708-6"]["valueQuantity"]["code"] == "%"
    assert by_code["2708-6"]["meta"]["profile"] == ["http://hl7.org/fhir/StructureDefinition/oxygensat"]
    assert by_code["8478-0"]["valueQuantity"]["value"] == 95  # a mean pressure measured alone
    assert all(o["category"][0]["coding"][0]["code"] == "vital-signs" for o in observations)
    assert all(o["subject"]["identifier"]["value"] == "P01" for o in observations)
    assert len(observations) == 10 + 10 + 9 + 1 + 2  # hr, spo2, rr (one missing), map alone, 2 panels


def test_the_exported_bundle_is_valid_fhir():
    Bundle.model_validate_json(json.dumps(exported()))


def test_an_offset_on_the_time_becomes_utc():
    data = read_fhir(real("observation-example-satO2.json"), "satO2.json", session_id="S1")
    assert data.vitals[["session_id", "timestamp", "spo2"]].values.tolist() == [
        ["S1", pd.Timestamp("2014-12-05T08:30:10Z"), 95]
    ]


def test_a_time_of_day_without_its_offset_is_refused_as_fhir_requires():
    resource = json.loads(real("observation-example-heart-rate.json"))
    resource["effectiveDateTime"] = "2026-03-02T10:00:00"
    data = read_fhir(json.dumps(resource), "hr.json")
    assert data.vitals.empty
    assert [(p.column, p.level) for p in data.problems] == [("effectiveDateTime", "error")]


def test_a_date_without_a_time_of_day_is_refused_with_the_reason():
    data = read_fhir(real("observation-example-heart-rate.json"), "hr.json")
    assert data.vitals.empty
    (problem,) = data.problems
    assert (problem.column, problem.level) == ("effectiveDateTime", "error")
    assert "1999-07-02" in problem.message and "time of day" in problem.message


def test_a_diastolic_with_a_data_absent_reason_is_missing_and_the_systolic_kept():
    resource = json.loads(real("observation-example-bloodpressure-dar.json"))
    resource["effectiveDateTime"] = "2012-09-17T10:15:00+02:00"
    data = read_fhir(json.dumps(resource), "bp.json")
    assert data.vitals["sbp"].tolist() == [107]
    assert data.vitals["dbp"].isna().all()
    assert [(p.column, p.level) for p in data.problems] == [("component[1].dataAbsentReason", "warning")]


def test_a_cancelled_observation_brings_no_values():
    resource = json.loads(real("observation-example-bloodpressure-cancel.json"))
    resource["effectiveDateTime"] = "2012-09-17T10:15:00Z"
    data = read_fhir(json.dumps(resource), "bp.json")
    assert data.vitals.empty
    assert [(p.column, p.level) for p in data.problems] == [("status", "warning")]
    assert "cancelled" in data.problems[0].message


def test_a_bundle_of_every_real_example_keeps_what_it_can_and_names_each_entry_left_out():
    names = sorted(p.name for p in REALDATA.glob("observation-example-*.json"))
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": json.loads(real(name))} for name in names],
    }
    data = read_fhir(json.dumps(bundle), "ehr.json", session_id="S1")
    assert data.vitals["spo2"].tolist() == [95]
    left_out = {p.column.split(".")[0] for p in data.problems}
    assert left_out == {f"entry[{i}]" for i in range(len(names)) if "satO2" not in names[i]}


def test_observations_that_are_not_vitals_are_reported_not_imported():
    for name in ("observation-example-sample-data.json", "observation-example-vitals-panel.json"):
        data = read_fhir(real(name), name)
        assert data.vitals.empty
        assert [(p.column, p.level) for p in data.problems] == [("code", "warning")]


def test_an_invalid_observation_is_refused_with_what_is_wrong():
    resource = json.loads(real("observation-example-satO2.json"))
    resource["status"] = ["final"]
    data = read_fhir(json.dumps(resource), "bad.json")
    assert data.vitals.empty
    assert [(p.column, p.level) for p in data.problems] == [("status", "error")]


@pytest.mark.parametrize("text", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_a_file_that_is_not_fhir_json_is_unusable(text):
    with pytest.raises(UnusableFileError):
        read_fhir(text, "x.json")
