"""``python -m dashboard hl7-listen``: run the MLLP listener (``core.interop.mllp_listener``) until
stopped, after checking what would otherwise only fail on the first message (the time zone, the
allow-list), and saying whom it hears (``core.interop.hl7_allow``)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dashboard.core.interop.hl7_allow import parse_allow
from dashboard.core.interop.mllp_listener import ANSWERING_AE, DEFAULT_PORT, Hl7Listener
from dashboard.core.store import open_store
from dashboard.core.store.outage import Outage, retrying


def add_hl7_arguments(parser: argparse.ArgumentParser) -> None:
    """Receive vitals and alarms from monitors and gateways: HL7 v2 ORU^R01 (IHE PCD-01,
    VitalServer) and ORU^R40 (IHE PCD-04) over MLLP."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")
    parser.add_argument(
        "--timezone", default="UTC", metavar="ZONE", help="zone of times sent without an offset (default UTC)"
    )
    parser.add_argument(
        "--allow",
        nargs="+",
        action="extend",
        default=[],
        metavar="ENTRY",
        help=(
            "who may send: IP addresses or CIDR networks (10.1.4.0/24) and/or monitor ids (bed such as "
            "CHAIR-3, device EUI-64, recorder code); the monitors set on chairs are allowed too. Anything "
            "else is answered AR and stored nowhere. With no --allow and no chair monitors, only this "
            "machine (loopback) is heard"
        ),
    )
    parser.add_argument(
        "--database", metavar="URL", help="store URL (default: DASHBOARD_DATABASE_URL or local file)"
    )
    parser.set_defaults(run=run_hl7_listener)


def run_hl7_listener(args: argparse.Namespace) -> int:
    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        print(
            f"error: unknown time zone {args.timezone!r}; expected an IANA name such as Europe/Oslo",
            file=sys.stderr,
        )
        return 2
    try:
        allow = parse_allow(args.allow)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    with retrying(lambda: open_store(args.database), Outage("hl7-listen")) as store:
        outage = Outage("hl7-listen", meanwhile=ANSWERING_AE)
        listener = Hl7Listener(store, args.timezone, allow, outage)
        retrying(listener.hearing, Outage("hl7-listen"))  # the chairs' monitors, once the store answers
        try:
            asyncio.run(_listen(listener, args.host, args.port))
        except OSError as error:
            print(f"error: cannot listen on {args.host}:{args.port}: {error.strerror}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print("stopped; every message answered AA is stored", file=sys.stderr)
    return 0


async def _listen(listener: Hl7Listener, host: str, port: int) -> None:
    server = await listener.start(host, port)
    print(f"listening for HL7 v2 over MLLP on {host}:{port}; {listener.hearing()}", flush=True)
    async with server:
        await server.serve_forever()
