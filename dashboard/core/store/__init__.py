"""The shared session store: SQLite by default, PostgreSQL for several app instances."""

from dashboard.core.store.repository import (
    AlreadyAmendedError,
    EntryError,
    IngestPosition,
    Store,
    open_store,
)

__all__ = ["AlreadyAmendedError", "EntryError", "IngestPosition", "Store", "open_store"]
