"""MLLP frames -> messages: several messages in one frame are read apart, never as one."""

from __future__ import annotations

import pytest

from dashboard.core.interop.hl7_fields import MessageRejected
from dashboard.core.interop.hl7_frames import parse_message, split_messages
from tests.factories import oru_message


def test_two_messages_in_one_frame_are_two_messages_in_order():
    frame = oru_message(bed="CHAIR-1", control_id="A") + b"\r" + oru_message(bed="CHAIR-2", control_id="B")
    first, second = (parse_message(text) for text in split_messages(frame))
    assert (str(first.segment("PV1")(3)), str(first.segment("MSH")(10))) == ("CHAIR-1", "A")
    assert (str(second.segment("PV1")(3)), str(second.segment("MSH")(10))) == ("CHAIR-2", "B")


def test_messages_joined_by_line_feeds_are_split_too():
    frame = oru_message(control_id="A").replace(b"\r", b"\n") + b"\n" + oru_message(control_id="B")
    assert [str(parse_message(t).segment("MSH")(10)) for t in split_messages(frame)] == ["A", "B"]


def test_a_segment_whose_text_contains_msh_does_not_start_a_message():
    obx = "OBX|1|ST|EVENT^^|1|MSH alarm test|||||R"
    (text,) = split_messages(oru_message(obx))
    assert "MSH alarm test" in text


def test_one_message_stays_one():
    assert split_messages(oru_message()) == [oru_message().decode()]


@pytest.mark.parametrize("frame", [b"", b"hello", b"MSH", b"PID|||1\rMSH|^~\\&|"])
def test_frames_without_a_message_header_are_rejected(frame):
    with pytest.raises(MessageRejected) as rejected:
        parse_message(split_messages(frame)[0])
    assert rejected.value.ack == "AR"


def test_a_batch_is_refused_with_the_reason():
    batch = b"BHS|^~\\&|Gateway\r" + oru_message() + b"\rBTS|1"
    with pytest.raises(MessageRejected) as rejected:
        parse_message(split_messages(batch)[0])
    assert (rejected.value.ack, rejected.value.code) == ("AR", 200)
    assert "batches" in rejected.value.reason
