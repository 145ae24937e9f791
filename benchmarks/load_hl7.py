"""Load test of the HL7 listener: N beds each send one ORU^R01 per second to it over loopback.

Every bed is its own MLLP connection (python-hl7's client), assigned to its own session. Each
message carries HR, SpO2 and RR (and a cuff reading every 30th message) stamped in OBX-14 with
the moment it was sent, so the store itself tells how long a reading took to get in:

- ingest-to-store latency: ``entered_at`` of the stored row minus the send time in OBX-14;
- ACK latency: send to AA, which the listener sends only after the commit;
- lost: messages sent minus readings found in the store (and any answer other than AA).

Traffic goes only to 127.0.0.1; the run is bounded by --seconds (and a 30 s wait per ACK).
The store is a fresh SQLite file in a temporary folder unless --database is given.

    python -m benchmarks.load_hl7 --beds 20 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from hl7.mllp import open_hl7_connection
from sqlalchemy import select

from dashboard.core.interop.mllp_listener import Hl7Listener
from dashboard.core.store import open_store
from dashboard.core.store.models import Vitals

HOST = "127.0.0.1"
ACK_TIMEOUT_S = 30
CUFF_EVERY = 30
USER = "load-test"


def message(bed: int, number: int, sent: pd.Timestamp) -> bytes:
    stamp = sent.strftime("%Y%m%d%H%M%S.") + f"{sent.microsecond // 100:04d}+0000"
    obx = [
        f"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1|{70 + number % 7}|/min^/min^UCUM|||||R|||{stamp}",
        f"OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2|{97 + number % 3}|%^%^UCUM|||||R|||{stamp}",
        f"OBX|3|NM|151562^MDC_RESP_RATE^MDC|1.3|{14 + number % 4}|/min^/min^UCUM|||||R|||{stamp}",
    ]
    if number % CUFF_EVERY == 0:
        obx.append(f"OBX|4|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.4|128|mm[Hg]^mm[Hg]^UCUM|||||R|||{stamp}")
    segments = [
        f"MSH|^~\\&|LoadMon^{bed:016X}^EUI-64||||{sent:%Y%m%d%H%M%S}||ORU^R01^ORU_R01|B{bed}-{number}|P|2.6",
        f"PV1||O|Bed-{bed:02d}",
        f"OBR|1|||182777000^monitoring|||{stamp}",
        *obx,
    ]
    return "\r".join(segments).encode()


async def bed_sender(
    bed: int, port: int, seconds: int, start: float, phase: float, results: list[dict]
) -> None:
    reader, writer = await open_hl7_connection(HOST, port)
    try:
        for number in range(seconds):
            await asyncio.sleep(max(0.0, start + number + phase - time.monotonic()))
            sent = pd.Timestamp.now(tz="UTC")
            began = time.perf_counter()
            writer.writeblock(message(bed, number, sent))
            await writer.drain()
            ack = await asyncio.wait_for(reader.readmessage(), timeout=ACK_TIMEOUT_S)
            code = str(ack.segment("MSA")(1))
            results.append({"bed": bed, "sent": sent, "ack_s": time.perf_counter() - began, "code": code})
    finally:
        writer.close()


async def run(store, beds: int, seconds: int, lockstep: bool) -> list[dict]:
    server = await Hl7Listener(store).start(HOST, 0)
    port = server.sockets[0].getsockname()[1]
    results: list[dict] = []
    async with server:
        start = time.monotonic() + 0.5
        # Real monitors are not synchronised: each bed sends at its own phase within the second,
        # unless --lockstep asks for the worst case of every bed sending at the same instant.
        phases = [0.0 if lockstep else (bed - 1) / beds for bed in range(1, beds + 1)]
        await asyncio.gather(
            *(bed_sender(bed, port, seconds, start, phases[bed - 1], results) for bed in range(1, beds + 1))
        )
    return results


def stored_rows(store) -> pd.DataFrame:
    with store.engine.connect() as conn:
        rows = conn.execute(select(Vitals.session_id, Vitals.timestamp, Vitals.entered_at, Vitals.hr)).all()
    frame = pd.DataFrame(rows, columns=["session_id", "timestamp", "entered_at", "hr"])
    for column in ("timestamp", "entered_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--beds", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60, help="messages per bed, one a second (max 600)")
    parser.add_argument("--database", metavar="URL", help="store URL (default: a fresh SQLite file)")
    parser.add_argument("--lockstep", action="store_true", help="every bed sends at the same instant")
    args = parser.parse_args()
    seconds = min(args.seconds, 600)
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'load.sqlite3'}"
        with open_store(url) as store:
            for bed in range(1, args.beds + 1):
                store.start_session(f"LOAD-{bed:02d}", user=USER)
                store.assign_bed(f"Bed-{bed:02d}", f"LOAD-{bed:02d}", user=USER)
            began = time.perf_counter()
            results = pd.DataFrame(asyncio.run(run(store, args.beds, seconds, args.lockstep)))
            wall = time.perf_counter() - began
            rows = stored_rows(store)
    sent = args.beds * seconds
    accepted = int((results["code"] == "AA").sum()) if len(results) else 0
    sent_times = results["sent"].dt.floor("100us")
    found = rows.merge(
        pd.DataFrame({"timestamp": sent_times, "session_id": results["bed"].map(lambda b: f"LOAD-{b:02d}")}),
        on=["session_id", "timestamp"],
    )
    latency_ms = (found["entered_at"] - found["timestamp"]).dt.total_seconds().to_numpy() * 1000
    ack_ms = results["ack_s"].to_numpy() * 1000
    timing = "in lockstep" if args.lockstep else "at spread phases"
    print(
        f"beds {args.beds} {timing}, {seconds} s, {sent} messages sent in {wall:.1f} s; {url.split(':')[0]}"
    )
    print(f"answered AA {accepted}, other answers {len(results) - accepted}, stored rows {len(rows)}")
    print(f"lost {sent - len(found)}")
    print(
        f"ingest-to-store latency (entered_at - OBX-14 send time): median {np.median(latency_ms):.1f} ms, "
        f"p99 {np.percentile(latency_ms, 99):.1f} ms, max {latency_ms.max():.1f} ms"
    )
    print(
        f"send-to-AA latency (after commit): median {np.median(ack_ms):.1f} ms, "
        f"p99 {np.percentile(ack_ms, 99):.1f} ms, max {ack_ms.max():.1f} ms"
    )


if __name__ == "__main__":
    main()
