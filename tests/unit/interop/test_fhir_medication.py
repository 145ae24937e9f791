"""The infusion as a FHIR R4 MedicationAdministration: ketamine (RxNorm), the planned total dose and
rate in UCUM, the infusion's period, and what is left out when the session row lacks it."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationadministration import MedicationAdministration

from dashboard.core.interop.fhir import session_bundle
from dashboard.core.interop.fhir_medication import infusion_administration, medication_codes
from tests.factories import T0, events_frame, sessions_frame, steady_vitals

CONTEXT = {
    "encounter": {"identifier": {"system": "urn:ketamine-dashboard:session", "value": "P01-S1"}},
    "subject": {"identifier": {"system": "urn:ketamine-dashboard:patient", "value": "P01"}},
}
START, END = T0 + pd.Timedelta(minutes=10), T0 + pd.Timedelta(minutes=50)


def session(live: bool | None = None, **changes: object) -> dict:
    """P01-S1's row: 0.5 mg/kg for 72 kg over 40 min, infused from T0 + 10 min to T0 + 50 min;
    ``live`` as ``Store.recorded_sessions`` marks it, if given."""
    row = {"session_id": "P01-S1", "patient_id": "P01", "infusion_start": START, "infusion_end": END,
           "planned_minutes": 40.0, "dose_mg_per_kg": 0.5, "weight_kg": 72.0, **changes}  # fmt: skip
    record = sessions_frame(row).to_dict("records")[0]
    return record if live is None else {**record, "live": live}


def administration(**changes: object) -> dict | None:
    return infusion_administration(session(**changes), CONTEXT, "infusion-1")


def test_the_infusion_is_ketamine_with_its_planned_dose_rate_route_and_period():
    infusion = administration()
    MedicationAdministration.model_validate(infusion)
    assert infusion["status"] == "completed"
    assert infusion["medicationCodeableConcept"]["coding"] == [
        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "6130", "display": "ketamine"}
    ]
    dosage = infusion["dosage"]
    assert dosage["dose"] == {
        "value": 36.0,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }
    assert dosage["rateQuantity"] == {
        "value": 54.0, "unit": "mg/h", "system": "http://unitsofmeasure.org", "code": "mg/h"
    }  # fmt: skip
    assert dosage["route"]["coding"][0]["code"] == "47625008"
    assert dosage["text"] == "0.5 mg/kg x 72 kg = 36 mg planned over 40 min"
    assert infusion["effectivePeriod"] == {"start": START.isoformat(), "end": END.isoformat()}
    assert (infusion["subject"], infusion["context"]) == (CONTEXT["subject"], CONTEXT["encounter"])


def test_every_code_comes_from_the_data_file_with_its_source():
    rows = medication_codes()
    assert set(rows) == {"medication", "route", "dose_unit", "rate_unit"}
    assert all(row["source"] for row in rows.values())


def test_an_infusion_still_running_is_in_progress_and_one_without_an_end_of_unknown_status():
    running = administration(infusion_end=None, live=True)
    assert running["status"] == "in-progress" and running["effectivePeriod"] == {"start": START.isoformat()}
    assert administration(infusion_end=None)["status"] == "unknown"


def test_without_weight_there_is_no_dosage_and_without_planned_minutes_no_rate():
    assert "dosage" not in administration(weight_kg=None)  # FHIR mad-1: a dosage needs a dose or a rate
    no_rate = administration(planned_minutes=None)["dosage"]
    assert no_rate["dose"]["value"] == 36.0 and "rateQuantity" not in no_rate
    assert no_rate["text"] == "0.5 mg/kg x 72 kg = 36 mg planned"


def test_a_session_that_never_started_its_infusion_has_no_administration():
    assert administration(infusion_start=None) is None


@pytest.mark.parametrize("row", [session(), None])
def test_the_session_bundle_is_a_valid_transaction_of_puts_with_the_infusion_when_its_row_is_given(row):
    nausea = events_frame(
        {"session_id": "P01-S1", "timestamp": T0, "event": "nausea", "category": "side_effect"}
    )
    bundle = session_bundle(steady_vitals("P01-S1", 3), nausea, "P01-S1", patient_id="P01", session=row)
    Bundle.model_validate_json(json.dumps(bundle))
    assert bundle["type"] == "transaction"
    assert all(
        entry["request"]
        == {"method": "PUT", "url": f"{entry['resource']['resourceType']}/{entry['resource']['id']}"}
        for entry in bundle["entry"]
    )
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds.count("AdverseEvent") == 1
    assert kinds.count("MedicationAdministration") == (row is not None)
