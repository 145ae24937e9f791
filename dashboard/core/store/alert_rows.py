"""Alert episodes shared between screens, and their acknowledgements.

The alert engine runs on each screen; the store keeps one row per episode (by its key), so an
acknowledgement made on one screen shows on all, and an episode's open flag follows the rule
the live pages use.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, case, func, select

from dashboard.core.analysis.alerts import alert_keys, still_sounding
from dashboard.core.model import ALERT_COLUMNS, TIMESTAMP_DTYPE, VITALS, conform
from dashboard.core.roles import Actor
from dashboard.core.store.models import Acknowledgement, AlertEpisode, Session, Vitals, utcnow
from dashboard.core.store.store_base import (
    EntryError,
    StoreBase,
    _audit,
    _dialect_insert,
    _insert_new,
    _new_id,
    _records,
    _required,
)

OPEN_ALERT_COLUMNS: tuple[str, ...] = (
    "alert_key",
    *ALERT_COLUMNS,
    "acknowledged_by",
    "acknowledged_at",
    "acknowledged_reason",
)
ACKNOWLEDGEMENT_COLUMNS: tuple[str, ...] = (
    "id",
    "alert_key",
    "session_id",
    "user",
    "reason",
    "acknowledged_at",
)


class AlertRows(StoreBase):
    """Store mixin: alert episodes and acknowledgements."""

    def record_alerts(self, alerts: pd.DataFrame) -> None:
        """Share the alert engine's episodes with every screen.

        Whether an episode is still open follows ``alerts.still_sounding``, the rule the live pages
        use: a physiological episode until a newer reading of its vital, a technical one while it
        lasts to the session's latest sample; none once the session has ended.
        A screen that computed from fewer samples never overwrites a fuller view of an episode.
        """
        if alerts.empty:
            return
        episodes = conform(alerts, ALERT_COLUMNS)
        now = utcnow()
        with self._write() as conn:
            ids = episodes["session_id"].astype("str").unique().tolist()
            latest = _latest_readings(conn, ids)
            ended = conn.execute(
                select(Session.session_id).where(Session.session_id.in_(ids), Session.ended_at.is_not(None))
            ).scalars()
            sounding = still_sounding(episodes, latest, latest.max(axis=1))
            open_ = sounding & ~episodes["session_id"].isin(list(ended)).to_numpy()
            rows = episodes.assign(
                alert_key=alert_keys(episodes), is_open=open_, first_seen_at=now, updated_at=now
            )
            table = AlertEpisode.__table__
            insert = _dialect_insert(conn, table)
            changing = [c for c in ALERT_COLUMNS if c not in ("session_id", "rule", "start")]
            conn.execute(
                insert.on_conflict_do_update(
                    index_elements=["alert_key"],
                    set_={c: insert.excluded[c] for c in (*changing, "is_open", "updated_at")},
                    where=table.c.n_samples <= insert.excluded.n_samples,
                ),
                _records(rows, [c.name for c in table.columns]),
            )

    def open_alerts(self, session_id: str | None = None) -> pd.DataFrame:
        """Episodes still in breach, acknowledged or not, with the latest acknowledgement."""
        query = select(*(AlertEpisode.__table__.c[c] for c in ("alert_key", *ALERT_COLUMNS))).where(
            AlertEpisode.is_open
        )
        if session_id is not None:
            query = query.where(AlertEpisode.session_id == session_id)
        alerts = self._frame(
            query.order_by(AlertEpisode.onset, AlertEpisode.alert_key), ("alert_key", *ALERT_COLUMNS)
        )
        acks = self.acknowledgements(session_id).drop_duplicates("alert_key", keep="last")
        latest = acks.set_index("alert_key").rename(
            columns={"user": "acknowledged_by", "reason": "acknowledged_reason"}
        )[["acknowledged_by", "acknowledged_at", "acknowledged_reason"]]
        return alerts.join(latest, on="alert_key")[list(OPEN_ALERT_COLUMNS)]

    def acknowledge(
        self, alert_key: str, *, user: str | Actor, reason: str, entry_id: str | None = None
    ) -> str:
        """Acknowledge an alert episode, for everyone to see; a reason is mandatory."""
        user, reason = self._authorise(user, "acknowledge"), _required(reason, "reason")
        entry_id = entry_id or _new_id()
        with self._write() as conn:
            session_id = conn.execute(
                select(AlertEpisode.session_id).where(AlertEpisode.alert_key == alert_key)
            ).scalar_one_or_none()
            if session_id is None:
                raise EntryError(f"no alert {alert_key!r} to acknowledge")
            row = {
                "id": entry_id,
                "alert_key": alert_key,
                "user": user,
                "reason": reason,
                "acknowledged_at": utcnow(),
            }
            if _insert_new(conn, Acknowledgement.__table__, row):
                _audit(conn, user, "alert_acknowledged", "alert", alert_key, session_id, reason)
        return entry_id

    def acknowledgements(self, session_id: str | None = None) -> pd.DataFrame:
        """Every acknowledgement in the order made."""
        query = select(
            *(Acknowledgement.__table__.c[c] for c in ACKNOWLEDGEMENT_COLUMNS if c != "session_id"),
            AlertEpisode.session_id,
        ).join(AlertEpisode, AlertEpisode.alert_key == Acknowledgement.alert_key)
        if session_id is not None:
            query = query.where(AlertEpisode.session_id == session_id)
        return self._frame(
            query.order_by(Acknowledgement.acknowledged_at, Acknowledgement.id), ACKNOWLEDGEMENT_COLUMNS
        )


def _latest_readings(conn: Connection, session_ids: list[str]) -> pd.DataFrame:
    """Per session, the time of the latest reading of each vital (NaT where never measured)."""
    latest = [func.max(case((Vitals.__table__.c[v].is_not(None), Vitals.timestamp))).label(v) for v in VITALS]
    query = (
        select(Vitals.session_id, *latest)
        .where(Vitals.session_id.in_(session_ids))
        .group_by(Vitals.session_id)
    )
    frame = pd.DataFrame(conn.execute(query).all(), columns=["session_id", *VITALS]).set_index("session_id")
    return frame.apply(pd.to_datetime, utc=True).astype(TIMESTAMP_DTYPE)
