"""The bedside monitors' own alarms (IHE PCD-04), as the monitors reported them.

Every report is a row (append-only), so the store keeps an alarm's whole course: when it
started, each update, who paused it at the monitor, when it ended. An alarm is active while its
latest report is neither an end nor inactive. These rows are never merged with the dashboard's
computed alert episodes (``alert_rows``): a central view shows both, each marked as what it is.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from dashboard.core.model import DEVICE_ALARM_COLUMNS, conform
from dashboard.core.store.models import DeviceAlarm, utcnow
from dashboard.core.store.store_base import EntryError, StoreBase, _records

STORED_ALARM_COLUMNS: tuple[str, ...] = (*DEVICE_ALARM_COLUMNS, "received_at")
ENDED_PHASES = ("end",)
INACTIVE_STATES = ("inactive",)


class DeviceAlarms(StoreBase):
    """Store mixin: device alarm reports and which of them are still active."""

    def add_device_alarms(self, alarms: pd.DataFrame) -> int:
        """Append alarm reports (``DEVICE_ALARM_COLUMNS``; ``session_id`` may be missing)."""
        if alarms.empty:
            return 0
        rows = conform(alarms, DEVICE_ALARM_COLUMNS)
        missing = [c for c in ("monitor_id", "alarm_id", "event_code", "at") if rows[c].isna().any()]
        if missing:
            raise EntryError(f"device alarm reports need {', '.join(missing)} on every row")
        with self._write() as conn:
            conn.execute(
                DeviceAlarm.__table__.insert(),
                _records(rows.assign(received_at=utcnow()), list(STORED_ALARM_COLUMNS)),
            )
        return len(rows)

    def device_alarm_reports(self, session_id: str | None = None) -> pd.DataFrame:
        """Every report, oldest first (of one session if given)."""
        table = DeviceAlarm.__table__
        query = select(*(table.c[c] for c in STORED_ALARM_COLUMNS))
        if session_id is not None:
            query = query.where(table.c.session_id == session_id)
        return self._frame(query.order_by(table.c.at, table.c.id), STORED_ALARM_COLUMNS)

    def active_device_alarms(self, session_ids: list[str] | None = None) -> pd.DataFrame:
        """The latest report of each alarm still going (of these sessions' monitors, if given:
        the live pages ask every few seconds), highest priority and newest first."""
        table = DeviceAlarm.__table__
        latest = select(func.max(table.c.id)).group_by(table.c.monitor_id, table.c.alarm_id)
        if session_ids is not None:
            latest = latest.where(table.c.session_id.in_(session_ids))
        latest = latest.scalar_subquery()
        query = select(*(table.c[c] for c in STORED_ALARM_COLUMNS)).where(
            table.c.id.in_(latest),
            func.coalesce(table.c.phase, "").not_in(ENDED_PHASES),
            func.coalesce(table.c.state, "").not_in(INACTIVE_STATES),
        )
        active = self._frame(query.order_by(table.c.at.desc(), table.c.id.desc()), STORED_ALARM_COLUMNS)
        rank = active["priority"].map({"high": 0, "medium": 1, "low": 2}).fillna(3)
        return active.iloc[rank.argsort(kind="stable")].reset_index(drop=True)
