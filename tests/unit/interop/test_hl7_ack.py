"""The ACK: every message is answered, whatever its header leaves out, with the reason readable."""

from __future__ import annotations

import hl7
import pytest

from dashboard.core.interop.hl7_ack import acknowledgement, escape
from dashboard.core.interop.hl7_fields import MessageRejected
from dashboard.core.problems import Problem
from tests.factories import oru_message


def msa(ack: hl7.Message) -> tuple[str, str, str]:
    segment = ack.segment("MSA")
    return tuple(str(segment(n)) if len(segment) > n else "" for n in (1, 2, 3))


def test_an_accepted_message_is_answered_aa_with_its_control_id_and_swapped_addresses():
    ack = acknowledgement(hl7.parse(oru_message(control_id="C42").decode()))
    assert msa(ack)[:2] == ("AA", "C42")
    msh = ack.segment("MSH")
    assert [str(msh(n)) for n in (3, 4, 5, 6)] == ["", "Dash", "Mon^0011223344556677^EUI-64", "Ward"]
    assert str(msh(9)) == "ACK^R01^ACK"
    assert (str(msh(11)), str(msh(12))) == ("P", "2.6")


@pytest.mark.parametrize(
    "header",
    ["MSH|^~\\&|Mon", "MSH|^~\\&|Mon||||20260302||ORU^R01|C7", "MSH|^~\\&|Mon||||20260302||ORU|C7"],
)
def test_a_header_that_ends_early_still_gets_an_ack(header):
    ack = acknowledgement(hl7.parse(header), MessageRejected("AR", 101, "MSH-12 is missing"))
    assert msa(ack)[0] == "AR"
    assert str(ack.segment("MSH")(12)) == "2.6"


def test_nothing_to_copy_gives_an_ack_with_an_empty_message_id():
    ack = acknowledgement(None, MessageRejected("AR", 100, "frame does not start with <VT>"))
    assert msa(ack) == ("AR", "", "frame does not start with <VT>")


def test_reasons_with_delimiters_are_escaped_and_read_back_as_written():
    reason = "bed ^^CHAIR-3 | unknown & unassigned ~ check"
    ack = acknowledgement(hl7.parse(oru_message().decode()), MessageRejected("AE", 204, reason))
    assert ack.unescape(str(ack.segment("MSA")(3))) == reason
    assert len(ack.segment("MSA")) == 4  # the text did not spill into further fields


def test_problems_become_err_segments_with_their_severity():
    problem = Problem("HL7 message C1", 5, "OBX-5", "hr: value 'x' is not a number", "a number", "error")
    warning = Problem("HL7 message C1", None, "OBX-3", "observations not used", "a vital", "warning")
    ack = acknowledgement(hl7.parse(oru_message().decode()), None, (problem, warning))
    errs = [segment for segment in ack if str(segment[0]) == "ERR"]
    assert [(str(e(3)(1)(1)), str(e(4))) for e in errs] == [("101", "E"), ("101", "W")]
    assert "segment 5 OBX-5" in ack.unescape(str(errs[0](8)))


def test_escape_covers_every_delimiter():
    assert escape("a|b^c&d~e\\f\rg") == "a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f g"
