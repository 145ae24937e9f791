"""The store's tables, as SQLAlchemy 2 models.

Entries that people or monitors make (vitals, events, acknowledgements, protocol changes,
the audit log) are append-only: a correction is a new event row that ``amends`` the one it
corrects, and the database refuses UPDATE and DELETE on those tables (migration 0002).
Sessions and alert episodes are state that moves on (a session ends, an episode grows), so
they may be updated; every such change by a person is written to the audit log.

Timestamps are stored in UTC; patients are known only by their pseudonymous id.
The migrations under ``migrations/versions`` create exactly these tables (a test compares them).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID_LENGTH = 36  # client-generated UUIDs, so a retried submission is recognised as the same entry
NAME_LENGTH = 128

# SQLite only auto-increments an INTEGER primary key.
AutoId = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite has no time zone support)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the store only takes UTC-aware times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Patient(Base):
    __tablename__ = "patients"

    patient_id: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Session(Base):
    __tablename__ = "sessions"

    session_id: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    patient_id: Mapped[str | None] = mapped_column(ForeignKey("patients.patient_id"))
    chair: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    infusion_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    infusion_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_minutes: Mapped[float | None] = mapped_column(Float)
    dose_mg_per_kg: Mapped[float | None] = mapped_column(Float)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    indication: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by: Mapped[str] = mapped_column(String(NAME_LENGTH))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    # Kept at check-in (migration 0005): what was planned, and the protocol change in force.
    total_dose_mg: Mapped[float | None] = mapped_column(Float)
    rate_mg_per_h: Mapped[float | None] = mapped_column(Float)
    protocol_version: Mapped[str | None] = mapped_column(String(64))
    # Why a checked-in session ended without a discharge (migration 0008): it may then be signed.
    end_reason: Mapped[str | None] = mapped_column(Text)


class VitalValues:
    """The value columns of a wide-form sample row: the vitals of ``data/vitals.toml`` (a test checks)."""

    hr: Mapped[float | None] = mapped_column(Float)
    sbp: Mapped[float | None] = mapped_column(Float)
    dbp: Mapped[float | None] = mapped_column(Float)
    map: Mapped[float | None] = mapped_column(Float)
    spo2: Mapped[float | None] = mapped_column(Float)
    rr: Mapped[float | None] = mapped_column(Float)


class Vitals(VitalValues, Base):
    """One wide-form sample row of a session: from a monitor, a feed or a file, or charted by
    hand (``source`` ``manual``, with the form submission's ``entry_id``)."""

    __tablename__ = "vitals"
    __table_args__ = (
        Index("ix_vitals_session_time", "session_id", "timestamp"),
        Index("ix_vitals_entry_id", "entry_id", unique=True),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.session_id"))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    user: Mapped[str] = mapped_column(String(NAME_LENGTH))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str | None] = mapped_column(String(16))
    entry_id: Mapped[str | None] = mapped_column(String(64))


class Event(Base):
    """A side effect, intervention or marker as entered; an amendment points at the row it corrects.

    ``amends`` is unique: each row can be corrected once, so two staff correcting the same
    entry at the same moment cannot both succeed unnoticed (the second is told to reload).
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_session", "session_id"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.session_id"))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    event: Mapped[str] = mapped_column(String(NAME_LENGTH))
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str | None] = mapped_column(String(16))
    ctcae_grade: Mapped[int | None] = mapped_column(Integer)
    scale: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    user: Mapped[str] = mapped_column(String(NAME_LENGTH))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amends: Mapped[str | None] = mapped_column(ForeignKey("events.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)


class AlertEpisode(Base):
    """The latest known state of one alert episode, keyed by session, rule and start."""

    __tablename__ = "alert_episodes"
    __table_args__ = (Index("ix_alert_episodes_open", "is_open"),)

    alert_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.session_id"))
    vital: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(NAME_LENGTH))
    priority: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    onset: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    peak: Mapped[float | None] = mapped_column(Float)
    limit: Mapped[float | None] = mapped_column(Float)
    n_samples: Mapped[int] = mapped_column(Integer)
    is_open: Mapped[bool] = mapped_column(Boolean)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Acknowledgement(Base):
    __tablename__ = "acknowledgements"
    __table_args__ = (Index("ix_acknowledgements_alert", "alert_key"),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    alert_key: Mapped[str] = mapped_column(ForeignKey("alert_episodes.alert_key"))
    user: Mapped[str] = mapped_column(String(NAME_LENGTH))
    reason: Mapped[str] = mapped_column(Text)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProtocolChange(Base):
    __tablename__ = "protocol_changes"

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    user: Mapped[str] = mapped_column(String(NAME_LENGTH))
    reason: Mapped[str] = mapped_column(Text)
    toml_text: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user: Mapped[str] = mapped_column(String(NAME_LENGTH))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(255))
    session_id: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    detail: Mapped[str | None] = mapped_column(Text)


class BedAssignment(Base):
    """Which session a bed or device feeds, as a history: the latest row for an id is in force.

    Unassigning appends a row without a session, so the table stays append-only like the
    other entries, and "who linked this monitor to that patient, when" is never lost.
    """

    __tablename__ = "bed_assignments"
    __table_args__ = (Index("ix_bed_assignments_bed", "bed_or_device_id", "id"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    bed_or_device_id: Mapped[str] = mapped_column(String(NAME_LENGTH))
    session_id: Mapped[str | None] = mapped_column(ForeignKey("sessions.session_id"))
    user: Mapped[str] = mapped_column(String(NAME_LENGTH))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IngestFile(Base):
    """How far ``ingest --watch`` has read a growing export, committed with the rows it read."""

    __tablename__ = "ingest_files"

    path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[int] = mapped_column(Integer)
    header: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HeldVitals(VitalValues, Base):
    """Readings of a monitor that no session was assigned to when they came (append-only).

    A monitor is often connected before the patient is checked in: its first readings are the
    session's baseline, so they are kept, and attached when the monitor is assigned.
    """

    __tablename__ = "held_vitals"
    __table_args__ = (
        Index("ix_held_vitals_monitor", "monitor_id", "timestamp"),
        Index("ix_held_vitals_received", "received_at"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    monitor_id: Mapped[str] = mapped_column(String(NAME_LENGTH))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)  # an event text the monitor sent, instead of vitals
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HeldAttachment(Base):
    """Which held reading was copied into which session's vitals, so none is copied twice."""

    __tablename__ = "held_attachments"

    held_id: Mapped[int] = mapped_column(ForeignKey("held_vitals.id"), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.session_id"), primary_key=True)
    user: Mapped[str] = mapped_column(String(NAME_LENGTH))
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeviceAlarm(Base):
    """One report of a monitor's own alarm (IHE PCD-04): each phase (start, continue, end) is a
    row, so an alarm's history is never rewritten. Kept apart from the dashboard's computed
    alert episodes: the two are shown side by side, never merged."""

    __tablename__ = "device_alarms"
    __table_args__ = (
        Index("ix_device_alarms_monitor", "monitor_id", "alarm_id", "id"),
        Index("ix_device_alarms_session", "session_id", "at"),
    )

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    monitor_id: Mapped[str] = mapped_column(String(NAME_LENGTH))
    session_id: Mapped[str | None] = mapped_column(ForeignKey("sessions.session_id"))
    alarm_id: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    event_code: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(Text)
    vital: Mapped[str | None] = mapped_column(String(32))
    value: Mapped[float | None] = mapped_column(Float)
    phase: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str | None] = mapped_column(String(32))
    inactivation: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[str | None] = mapped_column(String(16))
    kind: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Chair(Base):
    """One version of a chair's configuration (append-only): a chair's latest row is in force,
    and a removed chair is a row with ``removed`` set, so its history stays."""

    __tablename__ = "chairs"
    __table_args__ = (Index("ix_chairs_name", "name", "id"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    removed: Mapped[bool] = mapped_column(Boolean)
    user: Mapped[str] = mapped_column(String(NAME_LENGTH))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChairMonitor(Base):
    """A monitor identifier (HL7 bed, EUI-64, recorder code) of one chair version; none = charted by hand."""

    __tablename__ = "chair_monitors"

    chair_row: Mapped[int] = mapped_column(ForeignKey("chairs.id"), primary_key=True)
    monitor_id: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)


class Discharge(Base):
    """A session's discharge (append-only, one per session): when, by whom, the criteria as they
    stood (JSON: key, label, state, reason each), when they were first all met, and the reason
    for discharging with a criterion unmet."""

    __tablename__ = "discharges"
    __table_args__ = (Index("ix_discharges_session", "session_id", unique=True),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.session_id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    criteria: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    user: Mapped[str] = mapped_column(String(NAME_LENGTH))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignOff(Base):
    """The clinician's signature of a discharged session (append-only, one per session): from
    then on the session is locked, and later entries are addenda with a reason."""

    __tablename__ = "sign_offs"
    __table_args__ = (Index("ix_sign_offs_session", "session_id", unique=True),)

    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.session_id"))
    user: Mapped[str] = mapped_column(String(NAME_LENGTH))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StaffMember(Base):
    """One version of a staff member's roles (append-only): the latest row of a login is in
    force, and taking every role away is a row with none, so who granted what stays on record.
    For clinics whose identity provider sends no roles claim."""

    __tablename__ = "staff"
    __table_args__ = (Index("ix_staff_login", "login", "id"),)

    id: Mapped[int] = mapped_column(AutoId, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(NAME_LENGTH))
    roles: Mapped[str] = mapped_column(String(NAME_LENGTH))  # space-separated roles and grants
    user: Mapped[str] = mapped_column(String(NAME_LENGTH))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
