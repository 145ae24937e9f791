"""Where a message comes from: its bed (PV1-3 as a PL), its devices (EUI-64) and its sender.

Readings are filed by these identifiers, never by a patient (PID is not read). PV1-3 is a
data type, point of care ^ room ^ bed ^ facility: ``^^CHAIR-3`` is the bed CHAIR-3, so its key
is ``CHAIR-3`` and not the raw text with its separators. A chair is found by any of the
identifiers a message carries, most specific first: the bed, each device (OBX-18, OBR-2/3,
MSH-3 when they carry an EUI-64). The VitalRecorder's code (MSH-4) and the sending application
(MSH-3) are used only when the message names no bed and no device: one recorder or gateway
serves several beds, and matching by it would file one bed's readings under another's chair.
"""

from __future__ import annotations

from dataclasses import dataclass

import hl7

from dashboard.core.interop.hl7_fields import field, repetitions, segments

EUI_64 = "EUI-64"


@dataclass(frozen=True)
class Location:
    """PV1-3, an HL7 PL (person location)."""

    point_of_care: str = ""
    room: str = ""
    bed: str = ""
    facility: str = ""

    @property
    def key(self) -> str:
        """The bed's identifier: its non-empty parts joined by ``/`` (``ICU/101/1``, ``CHAIR-3``);
        the facility (PL-4) is the clinic, not the chair."""
        return "/".join(part for part in (self.point_of_care, self.room, self.bed) if part)


@dataclass(frozen=True)
class MessageSource:
    """What a message says of its origin; ``identifiers`` are the keys a chair is matched by."""

    location: Location
    devices: tuple[str, ...]
    recorder: str  # MSH-4: VitalRecorder's own code; one recorder serves several beds
    sender: str  # MSH-3

    @property
    def identifiers(self) -> tuple[str, ...]:
        """The bed and devices; the recorder and sender only when there is neither."""
        specific = tuple(key for key in (self.location.key, *self.devices) if key)
        shared = tuple(key for key in (self.recorder, self.sender) if key)
        return tuple(dict.fromkeys(specific or shared))

    @property
    def monitor_id(self) -> str:
        """The name a monitor is held and shown under until it is assigned: its first identifier."""
        return self.identifiers[0] if self.identifiers else ""


def message_source(message: hl7.Message) -> MessageSource:
    """The bed, devices and sender named in ``message`` ("" for what it leaves out)."""
    msh = message.segment("MSH")
    pv1 = segments(message, "PV1")
    location = Location(*(field(pv1[0], 3, part) for part in range(1, 5))) if pv1 else Location()
    return MessageSource(
        location=location,
        devices=_devices(message),
        recorder=field(msh, 4, 1),
        sender=field(msh, 3, 2) or field(msh, 3, 1),
    )


def _devices(message: hl7.Message) -> tuple[str, ...]:
    """EUI-64s of the devices: each OBX-18 repetition (its entity id), the EI of OBR-2/3 and MSH-3."""
    observed = [device for obx in segments(message, "OBX") for device in repetitions(obx, 18)]
    ordered = [
        field(obr, number, 3)
        for obr in segments(message, "OBR")
        for number in (3, 2)
        if field(obr, number, 4) == EUI_64
    ]
    msh = message.segment("MSH")
    sender = [field(msh, 3, 2)] if field(msh, 3, 3) == EUI_64 else []
    return tuple(dict.fromkeys(device for device in [*observed, *ordered, *sender] if device))
