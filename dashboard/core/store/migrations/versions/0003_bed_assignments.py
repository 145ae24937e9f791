"""Bed and device -> session assignments for the HL7 listener, append-only like other entries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from dashboard.core.store.migrations.append_only import make_append_only
from dashboard.core.store.models import AutoId, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLE = "bed_assignments"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("bed_or_device_id", sa.String(128), nullable=False),
        sa.Column("session_id", sa.String(128), sa.ForeignKey("sessions.session_id"), nullable=True),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("assigned_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_bed_assignments_bed", TABLE, ["bed_or_device_id", "id"])
    make_append_only(TABLE)  # on PostgreSQL through refuse_entry_change() of 0002


def downgrade() -> None:
    op.drop_table(TABLE)  # its triggers go with it on both backends
