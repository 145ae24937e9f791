"""The shared session store: SQLite by default, PostgreSQL for several app instances.

Its modules, in the order data flows through them:

- ``engine``: where the store lives and how connections to it behave;
- ``models``: the tables, as SQLAlchemy models;
- ``schema`` (with the Alembic scripts in ``migrations/``): brings a database to those tables;
- ``store_base``: the base class of the mixins, the one check of who may write what, and their
  shared write and read helpers;
- the mixins, one per kind of record: ``session_rows`` (sessions and vitals), ``entries``
  (events and their corrections), ``alert_rows`` (alert episodes and acknowledgements),
  ``audit_trail`` (protocol changes and the audit log), ``beds`` (bed and device
  assignments), ``monitors`` (readings held for monitors without a session, and attaching
  them), ``device_alarms`` (the monitors' own alarms), ``chair_rows`` (the clinic's chairs and their
  monitors), ``check_in_rows`` (a session opened on a free chair), ``discharge_rows`` (a
  session's discharge and sign-off, after which it is locked), ``staff_rows`` (each login's
  roles, edited by a lead), ``watched_files`` (how far each
  watched file has been read), ``record_reads`` (stored sessions as the review's ``Dataset``),
  with ``arrow_reads``, ``sqlite_reader`` and ``vitals_snapshot`` (their vitals read fast);
- ``backup``: a consistent copy of the SQLite store while it is written, and the check of a copy;
- ``outage``: when the store cannot be reached, for the background processes: which errors
  mean that, backoff between attempts, one log line when an outage starts and one when it ends;
- ``repository``: ``Store``, composed of the mixins, and ``open_store``.
"""

from dashboard.core.roles import Actor, RoleError
from dashboard.core.store.entries import AlreadyAmendedError
from dashboard.core.store.repository import Store, open_store
from dashboard.core.store.store_base import EntryError
from dashboard.core.store.watched_files import IngestPosition

__all__ = ["Actor", "AlreadyAmendedError", "EntryError", "IngestPosition", "RoleError", "Store", "open_store"]
