"""The clinic's chairs and the monitors each one has, as a history; what check-in records
with a session (total dose, rate, the protocol in force).

``chairs`` and ``chair_monitors`` are append-only: a chair's configuration is its latest row,
so who set up which monitor on which chair, and when, is never lost.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from dashboard.core.store.migrations.append_only import make_append_only
from dashboard.core.store.models import AutoId, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

NAME = sa.String(128)
SESSION_COLUMNS = ("total_dose_mg", "rate_mg_per_h", "protocol_version")


def upgrade() -> None:
    op.create_table(
        "chairs",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("name", NAME, nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("user", NAME, nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_chairs_name", "chairs", ["name", "id"])
    op.create_table(
        "chair_monitors",
        sa.Column("chair_row", AutoId, sa.ForeignKey("chairs.id"), primary_key=True),
        sa.Column("monitor_id", NAME, primary_key=True),
    )
    for table in ("chairs", "chair_monitors"):
        make_append_only(table)
    op.add_column("sessions", sa.Column("total_dose_mg", sa.Float(), nullable=True))
    op.add_column("sessions", sa.Column("rate_mg_per_h", sa.Float(), nullable=True))
    op.add_column("sessions", sa.Column("protocol_version", sa.String(64), nullable=True))


def downgrade() -> None:
    for column in reversed(SESSION_COLUMNS):
        op.drop_column("sessions", column)
    for table in ("chair_monitors", "chairs"):
        op.drop_table(table)  # their triggers go with them on both backends
