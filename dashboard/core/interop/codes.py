"""Code tables of the device and EHR interfaces: MDC and LOINC codes, units, result statuses.

Monitors name a vital by an IEEE 11073 MDC code (``150021`` is NIBP systolic), EHRs by LOINC
(``8480-6``); units come as MDC codes (``266016``) or UCUM (``mm[Hg]``). Supporting a new
device code or unit is a row in ``data/``, never a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from dashboard.core import reference
from dashboard.core.loading.columns import Alias


@dataclass(frozen=True)
class Unit:
    """A unit a reading may come in: which vitals may use it and the factor to the model's unit."""

    vitals: frozenset[str]
    factor: float


@dataclass(frozen=True)
class Loinc:
    """A LOINC code of a vital (or of the blood pressure panel, vital ``bp_panel``)."""

    code: str
    vital: str
    export: bool  # written on export (import accepts every row)
    display: str
    unit: str  # UCUM
    unit_display: str
    profile: str  # FHIR vital-signs profile the exported Observation claims


@cache
def mdc_codes() -> dict[str, Alias]:
    """MDC code -> the vital it measures (or ``ignore`` with the reason), with its rank."""
    return {
        row["code"]: Alias(target=row["vital"], kind="", scale=1.0, rank=int(row["rank"]), note=row["note"])
        for row in reference.csv_rows("mdc_codes.csv")
    }


@cache
def units() -> dict[str, Unit]:
    """MDC unit code, UCUM code or unit text -> unit."""
    return {
        row["unit"]: Unit(vitals=frozenset(row["vitals"].split("|")), factor=float(row["factor"]))
        for row in reference.csv_rows("units.csv")
    }


@cache
def usable_statuses(standard: str) -> dict[str, bool]:
    """Result status (``hl7v2`` OBX-11 or ``fhir`` Observation.status) -> whether its value may be used."""
    rows = reference.csv_rows("result_status.csv")
    return {row["status"]: row["usable"] == "yes" for row in rows if row["standard"] == standard}


@cache
def status_meanings(standard: str) -> dict[str, str]:
    rows = reference.csv_rows("result_status.csv")
    return {row["status"]: row["meaning"] for row in rows if row["standard"] == standard}


@cache
def loinc_codes() -> dict[str, Loinc]:
    """LOINC code -> what it measures, in file order."""
    return {
        row["code"]: Loinc(
            code=row["code"],
            vital=row["vital"],
            export=row["export"] == "yes",
            display=row["display"],
            unit=row["unit"],
            unit_display=row["unit_display"],
            profile=row["profile"],
        )
        for row in reference.csv_rows("loinc_codes.csv")
    }
