"""Initial schema: patients, sessions, vitals, events, alert episodes, acknowledgements,
protocol changes and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from dashboard.core.store.models import AutoId, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patients",
        sa.Column("patient_id", sa.String(128), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("session_id", sa.String(128), primary_key=True),
        sa.Column("patient_id", sa.String(128), sa.ForeignKey("patients.patient_id"), nullable=True),
        sa.Column("chair", sa.String(128), nullable=True),
        sa.Column("infusion_start", UTCDateTime(), nullable=True),
        sa.Column("infusion_end", UTCDateTime(), nullable=True),
        sa.Column("planned_minutes", sa.Float(), nullable=True),
        sa.Column("dose_mg_per_kg", sa.Float(), nullable=True),
        sa.Column("weight_kg", sa.Float(), nullable=True),
        sa.Column("indication", sa.String(128), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("started_by", sa.String(128), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_by", sa.String(128), nullable=True),
    )
    op.create_table(
        "vitals",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.String(128), sa.ForeignKey("sessions.session_id"), nullable=False),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        *(sa.Column(vital, sa.Float(), nullable=True) for vital in ("hr", "sbp", "dbp", "map", "spo2", "rr")),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_vitals_session_time", "vitals", ["session_id", "timestamp"])
    op.create_table(
        "events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("session_id", sa.String(128), sa.ForeignKey("sessions.session_id"), nullable=False),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        sa.Column("event", sa.String(128), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("severity", sa.String(16), nullable=True),
        sa.Column("ctcae_grade", sa.Integer(), nullable=True),
        sa.Column("scale", sa.String(32), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
        sa.Column("amends", sa.String(36), sa.ForeignKey("events.id"), nullable=True, unique=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("retracted", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_events_session", "events", ["session_id"])
    op.create_table(
        "alert_episodes",
        sa.Column("alert_key", sa.String(255), primary_key=True),
        sa.Column("session_id", sa.String(128), sa.ForeignKey("sessions.session_id"), nullable=False),
        sa.Column("vital", sa.String(32), nullable=False),
        sa.Column("rule", sa.String(128), nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("start", UTCDateTime(), nullable=False),
        sa.Column("onset", UTCDateTime(), nullable=True),
        sa.Column("end", UTCDateTime(), nullable=True),
        sa.Column("peak", sa.Float(), nullable=True),
        sa.Column("limit", sa.Float(), nullable=True),
        sa.Column("n_samples", sa.Integer(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_alert_episodes_open", "alert_episodes", ["is_open"])
    op.create_table(
        "acknowledgements",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("alert_key", sa.String(255), sa.ForeignKey("alert_episodes.alert_key"), nullable=False),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_acknowledgements_alert", "acknowledgements", ["alert_key"])
    op.create_table(
        "protocol_changes",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("toml_text", sa.Text(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("entity", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("session_id", sa.String(128), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
    )


def downgrade() -> None:
    for table in (
        "audit_log",
        "protocol_changes",
        "acknowledgements",
        "alert_episodes",
        "events",
        "vitals",
        "sessions",
        "patients",
    ):
        op.drop_table(table)
