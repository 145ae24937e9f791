"""Held readings of monitors without a session, and the monitors' own alarms (IHE PCD-04).

All three tables are append-only, like the other entries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

from dashboard.core.store.migrations.append_only import make_append_only
from dashboard.core.store.models import AutoId, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NAME = sa.String(128)
VITALS = ("hr", "sbp", "dbp", "map", "spo2", "rr")


def upgrade() -> None:
    op.create_table(
        "held_vitals",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("monitor_id", NAME, nullable=False),
        sa.Column("timestamp", UTCDateTime(), nullable=False),
        *(sa.Column(vital, sa.Float(), nullable=True) for vital in VITALS),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_held_vitals_monitor", "held_vitals", ["monitor_id", "timestamp"])
    op.create_index("ix_held_vitals_received", "held_vitals", ["received_at"])
    op.create_table(
        "held_attachments",
        sa.Column("held_id", AutoId, sa.ForeignKey("held_vitals.id"), primary_key=True),
        sa.Column("session_id", NAME, sa.ForeignKey("sessions.session_id"), primary_key=True),
        sa.Column("user", NAME, nullable=False),
        sa.Column("attached_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "device_alarms",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("monitor_id", NAME, nullable=False),
        sa.Column("session_id", NAME, sa.ForeignKey("sessions.session_id"), nullable=True),
        sa.Column("alarm_id", sa.String(255), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("event_code", sa.String(32), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("vital", sa.String(32), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        *(sa.Column(name, sa.String(32), nullable=True) for name in ("phase", "state", "inactivation")),
        sa.Column("priority", sa.String(16), nullable=True),
        sa.Column("kind", sa.String(32), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_device_alarms_monitor", "device_alarms", ["monitor_id", "alarm_id", "id"])
    op.create_index("ix_device_alarms_session", "device_alarms", ["session_id", "at"])
    for table in ("held_vitals", "held_attachments", "device_alarms"):
        make_append_only(table)


def downgrade() -> None:
    for table in ("device_alarms", "held_attachments", "held_vitals"):
        op.drop_table(table)  # their triggers go with them on both backends
