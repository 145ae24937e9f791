"""Builders of the small inputs many test modules need: vitals, sessions and events frames in the
canonical model, HL7 v2 ORU^R01 and ORU^R40 messages as a bedside monitor sends them, and an MLLP
listener serving on a loopback port for the tests that talk to it over a real socket.

Not a test module. Each builder states its defaults in its docstring, so that a test names only
the values it is about; data that one module alone needs stays in that module.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

from dashboard.core.interop.hl7_allow import AllowList
from dashboard.core.interop.mllp_listener import Hl7Listener
from dashboard.core.model import (
    ALERT_COLUMNS,
    DEVICE_ALARM_COLUMNS,
    EVENT_COLUMNS,
    SESSION_COLUMNS,
    VITALS_COLUMNS,
    conform,
    empty_frame,
)
from dashboard.core.roles import Actor

T0 = pd.Timestamp("2026-03-02T09:00:00Z")


def acting(*roles: str, name: str | None = None) -> Actor:
    """A user holding ``roles`` (none: no role), named after them unless ``name`` is given."""
    return Actor(name or ".".join(roles) or "nobody", frozenset(roles))


# An [auth] section for AppTest's secrets: the app sees a provider configured; none is reached.
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "not-a-real-secret-only-for-tests",
    "client_id": "dashboard-tests",
    "client_secret": "not-a-real-secret",
    "server_metadata_url": "https://login.example.invalid/.well-known/openid-configuration",
}


# --- frames in the canonical model ---------------------------------------------------------------


def vitals_frame(
    session_id: str = "S1",
    *,
    start: pd.Timestamp | str = T0,
    periods: int | None = None,
    freq: str = "s",
    **columns: object,
) -> pd.DataFrame:
    """One session's vitals in the model: rows ``freq`` apart (default 1 s) from ``start``.

    There is a row per value of the list-like ``columns`` (``hr=[72.0, 73.0]``), or ``periods``
    rows with scalar columns repeated (``periods=30, hr=70.0``); vitals not given are empty.
    """
    if periods is None:
        lists = [value for value in columns.values() if not pd.api.types.is_scalar(value)]
        if not lists:
            raise ValueError("give periods, or at least one column as a list of values")
        periods = len(lists[0])
    times = pd.date_range(start, periods=periods, freq=freq)
    frame = pd.DataFrame({"session_id": session_id, "timestamp": times, **columns})
    return conform(frame, VITALS_COLUMNS)


def monitored_vitals(
    session_id: str, end: pd.Timestamp, minutes: float = 10, **columns: float
) -> pd.DataFrame:
    """A bedside monitor's last ``minutes`` of one session, up to ``end``: HR 72, SpO2 98, RR 14
    every 5 s, and a cuff reading (128/82, MAP 97) every 5 min ending at ``end``.

    ``columns`` set a vital to one value on every row (``sbp=200.0``, ``spo2=float("nan")``).
    """
    times = pd.date_range(end=end, periods=int(minutes * 12) + 1, freq="5s")
    frame = pd.DataFrame({"session_id": session_id, "timestamp": times, "hr": 72.0, "spo2": 98.0, "rr": 14.0})
    frame.loc[frame.index[::-60], ["sbp", "dbp", "map"]] = [128.0, 82.0, 97.0]
    for column, value in columns.items():
        frame[column] = value
    return conform(frame, VITALS_COLUMNS)


def steady_vitals(session_id: str, seconds: int, start: pd.Timestamp = T0) -> pd.DataFrame:
    """``seconds`` of one session from ``start``: HR 70, SpO2 98, RR 14 every second and a cuff
    reading (128/82, MAP 97) every 5 min from the first second on; nothing in it alarms."""
    frame = vitals_frame(session_id, start=start, periods=seconds, hr=70.0, spo2=98.0, rr=14.0)
    frame.loc[::300, ["sbp", "dbp", "map"]] = [128.0, 82.0, 97.0]
    return frame


def alert_episode(
    session_id: str, start_s: int = 0, end_s: int = 0, rule: str = "hr_high_caution", peak: float = 131.0
) -> pd.DataFrame:
    """One medium-priority heart-rate alert episode (limit 120) from ``T0 + start_s`` to
    ``T0 + end_s``, its onset 15 s after its start, as the alert engine reports it."""
    start = T0 + pd.Timedelta(seconds=start_s)
    episode = {
        "session_id": session_id, "vital": "hr", "rule": rule, "priority": "medium", "kind": "physiological",
        "start": start, "onset": start + pd.Timedelta(seconds=15), "end": T0 + pd.Timedelta(seconds=end_s),
        "peak": peak, "limit": 120.0, "n_samples": end_s - start_s + 1,
    }  # fmt: skip
    return conform(pd.DataFrame([episode]), ALERT_COLUMNS)


def sessions_frame(*rows: dict | str) -> pd.DataFrame:
    """A sessions table in the model, a row per dict of its columns (or per bare session id)."""
    records = [{"session_id": row} if isinstance(row, str) else row for row in rows]
    return conform(pd.DataFrame(records), SESSION_COLUMNS) if records else empty_frame(SESSION_COLUMNS)


def events_frame(*rows: dict) -> pd.DataFrame:
    """An events table in the model, a row per dict of its columns (none: an empty table)."""
    return conform(pd.DataFrame(list(rows), columns=list(EVENT_COLUMNS)), EVENT_COLUMNS)


def store_dataset(store, dataset, *, live: tuple[str, ...] = ()) -> None:
    """``dataset``'s sessions written to ``store`` as a clinic records them: each opened at its
    first vitals sample (else its infusion start) with its patient, chair and dose plan, its vitals
    from the monitor, its events by staff, and ended at its last sample unless its id is in ``live``."""
    spans = dataset.vitals.groupby("session_id", observed=True)["timestamp"].agg(["min", "max"])
    ended = [session_id for session_id in spans.index if session_id not in live]
    # A chair holds one open session at a time: the ended ones are opened and closed first.
    rows = sorted(dataset.sessions.to_dict("records"), key=lambda row: row["session_id"] in live)
    for row in rows:
        keys = [key for key in SESSION_COLUMNS[1:] if key != "infusion_end"]  # the end is an event
        plan = {key: None if pd.isna(row[key]) else row[key] for key in keys}
        times = spans.loc[row["session_id"]] if row["session_id"] in spans.index else None
        at = times["min"] if times is not None else plan["infusion_start"]
        store.start_session(row["session_id"], user="feed", at=at, **plan)
        if row["session_id"] in ended:
            store.end_session(row["session_id"], user="feed", at=times["max"])
    store.add_vitals(dataset.vitals, user="monitor")
    store.add_events(dataset.events, user="nurse.a")


# --- HL7 v2 --------------------------------------------------------------------------------------

MSH = (
    "MSH|^~\\&|Mon^0011223344556677^EUI-64|Ward||Dash|20260302090100+0000||ORU^R01^ORU_R01|{control_id}|P|2.6"
)
ORU_TIME = "20260302090000+0000"


def hr_obx(hr: str = "72", status: str = "R") -> str:
    """An OBX of an ECG heart rate (MDC 147842) in /min with result status ``status``."""
    return f"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1|{hr}|/min^/min^UCUM|||||{status}"


def bp_obx(sbp: str = "120", dbp: str = "80") -> str:
    """Two OBX of a cuff pressure (MDC 150021/150022) in mmHg, grouped under one parent sub-id."""
    return "\r".join(
        f"OBX|{n}|NM|{code}^{name}^MDC|1.2.{n}|{value}|266016^MDC_DIM_MMHG^MDC|||||R"
        for n, (code, name, value) in enumerate(
            (("150021", "MDC_PRESS_BLD_NONINV_SYS", sbp), ("150022", "MDC_PRESS_BLD_NONINV_DIA", dbp)),
            start=1,
        )
    )


def oru_message(*obx: str, bed: str = "Bed 4", obr_time: str = ORU_TIME, control_id: str = "C1") -> bytes:
    """An ORU^R01 (IHE PCD-01) as a monitor sends it, segments ended by CR, without MLLP framing.

    MSH (device 0011223344556677 in MSH-3, message id ``control_id``), PID of patient P01, PV1
    naming ``bed``, an OBR observed at ``obr_time``, then the ``obx`` segments (default: one
    heart rate of 72, ``hr_obx()``). In it the first OBX is segment 5.
    """
    segments = [
        MSH.format(control_id=control_id),
        "PID|||P01^^^Clinic^PI",
        f"PV1||O|{bed}",
        f"OBR|1|||182777000^monitoring|||{obr_time}",
        *(obx or (hr_obx(),)),
    ]
    return "\r".join(segments).encode()


def device_alarm(session_id: str | None = "S1", **fields: object) -> pd.DataFrame:
    """One report of a monitor's own alarm (``DEVICE_ALARM_COLUMNS``): monitor CHAIR-3, alarm A1,
    "** RR High" (MDC_EVT_HI) on RR 30 at T0, phase start, active, medium priority, physiological;
    ``fields`` change any of these (``phase="end"``)."""
    report = {
        "session_id": session_id,
        "monitor_id": "CHAIR-3",
        "alarm_id": "A1",
        "at": T0,
        "event_code": "196648",
        "event": "** RR High",
        "vital": "rr",
        "value": 30.0,
        "phase": "start",
        "state": "active",
        "inactivation": "enabled",
        "priority": "medium",
        "kind": "physiological",
        **fields,
    }
    return conform(pd.DataFrame([report]), DEVICE_ALARM_COLUMNS)


def alarm_message(
    phase: str = "start",
    *,
    bed: str = "^^CHAIR-3",
    alarm_id: str = "ALM-1",
    priority: str = "PM",
    control_id: str = "R40-1",
    at: str = ORU_TIME,
) -> bytes:
    """An ORU^R40 (IHE PCD-04) laid out as the IHE ACM examples are: "** RR High" (196648
    MDC_EVT_HI) raised by RR 30 /min on the monitor at ``bed``, one phase of alarm ``alarm_id``
    (OBR-3), its attributes as MDC_ATTR_* rows and as OBX-8 flags (``H~<priority>~SP``)."""
    state = "inactive" if phase == "end" else "active"
    segments = [
        MSH.format(control_id=control_id).replace("ORU^R01^ORU_R01", "ORU^R40^ORU_R40")
        + "|||AL|NE||8859/1|||IHE_PCD_ACM_001^IHE PCD^1.3.6.1.4.1.19376.1.6.4.4^ISO",
        "PID|||P01^^^Clinic^PI",
        f"PV1||I|{bed}",
        f"OBR|1|{alarm_id}^Mon|{alarm_id}^Mon|196616^MDC_EVT_ALARM^MDC|||{at}",
        f"OBX|1|ST|196648^MDC_EVT_HI^MDC|1.0.0.0.1|** RR High||||||F|||{at}",
        f"OBX|2|NM|151562^MDC_RESP_RATE^MDC|1.0.0.0.2|30|264928^MDC_DIM_RESP_PER_MIN^MDC|5-25|H~{priority}~SP|||F",
        f"OBX|3|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|1.0.0.0.3|{phase}||||||F",
        f"OBX|4|ST|68482^MDC_ATTR_ALARM_STATE^MDC|1.0.0.0.4|{state}||||||F",
        "OBX|5|ST|68483^MDC_ATTR_ALARM_INACTIVATION_STATE^MDC|1.0.0.0.5|enabled||||||F",
    ]
    return "\r".join(segments).encode()


@contextmanager
def listening(store, timezone: str = "UTC", allow: AllowList | None = None) -> Iterator[int]:
    """An ``Hl7Listener`` on ``store`` (hearing ``allow``) serving on a free loopback port (yielded)
    in a thread of its own, so that blocking clients (python-hl7's ``mllp_send``, plain sockets)
    can talk to it."""
    loop = asyncio.new_event_loop()
    listener = Hl7Listener(store, timezone, allow)
    started = asyncio.run_coroutine_threadsafe(listener.start("127.0.0.1", 0), loop)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = started.result(timeout=30)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        asyncio.run_coroutine_threadsafe(server.wait_closed(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()
