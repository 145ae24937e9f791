"""A real store outage: the test's own PostgreSQL stopped for 15 s and started again while
``python -m dashboard feed`` and ``python -m dashboard hl7-listen`` run (issue 17, item 2).

Both processes must be alive afterwards; every HL7 message is answered either AA and stored, or
AE and stored once the sender has resent it; no vitals row is stored twice; the feed's rows go
on after the outage exactly as its replay plan has them (no gap, nothing doubled); each process
logs the outage once when it starts and once when it ends.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time

import pandas as pd

from dashboard.core.simulate.simulator import simulate_cohort
from dashboard.core.store import open_store
from tests.conftest import _free_port
from tests.factories import hr_obx, oru_message

OUTAGE_S = 15
SESSION = "HL7-S1"
START, END = b"\x0b", b"\x1c\r"


def send(sock: socket.socket, message: bytes) -> str:
    """One message over MLLP; its ACK code (MSA-1) and the MSA-3 text."""
    sock.sendall(START + message + END)
    data = b""
    while not data.endswith(END):
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("the listener closed the connection")
        data += chunk
    msa = next(seg for seg in data.strip(START + END).split(b"\r") if seg.startswith(b"MSA"))
    fields = msa.decode().split("|")
    return f"{fields[1]} {fields[3] if len(fields) > 3 else ''}".strip()


class Monitor(threading.Thread):
    """Sends one heart rate a second (each its own time and control id), resending a message
    answered AE until it is answered AA, as a gateway does."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port, self.answers, self.sending = port, {}, True

    def run(self) -> None:
        base = pd.Timestamp("2026-03-02T09:00:00Z")
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as sock:
            n = 0
            while self.sending:
                at = (base + pd.Timedelta(seconds=n)).strftime("%Y%m%d%H%M%S+0000")
                message = oru_message(hr_obx(str(60 + n % 40)), obr_time=at, control_id=f"M{n}")
                answers = self.answers.setdefault(n, [])
                answers.append(send(sock, message))
                while not answers[-1].startswith("AA"):
                    time.sleep(0.5)
                    answers.append(send(sock, message))
                n += 1
                time.sleep(0.2)


def lines(stream, found: list[str]) -> threading.Thread:
    thread = threading.Thread(target=lambda: found.extend(iter(stream.readline, "")), daemon=True)
    thread.start()
    return thread


def committed(out: list[str]) -> int:
    counts = [int(m.group(1)) for line in out if (m := re.search(r"committed (\d+) vitals rows", line))]
    return max(counts, default=0)


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_feed_and_listener_ride_out_postgresql_stopped_and_started(stoppable_postgresql_server, tmp_path):
    server = stoppable_postgresql_server
    url = server.create_database()
    with open_store(url) as store:
        store.start_session(SESSION, user="nurse.a", patient_id="P01")
        store.assign_bed("Bed 4", SESSION, user="nurse.a")
    port = _free_port()
    command = [sys.executable, "-m", "dashboard"]
    feed = subprocess.Popen(
        [*command, "feed", "--simulate", "--speed", "30", "--chairs", "2", "--database", url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    listener = subprocess.Popen(
        [*command, "hl7-listen", "--port", str(port), "--database", url],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    feed_out, feed_err, listener_out, listener_err = [], [], [], []
    for stream, found in (
        (feed.stdout, feed_out), (feed.stderr, feed_err),
        (listener.stdout, listener_out), (listener.stderr, listener_err),
    ):  # fmt: skip
        lines(stream, found)
    monitor = None
    try:
        wait_for(lambda: any("listening" in line for line in listener_out), 120, "the listener")
        wait_for(lambda: committed(feed_out) > 100, 120, "the feed's first rows")
        monitor = Monitor(port)
        monitor.start()
        wait_for(lambda: len(monitor.answers) > 10, 60, "ten messages answered")

        server.stop()
        time.sleep(OUTAGE_S)
        before_return = committed(feed_out)
        server.start()

        wait_for(lambda: committed(feed_out) > before_return + 100, 60, "the feed to go on")
        sent_by_then = len(monitor.answers)
        wait_for(lambda: len(monitor.answers) > sent_by_then + 10, 60, "the monitor's messages to go on")
        monitor.sending = False
        monitor.join(timeout=60)
        assert feed.poll() is None, "feed died: " + "".join(feed_err[-40:])
        assert listener.poll() is None, "listener died: " + "".join(listener_err[-40:])
    finally:
        if monitor is not None:
            monitor.sending = False
        for process in (feed, listener):
            process.terminate()
            process.wait(timeout=30)

    answers = monitor.answers
    refused = [n for n, got in answers.items() if len(got) > 1]
    assert refused, "the outage was seen by the sender"
    for n in refused:
        assert all(a.startswith("AE store unavailable") for a in answers[n][:-1]), answers[n][:3]
    assert all(got[-1].startswith("AA") for got in answers.values()), "every message answered AA at last"
    with open_store(url) as store:
        hl7_rows = store.session_vitals(SESSION)
        assert len(hl7_rows) == len(answers), "each message stored once, AE'd ones after their resend"
        assert hl7_rows["timestamp"].is_unique
        replayed = store.sessions().loc[lambda s: s["session_id"] != SESSION, "session_id"].tolist()
        assert len(replayed) == 2
        source = simulate_cohort(seed=0, sample_interval_s=1).vitals
        for session_id in replayed:
            stamps = store.session_vitals(session_id)["timestamp"]
            assert stamps.is_unique, "no feed row written twice"
            original = source.loc[source["session_id"] == session_id.rsplit("-", 2)[0], "timestamp"]
            expected = (original - original.min()).iloc[: len(stamps)].reset_index(drop=True)
            pd.testing.assert_series_equal(
                (stamps - stamps.min()).reset_index(drop=True), expected, check_names=False
            )  # the plan's rows in order: none lost across the outage
    for name, err in (("feed", feed_err), ("hl7-listen", listener_err)):
        logged = [line for line in err if f"{name}: store" in line]
        assert len(logged) == 2, f"{name} logs the outage once, not per row: {logged}"
        assert "store unreachable" in logged[0] and "store reachable again after" in logged[1]
        assert "P01" not in "".join(err), "no patient id in the logs"
