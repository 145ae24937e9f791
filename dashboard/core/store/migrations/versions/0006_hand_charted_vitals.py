"""Vitals charted by hand at the chair: where a row came from, and the form submission it was.

``source`` is ``manual`` for a reading staff typed in (empty for a monitor, a feed or a file);
``entry_id`` is the id of the form submission, unique, so that a double click or a reconnect
that sends the form again stores the reading once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("vitals", sa.Column("source", sa.String(16), nullable=True))
    op.add_column("vitals", sa.Column("entry_id", sa.String(64), nullable=True))
    op.create_index("ix_vitals_entry_id", "vitals", ["entry_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_vitals_entry_id", table_name="vitals")
    with op.batch_alter_table("vitals") as batch:
        batch.drop_column("entry_id")
        batch.drop_column("source")
