"""Interop: the device and EHR interfaces, HL7 v2 from monitors in and FHIR R4 to and from the EHR.

Modules in the order a message flows:

- ``codes``: MDC, LOINC, unit and result-status tables (``data/*.csv``)
- ``hl7_oru``: an HL7 v2 ORU^R01 message (IHE PCD-01) -> vitals readings, or why not
- ``mllp_listener``: the MLLP server that acknowledges every message and stores its readings
- ``fhir``: a session as a FHIR R4 Bundle, and Observations back into the model
"""

from dashboard.core.interop.fhir import read_fhir, session_bundle
from dashboard.core.interop.hl7_oru import MessageRejected, OruReadings, parse_message, read_oru
from dashboard.core.interop.mllp_listener import Hl7Listener

__all__ = [
    "Hl7Listener",
    "MessageRejected",
    "OruReadings",
    "parse_message",
    "read_fhir",
    "read_oru",
    "session_bundle",
]
