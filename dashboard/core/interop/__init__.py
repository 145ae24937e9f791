"""Interop: the device and EHR interfaces, HL7 v2 from monitors in and FHIR R4 to and from the EHR.

Modules in the order a message flows:

- ``codes``: MDC (and Philips MDIL), VitalServer montype, LOINC, unit, result-status tables (``data/``)
- ``hl7_fields``: defensive field reads, HL7 times, the rejection and its HL7 error codes
- ``hl7_frames``: an MLLP frame -> its messages, each parsed alone
- ``hl7_identity``: where a message comes from: bed (PV1-3 as PL), devices (EUI-64), sender
- ``hl7_oru``: an HL7 v2 ORU^R01 message (IHE PCD-01, VitalServer) -> vitals readings, or why not
- ``hl7_alarms``: an ORU^R40 (IHE PCD-04) -> the monitor's own alarm reports
- ``hl7_ack``: the ACK every message is answered with, whatever its header holds
- ``hl7_allow``: who the listener hears: source addresses and networks, monitor ids, the chairs' monitors
- ``mllp_listener``: the MLLP server that acknowledges every message and stores or holds what it carries
- ``fhir_medication``: a session's infusion as a FHIR R4 MedicationAdministration (RxNorm, UCUM)
- ``fhir``: a session as a FHIR R4 transaction Bundle, and Observations back into the model
"""

from dashboard.core.interop.fhir import read_fhir, session_bundle
from dashboard.core.interop.hl7_alarms import AlarmReports, read_alarms
from dashboard.core.interop.hl7_fields import MessageRejected
from dashboard.core.interop.hl7_frames import parse_message, split_messages
from dashboard.core.interop.hl7_oru import OruReadings, read_oru
from dashboard.core.interop.mllp_listener import Hl7Listener

__all__ = [
    "AlarmReports",
    "Hl7Listener",
    "MessageRejected",
    "OruReadings",
    "parse_message",
    "read_alarms",
    "read_fhir",
    "read_oru",
    "session_bundle",
    "split_messages",
]
