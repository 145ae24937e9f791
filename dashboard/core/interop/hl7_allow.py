"""Who the HL7 listener hears: source addresses and networks, and monitor identifiers.

MLLP has no authentication: whoever reaches the port can send. The listener therefore answers
AR, and stores nothing, for a message that fails either rule (the decision is made here, pure;
``mllp_listener`` applies it to every message):

- **address**: with addresses or networks on the allow-list (``hl7-listen --allow 10.1.4.0/24``),
  the sender's address must be in one of them. Without any, every address is heard when there
  are monitors to go by (on the list or configured on chairs), and only this machine (loopback)
  when there is nothing at all: a listener nobody has configured hears no one else.
- **monitor**: with monitor identifiers on the list (``--allow CHAIR-3``) or configured on the
  clinic's chairs, the message must name one of them: its bed (PV1-3, as ``hl7_identity`` keys
  it), a device (EUI-64 in OBX-18, OBR-2/3 or MSH-3), the recorder (MSH-4) or the sending
  application (MSH-3). Without any, every monitor is heard.

A monitor identifier is text the sender writes itself, so it keeps out misconfigured and unknown
devices, not an attacker; the address (with TLS or a VPN in front of the port) is the stronger rule.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from dashboard.core.interop.hl7_identity import MessageSource

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_SHOWN = 40  # characters of a sender's own text echoed in a refusal
NOTHING_STORED = "nothing was stored"


@dataclass(frozen=True)
class AllowList:
    """What ``--allow`` names: networks (a single address is a /32 or /128) and monitor ids."""

    networks: tuple[Network, ...] = ()
    monitors: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.networks and not self.monitors


@dataclass(frozen=True)
class Refusal:
    """Why a message is not heard: ``rule`` "address" or "monitor", and the reason for the ACK."""

    rule: str
    reason: str


def parse_allow(entries: Iterable[str]) -> AllowList:
    """``--allow`` entries: each an IPv4/IPv6 address or CIDR network, else a monitor identifier.

    Raises ``ValueError`` for an empty entry. Host bits of a network are ignored (``10.1.4.7/24``
    is ``10.1.4.0/24``)."""
    networks: list[Network] = []
    monitors: set[str] = set()
    for entry in entries:
        text = entry.strip()
        if not text:
            raise ValueError("an --allow entry is empty; expected an address, a network or a monitor id")
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            monitors.add(text)
    return AllowList(tuple(dict.fromkeys(networks)), frozenset(monitors))


def source_names(source: MessageSource) -> tuple[str, ...]:
    """Every name a message gives its monitor: bed key, devices, recorder (MSH-4), sender (MSH-3)."""
    names = (source.location.key, *source.devices, source.recorder, source.sender)
    return tuple(dict.fromkeys(name for name in names if name))


def refusal(
    allowed: AllowList, peer: str | None, names: Iterable[str], configured: Iterable[str] = ()
) -> Refusal | None:
    """None if a message from ``peer`` naming ``names`` is heard, else why not.

    ``peer`` is the sender's IP address as the socket reports it; None is a message handed over
    in this process (no network), heard as this machine's. ``configured`` are the monitor ids set
    on the clinic's chairs, allowed as if listed."""
    monitors = allowed.monitors | frozenset(configured)
    if peer is not None and not _address_allowed(allowed.networks, bool(monitors), peer):
        why = "" if allowed.networks or monitors else " (no --allow, no chair monitors: only this machine)"
        return Refusal("address", f"not allowed: source address {printable(peer)}{why}; {NOTHING_STORED}")
    if monitors:
        names = tuple(names)
        if not names:
            reason = f"not allowed: the message names no monitor (PV1-3, OBX-18, MSH-3/4); {NOTHING_STORED}"
            return Refusal("monitor", reason)
        if not monitors.intersection(names):
            reason = f"not allowed: monitor {printable(names[0])} is on no chair and not in --allow"
            return Refusal("monitor", f"{reason}; {NOTHING_STORED}")
    return None


def describe(allowed: AllowList, configured: Iterable[str] = ()) -> str:
    """Who is heard, in one line for the listener's start."""
    configured = frozenset(configured)
    if allowed.empty and not configured:
        return "hearing only this machine (loopback): no --allow and no monitors configured on chairs"
    where = ", ".join(str(n) for n in allowed.networks) if allowed.networks else "any address"
    counts = [f"{len(allowed.monitors)} by --allow"] if allowed.monitors else []
    counts += [f"{len(configured)} set on chairs"] if configured else []
    which = f"only the allowed monitors ({', '.join(counts)})" if counts else "any monitor"
    return f"hearing {which} from {where}"


def _address_allowed(networks: tuple[Network, ...], any_monitors: bool, peer: str) -> bool:
    address = _address(peer)
    if address is None:
        return False
    if networks:
        return any(address in network for network in networks if network.version == address.version)
    return any_monitors or address.is_loopback


def _address(peer: str) -> Address | None:
    """The peer as an address; an IPv4 client of a dual-stack socket (``::ffff:10.1.4.7``) as IPv4."""
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def printable(text: str) -> str:
    """A sender's text as a refusal or a log line quotes it: printable, at most ``MAX_SHOWN`` characters."""
    shown = "".join(c if c.isprintable() else "?" for c in text)
    return shown if len(shown) <= MAX_SHOWN else shown[: MAX_SHOWN - 3] + "..."
