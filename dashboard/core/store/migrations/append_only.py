"""Triggers that make a table append-only, for the migrations that create entry tables.

PostgreSQL calls ``refuse_entry_change()`` (created by migration 0002) on UPDATE, DELETE and
TRUNCATE; SQLite aborts UPDATE and DELETE. So not even hand-written SQL rewrites an entry.
"""

from alembic import op

MESSAGE = "is append-only: record an amendment instead of changing or removing a row"


def make_append_only(table: str) -> None:
    """Refuse every change to ``table``'s rows but new ones, on either backend."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_entry_change()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION refuse_entry_change()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} {MESSAGE}'); END"
        )
