"""The ``store`` fixture of the store tests: a store on each backend with one session started."""

from __future__ import annotations

import pytest

from dashboard.core.store import open_store


@pytest.fixture
def store(database_url):
    with open_store(database_url) as store:
        store.start_session("P01-S1", user="nurse.a", patient_id="P01", chair="Chair 1")
        yield store
