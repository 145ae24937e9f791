"""Who the listener hears: addresses and networks, monitor ids, the chairs' monitors, the default."""

from __future__ import annotations

import ipaddress

import hl7
import pytest

from dashboard.core.interop.hl7_allow import (
    AllowList,
    describe,
    parse_allow,
    printable,
    refusal,
    source_names,
)
from dashboard.core.interop.hl7_identity import message_source
from tests.factories import oru_message


def names_of(data: bytes) -> tuple[str, ...]:
    return source_names(message_source(hl7.parse(data.decode())))


def test_entries_are_networks_when_they_read_as_addresses_and_monitor_ids_otherwise():
    allowed = parse_allow(
        ["10.1.4.0/24", "192.168.7.9", "2001:db8::/32", "CHAIR-3", "ICU/3001/1", "0011223344556677"]
    )
    assert allowed.networks == (
        ipaddress.ip_network("10.1.4.0/24"),
        ipaddress.ip_network("192.168.7.9/32"),
        ipaddress.ip_network("2001:db8::/32"),
    )
    assert allowed.monitors == {"CHAIR-3", "ICU/3001/1", "0011223344556677"}


def test_a_network_with_host_bits_set_is_its_network_and_an_empty_entry_is_an_error():
    assert parse_allow(["10.1.4.7/24"]).networks == (ipaddress.ip_network("10.1.4.0/24"),)
    with pytest.raises(ValueError, match="empty"):
        parse_allow(["  "])


def test_a_message_names_its_monitor_by_bed_devices_recorder_and_sender():
    assert names_of(oru_message(bed="^^CHAIR-3")) == ("CHAIR-3", "0011223344556677", "Ward")
    relayed = b"MSH|^~\\&|VitalServer|VR-7|||20260302090100||ORU^R01|1|P|2.6\rPV1||I|^^CHAIR-3"
    assert names_of(relayed) == ("CHAIR-3", "VR-7", "VitalServer")
    assert names_of(b"MSH|^~\\&|") == ()


# --- the default: nothing configured ---------------------------------------------------------------


@pytest.mark.parametrize("peer", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
def test_with_nothing_configured_this_machine_is_heard(peer):
    assert refusal(AllowList(), peer, ("CHAIR-3",)) is None


@pytest.mark.parametrize("peer", ["10.1.4.7", "2001:db8::5", "::ffff:10.1.4.7", "", "not an address"])
def test_with_nothing_configured_another_host_is_refused_and_told_why(peer):
    refused = refusal(AllowList(), peer, ("CHAIR-3",))
    assert refused is not None and refused.rule == "address"
    assert refused.reason.startswith("not allowed: source address")
    assert "only this machine" in refused.reason and "nothing was stored" in refused.reason


def test_a_message_handed_over_in_this_process_has_no_address_to_refuse():
    assert refusal(AllowList(), None, ("CHAIR-3",)) is None


# --- addresses ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("peer", "heard"),
    [
        ("10.1.4.7", True),
        ("::ffff:10.1.4.7", True),  # an IPv4 client of a dual-stack socket
        ("10.1.5.7", False),
        ("127.0.0.1", False),  # the list replaces the loopback default
        ("2001:db8::5", True),
        ("2001:db9::5", False),
    ],
)
def test_with_networks_listed_only_their_addresses_are_heard(peer, heard):
    allowed = parse_allow(["10.1.4.0/24", "2001:db8::/32"])
    assert (refusal(allowed, peer, ("CHAIR-3",)) is None) is heard


def test_a_refused_address_is_named_in_the_reason():
    refused = refusal(parse_allow(["10.1.4.0/24"]), "10.9.9.9", ("CHAIR-3",))
    assert refused is not None
    assert refused.reason == "not allowed: source address 10.9.9.9; nothing was stored"


# --- monitors -----------------------------------------------------------------------------------


def test_with_monitors_listed_any_address_is_heard_but_only_those_monitors():
    allowed = parse_allow(["CHAIR-3"])
    assert refusal(allowed, "10.1.4.7", ("CHAIR-3", "0011223344556677")) is None
    refused = refusal(allowed, "10.1.4.7", ("CHAIR-9", "0011223344556677"))
    assert refused is not None and refused.rule == "monitor"
    assert (
        refused.reason == "not allowed: monitor CHAIR-9 is on no chair and not in --allow; nothing was stored"
    )


def test_any_name_of_the_message_allows_it_a_device_or_the_gateway_that_relays_it():
    assert refusal(parse_allow(["0011223344556677"]), "10.1.4.7", ("CHAIR-9", "0011223344556677")) is None
    assert refusal(parse_allow(["VR-7"]), "10.1.4.7", ("CHAIR-3", "VR-7", "VitalServer")) is None


def test_the_monitors_configured_on_chairs_are_allowed_as_if_listed():
    assert refusal(AllowList(), "10.1.4.7", ("CHAIR-3",), configured={"CHAIR-3"}) is None
    refused = refusal(AllowList(), "10.1.4.7", ("CHAIR-9",), configured={"CHAIR-3"})
    assert refused is not None and refused.rule == "monitor"


def test_a_message_that_names_no_monitor_is_refused_once_monitors_are_listed():
    refused = refusal(AllowList(), "127.0.0.1", (), configured={"CHAIR-3"})
    assert refused is not None and refused.rule == "monitor"
    assert "names no monitor" in refused.reason
    assert refusal(AllowList(), "127.0.0.1", ()) is None  # nothing to go by: no monitor rule


def test_both_rules_apply_when_both_are_listed():
    allowed = parse_allow(["10.1.4.0/24", "CHAIR-3"])
    assert refusal(allowed, "10.1.4.7", ("CHAIR-3",)) is None
    assert refusal(allowed, "10.1.5.7", ("CHAIR-3",)).rule == "address"
    assert refusal(allowed, "10.1.4.7", ("CHAIR-9",)).rule == "monitor"
    assert refusal(allowed, "10.1.4.7", ("CHAIR-9",), configured={"CHAIR-9"}) is None


def test_a_senders_own_text_is_quoted_short_and_printable():
    refused = refusal(parse_allow(["CHAIR-3"]), "10.1.4.7", ("X\n" * 50,))
    assert refused is not None and "\n" not in refused.reason
    assert printable("A\x00B") == "A?B" and len(printable("x" * 100)) == 40


def test_the_start_line_says_whom_the_listener_hears():
    assert "only this machine" in describe(AllowList())
    assert describe(parse_allow(["10.1.4.0/24"])) == "hearing any monitor from 10.1.4.0/24"
    assert describe(parse_allow(["CHAIR-3"]), {"CHAIR-1", "CHAIR-2"}) == (
        "hearing only the allowed monitors (1 by --allow, 2 set on chairs) from any address"
    )
