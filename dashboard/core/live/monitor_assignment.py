"""Which monitors are sending, and assigning one to a session so that its held readings join it.

Until a monitor is assigned, what it sends is held (``store.monitors``): the Chairs page and
``python -m dashboard monitor list`` show it as "sending, no session". Assigning attaches the
readings held from the protocol's baseline window before the session began, so the session's
baseline is the monitor's pre-infusion readings, exactly as if it had been assigned at once.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.roles import Actor
from dashboard.core.store import Store

SENDING_WITHIN = pd.Timedelta(minutes=10)  # a monitor heard from this recently is "sending"
MONITOR_COLUMNS: tuple[str, ...] = ("monitor_id", "session_id", "readings", "last_reading", "received_at")


def assign_monitor(store: Store, monitor_id: str, session_id: str, *, user: str | Actor) -> int:
    """Assign ``monitor_id`` to the open ``session_id``; returns how many held readings joined it."""
    window_min = load_protocol(store.current_protocol()).baseline.window_min
    return store.attach_monitor(monitor_id, session_id, user=user, lookback=timedelta(minutes=window_min))


def monitor_list(store: Store) -> pd.DataFrame:
    """Every monitor known: those assigned to an open session, and those holding readings
    (``session_id`` empty). One row each, the unassigned ones first: they need someone."""
    assigned = store.bed_assignments().rename(columns={"bed_or_device_id": "monitor_id"})
    held = _without(store.held_monitors(), assigned).assign(session_id=pd.NA)
    rows = pd.concat([held, assigned.assign(readings=0)], ignore_index=True)
    return rows.reindex(columns=list(MONITOR_COLUMNS)).astype({"readings": "int64"})


def unassigned_senders(store: Store, now: pd.Timestamp) -> pd.DataFrame:
    """Monitors heard from within ``SENDING_WITHIN`` of ``now`` that no session is assigned to."""
    held = store.held_monitors(since=(now - SENDING_WITHIN).to_pydatetime())
    return _without(held, store.bed_assignments().rename(columns={"bed_or_device_id": "monitor_id"}))


def _without(held: pd.DataFrame, assigned: pd.DataFrame) -> pd.DataFrame:
    """Held monitors that no session is assigned to now (readings older than an assignment's
    window stay held, but their monitor is not waiting for anyone)."""
    return held[~held["monitor_id"].isin(assigned["monitor_id"])].reset_index(drop=True)
