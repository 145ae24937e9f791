"""Where a message comes from: bed as a PL, devices by EUI-64, the sender; never the patient."""

from __future__ import annotations

import hl7
import pytest

from dashboard.core.interop.hl7_identity import Location, message_source
from tests.factories import oru_message


def source(data: bytes):
    return message_source(hl7.parse(data.decode()))


@pytest.mark.parametrize(
    ("pv1_3", "key"),
    [("^^CHAIR-3", "CHAIR-3"), ("ICU^3001^1", "ICU/3001/1"), ("Bed 4", "Bed 4"), ("^^BED1^Clinic", "BED1")],
)
def test_the_bed_key_is_made_of_the_location_parts_not_the_raw_text(pv1_3, key):
    assert source(oru_message(bed=pv1_3)).location.key == key


def test_the_facility_is_kept_apart_from_the_bed():
    assert source(oru_message(bed="^^BED1^Clinic")).location == Location(bed="BED1", facility="Clinic")


def test_devices_come_from_each_obx_18_repetition_the_obr_and_an_eui64_sender():
    message = oru_message(
        "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1|70|/min|||||R|||||||AA11^EUI-64~BB22^EUI-64",
    ).replace(b"OBR|1|||", b"OBR|1||^GW^CC33^EUI-64|")
    assert source(message).devices == ("AA11", "BB22", "CC33", "0011223344556677")


def test_identifiers_run_from_bed_to_devices_and_the_first_names_the_monitor():
    found = source(oru_message(bed="^^CHAIR-3"))
    assert found.identifiers == ("CHAIR-3", "0011223344556677")
    assert found.monitor_id == "CHAIR-3"


def test_a_recorder_serving_several_beds_never_stands_for_one_of_them():
    """VitalServer: MSH-4 is the recorder's code, shared by every bed it records."""
    message = b"MSH|^~\\&|VitalServer|VR-7|||20260302090100||ORU^R01|1|P|2.6\rPV1||I|^^CHAIR-3"
    assert source(message).identifiers == ("CHAIR-3",)


def test_without_bed_or_device_the_recorder_then_the_sender_name_the_monitor():
    message = b"MSH|^~\\&|VitalServer|VR-7|||20260302090100||ORU^R01|1|P|2.6"
    assert source(message).identifiers == ("VR-7", "VitalServer")


def test_without_a_pv1_the_first_device_names_the_monitor():
    no_pv1 = b"\r".join(s for s in oru_message().split(b"\r") if not s.startswith(b"PV1"))
    assert source(no_pv1).monitor_id == "0011223344556677"


def test_a_bare_header_names_nothing_and_does_not_fail():
    assert source(b"MSH|^~\\&|").identifiers == ()
