"""Code tables of the device and EHR interfaces: MDC and LOINC codes, units, result statuses.

Monitors name a vital by an IEEE 11073 MDC code (``150021`` is NIBP systolic), EHRs by LOINC
(``8480-6``); units come as MDC codes (``266016``) or UCUM (``mm[Hg]``). Supporting a new
device code or unit is a row in ``data/``, never a code change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from dashboard.core import reference
from dashboard.core.loading.columns import Alias, normalise, vital_names

# Philips MDIL form of an MDC code: hex partition and term code, ``0002-4182`` = 2 x 65536 + 0x4182.
_MDIL = re.compile(r"^([0-9A-Fa-f]{4})-([0-9A-Fa-f]{4})$")
_PARTITION = 1 << 16


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
    return {row["code"]: _vital_alias(row) for row in reference.csv_rows("mdc_codes.csv")}


def mdc_number(code: str) -> str:
    """An MDC code as its decimal number: ``0002-4182`` (Philips MDIL) -> ``147842``; others as given."""
    mdil = _MDIL.match(code)
    return str(int(mdil[1], 16) * _PARTITION + int(mdil[2], 16)) if mdil else code


@cache
def montypes() -> dict[str, Alias]:
    """VitalServer montype (OBX-3.1, ``ECG_HR``) -> the vital it measures (or ``ignore`` with the reason)."""
    return {row["montype"]: _vital_alias(row) for row in reference.csv_rows("vitalserver_montypes.csv")}


def _vital_alias(row: dict[str, str]) -> Alias:
    return Alias(target=row["vital"], kind="", scale=1.0, rank=int(row["rank"]), note=row["note"])


def observation_alias(code: str, text: str) -> Alias | None:
    """OBX-3 (identifier, text) -> what it measures, None when unknown. In order:

    1. an MDC number, or its MDIL hex form (``0002-4182^HR^MDIL``): ``mdc_codes.csv``; the text
       is never read, a wrong code with a right-looking name must not pass as that name;
    2. a VitalServer montype (``NIBP_SBP^BeneView/NIBP_SBP``): ``vitalserver_montypes.csv``;
    3. else a ``device/track[@srate]`` text: the track name through the CSV loaders' alias table.
    """
    number = mdc_number(code)
    if number.isdigit():
        return mdc_codes().get(number)
    if code in montypes():
        return montypes()[code]
    if "/" in text:
        return vital_names().get(normalise(text.split("@", 1)[0]))
    return None


@cache
def units() -> dict[str, Unit]:
    """MDC unit code (decimal), UCUM code or unit text -> unit; see ``unit_of`` for MDIL hex codes."""
    return {
        row["unit"]: Unit(vitals=frozenset(row["vitals"].split("|")), factor=float(row["factor"]))
        for row in reference.csv_rows("units.csv")
    }


def unit_of(code: str, text: str) -> Unit | None:
    """OBX-6 (identifier, text) -> unit: the code (MDC, MDIL hex or UCUM), else the text."""
    return units().get(mdc_number(code)) or units().get(text)


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
