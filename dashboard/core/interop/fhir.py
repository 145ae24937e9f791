"""FHIR R4 for the EHR: a session as a Bundle of vital-signs Observations and side effects, and back.

Export follows the R4 vital-signs profiles: LOINC codes and UCUM units from
``data/loinc_codes.csv``, blood pressure as one 85354-9 panel per cuff reading with systolic,
diastolic and mean components, side effects as AdverseEvent, the infusion as a
MedicationAdministration (``fhir_medication``). The Bundle is a transaction whose entries are
PUTs to each resource's own id, derived from the session, so sending a session twice updates it
rather than duplicating it. It is validated with ``fhir.resources`` (its ``R4B`` models:
Observation, AdverseEvent, MedicationAdministration and Bundle are unchanged from R4 4.0.1, and
fhir.resources >= 7 ships no 4.0.1 package).

Import takes Observations alone or in a Bundle, as EHRs send them: the time's offset (which
FHIR requires with a time of day) is turned into UTC; a component with a
dataAbsentReason is a missing value; a cancelled or entered-in-error Observation carries no
values. An Observation dated without a time of day cannot be placed on a session's timeline,
so it is refused with a reason rather than put at midnight.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping

import pandas as pd
from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from pydantic import ValidationError

from dashboard.core.interop.codes import loinc_codes, mdc_codes, units, usable_statuses
from dashboard.core.interop.fhir_medication import infusion_administration
from dashboard.core.loading.columns import IGNORE
from dashboard.core.loading.timestamps import LoadSettings, parse_timestamps
from dashboard.core.model import (
    EVENT_COLUMNS,
    VITALS,
    VITALS_COLUMNS,
    Dataset,
    conform,
    empty_frame,
)
from dashboard.core.problems import Problem, UnusableFileError
from dashboard.core.vocabulary import canonical_events, vocabulary

LOINC = "http://loinc.org"
MDC = "urn:iso:std:iso:11073:10101"
UCUM = "http://unitsofmeasure.org"
VITAL_SIGNS_CATEGORY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "vital-signs",
            "display": "Vital Signs",
        }
    ]
}
SEVERITY_SYSTEM = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
DATA_ABSENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
# Our own identifiers: the session (as the Observation's encounter), the patient, the event name.
SESSION_SYSTEM = "urn:ketamine-dashboard:session"
PATIENT_SYSTEM = "urn:ketamine-dashboard:patient"
EVENT_SYSTEM = "urn:ketamine-dashboard:event"
BP_PANEL = "bp_panel"
BP_PARTS: tuple[str, ...] = ("sbp", "dbp", "map")
_ID_NAMESPACE = uuid.UUID("4f7c1a52-3e0b-4d7e-9a51-2b8c6c1e0a11")
_READING_COLUMNS = ("session_id", "timestamp", "vital", "value")


# --- export ------------------------------------------------------------------------------------


def session_bundle(
    vitals: pd.DataFrame,
    events: pd.DataFrame,
    session_id: str,
    patient_id: str | None = None,
    session: Mapping[str, object] | None = None,
) -> dict:
    """One session's vitals, side effects and (given its ``session`` row) infusion as a validated
    FHIR R4 ``transaction`` Bundle (JSON-ready)."""
    rows = vitals.loc[vitals["session_id"] == session_id]
    context = {"encounter": {"identifier": {"system": SESSION_SYSTEM, "value": session_id}}}
    context["subject"] = (
        {"identifier": {"system": PATIENT_SYSTEM, "value": patient_id}}
        if patient_id
        else {"display": "patient not recorded"}
    )
    resources = [*_single_observations(rows, context), *_bp_panels(rows, context)]
    side_effects = events.loc[(events["session_id"] == session_id) & (events["category"] == "side_effect")]
    resources += [_adverse_event(event, context) for event in side_effects.to_dict("records")]
    infusion_id = str(uuid.uuid5(_ID_NAMESPACE, f"{session_id}|infusion"))
    infusion = infusion_administration(session, context, infusion_id) if session is not None else None
    resources += [infusion] if infusion is not None else []
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{r['id']}",
                "resource": r,
                "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
            }
            for r in resources
        ],
    }
    Bundle.model_validate(bundle)
    return bundle


def _single_observations(rows: pd.DataFrame, context: dict) -> Iterator[dict]:
    """HR, SpO2, RR, and a mean pressure measured without systolic and diastolic."""
    map_alone = rows["sbp"].isna() & rows["dbp"].isna()
    alone = rows.assign(map=rows["map"].where(map_alone))
    long = alone.melt(id_vars=["timestamp"], value_vars=["hr", "spo2", "rr", "map"], var_name="vital")
    for reading in long.dropna(subset=["value"]).to_dict("records"):
        codes = _export_codes(reading["vital"])
        yield {
            **_observation_head(codes, reading["timestamp"], reading["vital"], context),
            "valueQuantity": _quantity(codes[0], reading["value"]),
        }


def _bp_panels(rows: pd.DataFrame, context: dict) -> Iterator[dict]:
    """One 85354-9 panel per cuff reading; a missing systolic or diastolic is marked absent."""
    cuff = rows.loc[rows["sbp"].notna() | rows["dbp"].notna(), ["timestamp", *BP_PARTS]]
    panel = _export_codes(BP_PANEL)
    for reading in cuff.to_dict("records"):
        parts = [vital for vital in BP_PARTS if vital != "map" or pd.notna(reading["map"])]
        yield {
            **_observation_head(panel, reading["timestamp"], BP_PANEL, context),
            "component": [_component(vital, reading[vital]) for vital in parts],
        }


def _component(vital: str, value: float) -> dict:
    codes = _export_codes(vital)
    code = {"coding": [_coding(c) for c in codes], "text": codes[0].display}
    if pd.isna(value):
        return {
            "code": code,
            "dataAbsentReason": {"coding": [{"system": DATA_ABSENT_SYSTEM, "code": "unknown"}]},
        }
    return {"code": code, "valueQuantity": _quantity(codes[0], value)}


def _observation_head(codes: list, timestamp: pd.Timestamp, vital: str, context: dict) -> dict:
    moment = timestamp.isoformat()
    return {
        "resourceType": "Observation",
        "id": str(
            uuid.uuid5(_ID_NAMESPACE, f"{context['encounter']['identifier']['value']}|{vital}|{moment}")
        ),
        "meta": {"profile": [codes[0].profile]},
        "status": "final",
        "category": [VITAL_SIGNS_CATEGORY],
        "code": {"coding": [_coding(c) for c in codes], "text": codes[0].display},
        **context,
        "effectiveDateTime": moment,
    }


def _adverse_event(event: dict, context: dict) -> dict:
    term = vocabulary().get(event["event"])
    label = term.label if term else event["event"]
    resource = {
        "resourceType": "AdverseEvent",
        "id": str(uuid.uuid5(_ID_NAMESPACE, f"{event['session_id']}|{event['event']}|{event['timestamp']}")),
        "actuality": "actual",
        "event": {
            "coding": [{"system": EVENT_SYSTEM, "code": event["event"], "display": label}],
            "text": event["note"] if isinstance(event["note"], str) and event["note"] else label,
        },
        **context,
        "date": event["timestamp"].isoformat(),
    }
    if isinstance(event["severity"], str):
        resource["severity"] = {"coding": [{"system": SEVERITY_SYSTEM, "code": event["severity"]}]}
    AdverseEvent.model_validate(resource)
    return resource


def _export_codes(vital: str) -> list:
    return [code for code in loinc_codes().values() if code.vital == vital and code.export]


def _coding(code) -> dict:
    return {"system": LOINC, "code": code.code, "display": code.display}


def _quantity(code, value: float) -> dict:
    return {"value": float(value), "unit": code.unit_display, "system": UCUM, "code": code.unit}


# --- import ------------------------------------------------------------------------------------


def read_fhir(data: bytes | str, file: str, session_id: str | None = None) -> Dataset:
    """Vital-signs Observations and side effects (AdverseEvent) of a FHIR R4 JSON resource or Bundle.

    The session is the one our export names (Observation.encounter), else ``session_id``, else
    the file's name without extension.
    """
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise UnusableFileError(
            file, f"not JSON ({error})", "a FHIR R4 Observation or Bundle in JSON"
        ) from error
    if not isinstance(document, dict) or "resourceType" not in document:
        raise UnusableFileError(file, "no resourceType", "a FHIR R4 Observation or Bundle in JSON")
    default_session = session_id or re.sub(r"\.[^.]*$", "", file.replace("\\", "/").rsplit("/", 1)[-1])
    readings, events, problems = [], [], []
    for path, resource in _resources(document):
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        where = f"{path}{'.' if path else ''}"
        session = _session_of(resource, default_session) if kind else default_session
        if kind == "Observation":
            rows, found = _observation_readings(resource, file, where, session)
            readings += rows
            problems += found
        elif kind == "AdverseEvent":
            row, found = _event_row(resource, file, where, session)
            events += [row] if row else []
            problems += found
        else:
            problems.append(
                _problem(file, path or "resourceType", f"{kind} not imported", "Observation", "warning")
            )
    vitals, time_problems = _wide(readings, file)
    return Dataset.of(vitals, _events_frame(events), problems=problems + time_problems)


def _resources(document: dict) -> Iterator[tuple[str, dict]]:
    if document.get("resourceType") != "Bundle":
        yield "", document
        return
    for index, entry in enumerate(document.get("entry") or []):
        yield f"entry[{index}].resource", (entry or {}).get("resource")


def _session_of(resource: dict, default: str) -> str:
    identifier = (resource.get("encounter") or {}).get("identifier") or {}
    return identifier.get("value") if identifier.get("system") == SESSION_SYSTEM else default


def _observation_readings(
    resource: dict, file: str, where: str, session: str
) -> tuple[list[dict], list[Problem]]:
    name = f"Observation {resource.get('id', '')}".strip()
    try:
        Observation.model_validate(resource)
    except ValidationError as error:
        return [], [_invalid(file, where, name, error)]
    status = resource.get("status")
    if not usable_statuses("fhir").get(status, False):
        return [], [_problem(file, f"{where}status", f"{name} is {status}: no values", "final", "warning")]
    vital = _vital(resource.get("code"))
    if vital is None:
        return [], [
            _problem(
                file,
                f"{where}code",
                f"{name}: {_code_text(resource)} is not a vital of the model",
                "a LOINC code of data/loinc_codes.csv",
                "warning",
            )
        ]
    moment, time_problem = _effective(resource, file, where, name)
    if time_problem:
        return [], [time_problem]
    parts = (
        [
            (f"{where}component[{i}].", c, _vital(c.get("code")))
            for i, c in enumerate(resource.get("component") or [])
        ]
        if vital == BP_PANEL
        else [(where, resource, vital)]
    )
    readings, problems = [], []
    for part_where, part, part_vital in parts:
        if part_vital not in VITALS:
            continue
        value, problem = _value(part, part_vital, file, part_where, name)
        if problem:
            problems.append(problem)
        else:
            readings.append({"session_id": session, "timestamp": moment, "vital": part_vital, "value": value})
    return readings, problems


def _vital(code: dict | None) -> str | None:
    """A CodeableConcept -> vital (or the BP panel); LOINC first, else an MDC coding."""
    for coding in (code or {}).get("coding") or []:
        system, value = coding.get("system"), str(coding.get("code"))
        if system == LOINC and value in loinc_codes():
            return loinc_codes()[value].vital
        if system == MDC and value in mdc_codes() and mdc_codes()[value].target != IGNORE:
            return mdc_codes()[value].target
    return None


def _effective(resource: dict, file: str, where: str, name: str) -> tuple[str | None, Problem | None]:
    moment = (
        resource.get("effectiveDateTime")
        or resource.get("effectiveInstant")
        or (resource.get("effectivePeriod") or {}).get("start")
    )
    if not moment:
        return None, _problem(file, f"{where}effectiveDateTime", f"{name} has no time", "a date and time")
    if "T" not in moment:
        message = f"{name} is dated {moment} without a time of day; it cannot be placed in the session"
        return None, _problem(
            file, f"{where}effectiveDateTime", message, "a date and time, e.g. 2026-03-02T09:00:00Z"
        )
    return moment, None


def _value(part: dict, vital: str, file: str, where: str, name: str) -> tuple[float | None, Problem | None]:
    quantity = part.get("valueQuantity")
    if quantity is None or quantity.get("value") is None:
        absent = ((part.get("dataAbsentReason") or {}).get("coding") or [{}])[0].get("code", "no value")
        return None, _problem(
            file, f"{where}dataAbsentReason", f"{name}: {vital} absent ({absent})", "a value", "warning"
        )
    unit_code = quantity.get("code") or quantity.get("unit") or ""
    unit = units().get(unit_code) or units().get(quantity.get("unit") or "")
    if unit_code and (unit is None or vital not in unit.vitals):
        allowed = ", ".join(u for u, spec in units().items() if vital in spec.vitals)
        return None, _problem(
            file, f"{where}valueQuantity.code", f"{name}: unit {unit_code!r} for {vital}", allowed
        )
    return float(quantity["value"]) * (unit.factor if unit else 1.0), None


def _event_row(resource: dict, file: str, where: str, session: str) -> tuple[dict | None, list[Problem]]:
    try:
        AdverseEvent.model_validate(resource)
    except ValidationError as error:
        return None, [_invalid(file, where, "AdverseEvent", error)]
    event = resource.get("event") or {}
    ours = [c.get("code") for c in event.get("coding") or [] if c.get("system") == EVENT_SYSTEM]
    name = ours[0] if ours else event.get("text") or ((event.get("coding") or [{}])[0].get("display"))
    if not name or not resource.get("date") or "T" not in resource["date"]:
        return None, [_problem(file, f"{where}date", "AdverseEvent without an event name or a time", "both")]
    severity = ((resource.get("severity") or {}).get("coding") or [{}])[0].get("code")
    label = vocabulary()[ours[0]].label if ours and ours[0] in vocabulary() else None
    note = event.get("text") if event.get("text") not in (None, label, name) else None
    row = {
        "session_id": session,
        "timestamp": resource["date"],
        "event": name,
        "severity": severity,
        "note": note,
    }
    return row, []


def _wide(readings: list[dict], file: str) -> tuple[pd.DataFrame, list[Problem]]:
    if not readings:
        return empty_frame(VITALS_COLUMNS), []
    long = pd.DataFrame(readings, columns=list(_READING_COLUMNS))
    long["timestamp"] = parse_timestamps(long["timestamp"].astype("str"), "auto", 1.0, LoadSettings())
    bad = long["timestamp"].isna()
    problems = [
        _problem(file, "effectiveDateTime", f"time {t!r} cannot be read", "an ISO 8601 date and time")
        for t in pd.Series(readings)[bad.to_numpy()].map(lambda r: r["timestamp"])
    ]
    wide = long.loc[~bad].pivot_table(
        index=["session_id", "timestamp"], columns="vital", values="value", aggfunc="first"
    )
    wide = wide.reindex(columns=list(VITALS)).reset_index().sort_values(["session_id", "timestamp"])
    return conform(wide.reset_index(drop=True), VITALS_COLUMNS), problems


def _events_frame(events: list[dict]) -> pd.DataFrame:
    if not events:
        return empty_frame(EVENT_COLUMNS)
    frame = pd.DataFrame(events)
    frame["timestamp"] = parse_timestamps(frame["timestamp"].astype("str"), "auto", 1.0, LoadSettings())
    names = canonical_events(frame["event"].astype("str"))
    frame = frame.assign(event=names["event"].to_numpy(), category=names["category"].to_numpy())
    return conform(frame, EVENT_COLUMNS)


def _code_text(resource: dict) -> str:
    code = resource.get("code") or {}
    codings = [f"{c.get('code')} ({c.get('display', '')})".strip() for c in code.get("coding") or []]
    return code.get("text") or ", ".join(codings) or "no code"


def _invalid(file: str, where: str, name: str, error: ValidationError) -> Problem:
    """The first thing fhir.resources found wrong, at its place in the resource."""
    first = error.errors()[0]
    column = where + ".".join(str(part) for part in first["loc"])
    message = f"{name} is not valid FHIR R4: {first['msg']}"
    return _problem(file, column, message, "a value as FHIR R4 defines it (a time of day needs its offset)")


def _problem(file: str, column: str, message: str, expected: str, level: str = "error") -> Problem:
    return Problem(file=file, line=None, column=column, message=message, expected=expected, level=level)
