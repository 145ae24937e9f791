"""The staff table: each login's roles (nurse, clinician, lead, analyst) and grants
(export_identifiable), for clinics whose identity provider sends no roles claim.

Append-only like the chairs: a login's roles are its latest row, so every grant stays on record.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10
"""

import sqlalchemy as sa
from alembic import op

from dashboard.core.store.migrations.append_only import make_append_only
from dashboard.core.store.models import AutoId, UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

NAME = sa.String(128)


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", AutoId, primary_key=True, autoincrement=True),
        sa.Column("login", NAME, nullable=False),
        sa.Column("roles", NAME, nullable=False),
        sa.Column("user", NAME, nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_staff_login", "staff", ["login", "id"])
    make_append_only("staff")


def downgrade() -> None:
    op.drop_table("staff")  # its triggers go with it on both backends
