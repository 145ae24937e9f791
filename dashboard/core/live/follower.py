"""The live sessions' rows kept in memory, refreshed from the store with only what is new.

The chairs overview refreshes every few seconds; reading every live session's hour of 1 Hz
vitals on every refresh costs a quarter of a second with 12 chairs. Vitals are append-only and
arrive in time order, so each session's frame is extended with the rows from its last timestamp
on, for all sessions in one query (rows sharing that timestamp are read again, in case another
writer added one, and replace the cached ones); the sessions' frames are slices of one joined
frame, so a refresh costs one concatenation, not one per chair. Events are re-read for a session,
and acknowledgements at all, only when the audit log (written in the same transaction as every
entry by a person) shows a new entry. A full reload every ``reload_s`` picks up anything that
arrived out of order (a backfilled export).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard.core.analysis.alerts import alert_keys
from dashboard.core.analysis.protocol import Protocol
from dashboard.core.live.monitor_assignment import unassigned_senders
from dashboard.core.live.overview import live_alerts, open_episodes, session_clocks, shown_device_alarms
from dashboard.core.loading.artifacts import split_artifacts
from dashboard.core.model import VITALS_COLUMNS, empty_frame
from dashboard.core.store import Store
from dashboard.core.store.alert_rows import OPEN_ALERT_COLUMNS
from dashboard.core.store.audit_trail import AUDIT_COLUMNS
from dashboard.core.store.entries import STORED_EVENT_COLUMNS

_AUDIT_OVERLAP = pd.Timedelta(seconds=30)  # writers' clocks and commit order may disagree this much
_NO_VITALS = empty_frame(VITALS_COLUMNS)


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
    device_alarms: pd.DataFrame  # active alarms of the live sessions' own monitors (PCD-04) to show
    unassigned_monitors: pd.DataFrame  # monitors sending with no session (``store.held_monitors``)


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
    _acknowledgements: _Cached | None = None
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
            entries = self._new_audit_entries(wall_now)
            events = self._fresh_events(ids, entries, wall_now)
            clocks = session_clocks(sessions, wall_now)
            alerts = live_alerts(vitals, sessions, protocol, clocks)
            if self._recorded is None or not alerts.equals(self._recorded):
                self.store.record_alerts(alerts)  # shared: other screens, acknowledgements
                self._recorded = alerts
            acknowledged = self._fresh_acknowledgements(entries, wall_now)
            device_alarms = shown_device_alarms(self.store.active_device_alarms(ids))
            unassigned = unassigned_senders(self.store, wall_now)
        open_alerts = _with_acknowledgements(open_episodes(alerts, vitals, clocks), acknowledged)
        return LiveSnapshot(
            wall_now,
            protocol,
            sessions,
            clocks,
            vitals,
            events,
            alerts,
            open_alerts,
            device_alarms,
            unassigned,
        )

    def _fresh_vitals(self, ids: list[str], now: pd.Timestamp) -> pd.DataFrame:
        """The live sessions' vitals, in (session id, time) order: the order of the categorical's
        codes, which ``session_arrays`` then takes as they are instead of sorting every refresh."""
        _forget(self._vitals, ids)
        ids = sorted(ids)
        since = {session_id: self._vitals_since(session_id, now) for session_id in ids}
        dtype = pd.CategoricalDtype(pd.Index(ids, dtype="str"))
        rows = _read_vitals(self.store, since)
        rows["session_id"] = rows["session_id"].astype(dtype)
        new = dict(list(rows.groupby("session_id", sort=False, observed=True)))
        parts = [self._kept_vitals(session_id, since[session_id], new.get(session_id)) for session_id in ids]
        joined = _joined([part for pair in parts for part in pair], VITALS_COLUMNS)
        joined["session_id"] = joined["session_id"].astype(dtype)  # changes only when the sessions do
        offset = 0
        for session_id, (kept, added) in zip(ids, parts, strict=True):
            length = len(kept) + len(added)
            if since[session_id] is None:
                self._vitals[session_id] = _Cached(joined.iloc[offset : offset + length], now)
            else:
                self._vitals[session_id].frame = joined.iloc[offset : offset + length]
            offset += length
        return joined

    def _vitals_since(self, session_id: str, now: pd.Timestamp) -> pd.Timestamp | None:
        """From when to read a session's vitals: its newest cached time, or None to read it all."""
        cached = self._vitals.get(session_id)
        if cached is None or self._expired(cached, now) or cached.frame.empty:
            return None
        return cached.frame["timestamp"].iloc[-1]  # again: another writer may add a row at that time

    def _kept_vitals(
        self, session_id: str, since: pd.Timestamp | None, added: pd.DataFrame | None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The cached rows to keep and the rows read: those read from ``since`` on replace the cached
        ones from then (rows are in time order)."""
        if since is None:
            return _NO_VITALS, _NO_VITALS if added is None else added
        frame = self._vitals[session_id].frame
        if added is None:
            return frame, _NO_VITALS
        return frame.iloc[: frame["timestamp"].searchsorted(since, side="left")], added

    def _fresh_events(self, ids: list[str], entries: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
        """Events of the live sessions, re-read for those with a new audit entry about an event."""
        _forget(self._events, ids)
        for session_id in set(entries.loc[entries["entity"] == "event", "session_id"].dropna()):
            self._events.pop(session_id, None)
        for session_id in ids:
            cached = self._events.get(session_id)
            if cached is None or self._expired(cached, now):
                self._events[session_id] = _Cached(self.store.session_events(session_id), now)
        return _joined([self._events[s].frame for s in ids], STORED_EVENT_COLUMNS)

    def _fresh_acknowledgements(self, entries: pd.DataFrame, now: pd.Timestamp) -> pd.DataFrame:
        """The latest acknowledgement of each alert, re-read when the audit log shows a new one."""
        cached = self._acknowledgements
        if cached is None or self._expired(cached, now) or (entries["entity"] == "alert").any():
            self._acknowledgements = cached = _Cached(
                _latest_acknowledgements(self.store.acknowledgements()), now
            )
        return cached.frame

    def _new_audit_entries(self, now: pd.Timestamp) -> pd.DataFrame:
        """Audit entries not seen at the last look (none at the first: everything is loaded then)."""
        if self._audit_checked is None:
            self._audit_checked = now
            return empty_frame(AUDIT_COLUMNS)
        log = self.store.audit_log(since=(self._audit_checked - _AUDIT_OVERLAP).to_pydatetime())
        self._audit_checked = now
        new = log.loc[~log["id"].isin(self._audit_seen)]
        self._audit_seen = set(log["id"])
        return new

    def _expired(self, cached: _Cached, now: pd.Timestamp) -> bool:
        return (now - cached.loaded_at).total_seconds() > self.reload_s


def _latest_acknowledgements(acknowledgements: pd.DataFrame) -> pd.DataFrame:
    """The latest acknowledgement of each alert key (index), named as in ``OPEN_ALERT_COLUMNS``."""
    latest = acknowledgements.drop_duplicates("alert_key", keep="last").set_index("alert_key")
    latest = latest.rename(columns={"user": "acknowledged_by", "reason": "acknowledged_reason"})
    return latest[["acknowledged_by", "acknowledged_at", "acknowledged_reason"]]


def _with_acknowledgements(episodes: pd.DataFrame, latest: pd.DataFrame) -> pd.DataFrame:
    """Open episodes with their store key and latest acknowledgement (``OPEN_ALERT_COLUMNS``)."""
    keyed = (
        episodes.assign(alert_key=alert_keys(episodes)) if len(episodes) else episodes.assign(alert_key="")
    )
    return keyed.join(latest, on="alert_key")[list(OPEN_ALERT_COLUMNS)]


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
