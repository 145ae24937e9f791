"""The live sessions' rows kept in memory, refreshed from the store with only what is new.

The chairs overview refreshes every few seconds; reading every live session's hour of 1 Hz
vitals on every refresh costs a quarter of a second with 12 chairs. Vitals are append-only and
arrive in time order, so each session's frame is extended with the rows from its last timestamp
on, for all sessions in one query (rows sharing that timestamp are read again, in case another
writer added one, and replace the cached ones). Events are re-read for a session only when the
audit log shows an entry for it. A full reload every ``reload_s`` picks up anything that arrived
out of order (a backfilled export).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.core.artifacts import split_artifacts
from dashboard.core.model import VITALS_COLUMNS, empty_frame
from dashboard.core.overview import live_alerts, open_episodes, session_clocks
from dashboard.core.protocol import Protocol
from dashboard.core.store import Store, alert_keys
from dashboard.core.store.repository import OPEN_ALERT_COLUMNS, STORED_EVENT_COLUMNS

_AUDIT_OVERLAP = pd.Timedelta(seconds=30)  # writers' clocks and commit order may disagree this much


@dataclass(frozen=True)
class LiveSnapshot:
    """Everything the live pages show, read at one moment.

    ``alerts`` holds every episode of the live sessions (for the chart); ``open_alerts`` those
    still sounding at the session's clock (judged on these rows, not on the store's open flag,
    which rows written since this read would already move on), with the latest acknowledgement.
    """

    wall_now: pd.Timestamp
    protocol: Protocol
    sessions: pd.DataFrame
    clocks: pd.Series
    vitals: pd.DataFrame
    events: pd.DataFrame
    alerts: pd.DataFrame
    open_alerts: pd.DataFrame


@dataclass
class _Cached:
    frame: pd.DataFrame
    loaded_at: pd.Timestamp


@dataclass
class LiveFollower:
    """Follows the store for the live pages; one per store, shared by every browser session."""

    store: Store
    reload_s: float = 300
    _vitals: dict[str, _Cached] = field(default_factory=dict)
    _events: dict[str, _Cached] = field(default_factory=dict)
    _audit_seen: set[str] = field(default_factory=set)
    _audit_checked: pd.Timestamp | None = None
    _recorded: pd.DataFrame | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self, protocol: Protocol, wall_now: pd.Timestamp) -> LiveSnapshot:
        """The live sessions now; alert episodes are computed and shared through the store."""
        with self._lock:
            sessions = self.store.active_sessions()
            ids = sessions["session_id"].tolist()
            vitals = self._fresh_vitals(ids, wall_now)
            events = self._fresh_events(ids, wall_now)
            clocks = session_clocks(sessions, wall_now)
            alerts = live_alerts(vitals, sessions, protocol, clocks)
            if self._recorded is None or not alerts.equals(self._recorded):
                self.store.record_alerts(alerts)  # shared: other screens, acknowledgements
                self._recorded = alerts
            acknowledgements = self.store.acknowledgements()
        open_alerts = _with_acknowledgements(open_episodes(alerts, vitals, clocks), acknowledgements)
        return LiveSnapshot(wall_now, protocol, sessions, clocks, vitals, events, alerts, open_alerts)

    def _fresh_vitals(self, ids: list[str], now: pd.Timestamp) -> pd.DataFrame:
        _forget(self._vitals, ids)
        since: dict[str, pd.Timestamp | None] = {}
        for session_id in ids:
            cached = self._vitals.get(session_id)
            if cached is None or self._expired(cached, now) or cached.frame.empty:
                since[session_id] = None
            else:  # the newest time again: another writer may have added a row at that time
                since[session_id] = cached.frame["timestamp"].iloc[-1]
        rows = _read_vitals(self.store, since)
        for session_id, new_rows in rows.groupby("session_id", sort=False):
            cached, newest = self._vitals.get(session_id), since[session_id]
            if newest is None:
                self._vitals[session_id] = _Cached(new_rows.reset_index(drop=True), now)
            else:
                kept = cached.frame.loc[cached.frame["timestamp"] < newest]
                cached.frame = pd.concat([kept, new_rows], ignore_index=True)
        for session_id in set(ids) - set(self._vitals):  # started, no sample yet
            self._vitals[session_id] = _Cached(empty_frame(VITALS_COLUMNS), now)
        return _joined([self._vitals[s].frame for s in ids], VITALS_COLUMNS)

    def _fresh_events(self, ids: list[str], now: pd.Timestamp) -> pd.DataFrame:
        _forget(self._events, ids)
        for session_id in self._sessions_with_new_entries(now):
            self._events.pop(session_id, None)
        for session_id in ids:
            cached = self._events.get(session_id)
            if cached is None or self._expired(cached, now):
                self._events[session_id] = _Cached(self.store.session_events(session_id), now)
        return _joined([self._events[s].frame for s in ids], STORED_EVENT_COLUMNS)

    def _sessions_with_new_entries(self, now: pd.Timestamp) -> set[str]:
        """Sessions whose events changed since the last look, from the audit log."""
        if self._audit_checked is None:  # first look: every session is loaded in full anyway
            self._audit_checked = now
            return set()
        log = self.store.audit_log(since=(self._audit_checked - _AUDIT_OVERLAP).to_pydatetime())
        self._audit_checked = now
        new = log.loc[(log["entity"] == "event") & ~log["id"].isin(self._audit_seen)]
        self._audit_seen = set(log["id"])
        return set(new["session_id"].dropna())

    def _expired(self, cached: _Cached, now: pd.Timestamp) -> bool:
        return (now - cached.loaded_at).total_seconds() > self.reload_s


def _with_acknowledgements(episodes: pd.DataFrame, acknowledgements: pd.DataFrame) -> pd.DataFrame:
    """Open episodes with their store key and latest acknowledgement (``OPEN_ALERT_COLUMNS``)."""
    latest = acknowledgements.drop_duplicates("alert_key", keep="last").set_index("alert_key")
    latest = latest.rename(columns={"user": "acknowledged_by", "reason": "acknowledged_reason"})
    keyed = (
        episodes.assign(alert_key=alert_keys(episodes)) if len(episodes) else episodes.assign(alert_key="")
    )
    joined = keyed.join(latest[["acknowledged_by", "acknowledged_at", "acknowledged_reason"]], on="alert_key")
    return joined[list(OPEN_ALERT_COLUMNS)]


def _read_vitals(store: Store, since: dict[str, pd.Timestamp | None]) -> pd.DataFrame:
    """New vitals of every live session (one query), judged for artifacts before any alert.

    The store keeps what the monitor sent; like every file, it is judged for artifacts before an
    alert is computed (a probe-off 0 from an HL7 feed must never raise a low-SpO2 alarm).
    """
    frame = store.vitals_from(since)
    cleaned, _, _ = split_artifacts(frame, np.zeros(len(frame), dtype=np.int64), "store")
    return cleaned


def _forget(cache: dict[str, _Cached], ids: list[str]) -> None:
    for session_id in set(cache) - set(ids):
        del cache[session_id]


def _joined(frames: list[pd.DataFrame], columns: tuple[str, ...]) -> pd.DataFrame:
    frames = [frame for frame in frames if len(frame)]
    return pd.concat(frames, ignore_index=True) if frames else empty_frame(columns)
