"""Recovery and discharge, and the clinician's sign-off: one append-only row of each per session.

``discharges`` keeps when and by whom a patient went home, the discharge criteria as they stood,
when they were first all met and the reason for going with one unmet; ``sign_offs`` the signature
that locks the session (later entries are addenda with a reason).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

from dashboard.core.store.migrations.append_only import make_append_only
from dashboard.core.store.models import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

NAME = sa.String(128)
ID = sa.String(36)


def upgrade() -> None:
    op.create_table(
        "discharges",
        sa.Column("id", ID, primary_key=True),
        sa.Column("session_id", NAME, sa.ForeignKey("sessions.session_id"), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("ready_at", UTCDateTime(), nullable=True),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("user", NAME, nullable=False),
        sa.Column("entered_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_discharges_session", "discharges", ["session_id"], unique=True)
    op.create_table(
        "sign_offs",
        sa.Column("id", ID, primary_key=True),
        sa.Column("session_id", NAME, sa.ForeignKey("sessions.session_id"), nullable=False),
        sa.Column("user", NAME, nullable=False),
        sa.Column("signed_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_sign_offs_session", "sign_offs", ["session_id"], unique=True)
    for table in ("discharges", "sign_offs"):
        make_append_only(table)


def downgrade() -> None:
    for table in ("sign_offs", "discharges"):
        op.drop_table(table)  # their triggers go with them on both backends
