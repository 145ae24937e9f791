"""Alembic environment: migrations run only through ``dashboard.core.store.schema.upgrade``,
which hands over a connection already inside the transaction (and lock) they must run in.

A new revision is a new file in ``versions/`` (copy the layout of the latest one, set
``down_revision`` to it); never edit a revision that has shipped.
"""

from alembic import context

from dashboard.core.store.models import Base

context.configure(connection=context.config.attributes["connection"], target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
