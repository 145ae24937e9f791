"""A session's ketamine infusion as a FHIR R4 MedicationAdministration, for the session's Bundle.

What the session row holds is what is sent: the medication (RxNorm), the route (SNOMED CT) and
the units (UCUM) come from ``data/medication_codes.csv``; the dose is the planned total, weight x
dose per kg (0.5 mg/kg x 72 kg = 36 mg), the rate that total over the planned minutes (54 mg/h),
both rounded to 0.01 as at check-in; the period runs from the infusion's start to its end. A
session without an infusion start has no administration to report. Rate reductions and pauses
logged during the infusion are not deducted: the dose is the plan, and the text says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import pandas as pd
from fhir.resources.R4B.medicationadministration import MedicationAdministration

from dashboard.core import reference


@cache
def medication_codes() -> dict[str, dict[str, str]]:
    """Concept (``medication``, ``route``, ``dose_unit``, ``rate_unit``) -> its system, code, display."""
    return {row["concept"]: row for row in reference.csv_rows("medication_codes.csv")}


def infusion_administration(session: Mapping[str, object], context: dict, resource_id: str) -> dict | None:
    """The infusion of ``session`` (a sessions row; ``live`` if given) as a validated
    MedicationAdministration about ``context``'s patient and encounter; None without a start."""
    start, end = _time(session.get("infusion_start")), _time(session.get("infusion_end"))
    if start is None:
        return None
    status = "completed" if end is not None else "in-progress" if _flag(session.get("live")) else "unknown"
    period = {"start": start.isoformat(), **({"end": end.isoformat()} if end is not None else {})}
    medication = medication_codes()["medication"]
    resource = {
        "resourceType": "MedicationAdministration",
        "id": resource_id,
        "status": status,
        "medicationCodeableConcept": {"coding": [_coding(medication)], "text": "Ketamine"},
        "subject": context["subject"],
        "context": context["encounter"],
        "effectivePeriod": period,
    }
    dosage = _dosage(session)
    if dosage is not None:
        resource["dosage"] = dosage
    MedicationAdministration.model_validate(resource)
    return resource


def _dosage(session: Mapping[str, object]) -> dict | None:
    """Route, planned total and rate; None when neither total nor rate is known (FHIR mad-1)."""
    weight, per_kg = _number(session.get("weight_kg")), _number(session.get("dose_mg_per_kg"))
    minutes = _number(session.get("planned_minutes"))
    total = round(weight * per_kg, 2) if weight is not None and per_kg is not None else None
    rate = round(total / minutes * 60, 2) if total is not None and minutes else None
    if total is None:
        return None
    text = f"{per_kg:g} mg/kg x {weight:g} kg = {total:g} mg planned"
    dosage = {
        "text": text + (f" over {minutes:g} min" if rate is not None else ""),
        "route": {"coding": [_coding(medication_codes()["route"])]},
        "dose": _quantity(total, "dose_unit"),
    }
    if rate is not None:
        dosage["rateQuantity"] = _quantity(rate, "rate_unit")
    return dosage


def _coding(row: Mapping[str, str]) -> dict:
    return {"system": row["system"], "code": row["code"], "display": row["display"]}


def _quantity(value: float, unit: str) -> dict:
    row = medication_codes()[unit]
    return {"value": value, "unit": row["display"], "system": row["system"], "code": row["code"]}


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _flag(value: object) -> bool:
    return value is not None and not pd.isna(value) and bool(value)


def _time(value: object) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).tz_convert("UTC")
