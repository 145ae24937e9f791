"""Helpers of the live pages' AppTest modules: a store in a temporary data folder, chairs in it.

Not a test module itself. The app finds the store through ``DASHBOARD_DATA_DIR``, as it does
when started from the README.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.core.store import Store, open_store
from tests.factories import monitored_vitals, vitals_frame
from tests.paths import APP

CHAIRS = "app_pages/chairs.py"
LIVE_SESSION = "app_pages/live_session.py"
AUDIT = "app_pages/audit.py"


def store_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """The store the app will open (each test module's ``store`` fixture yields from this)."""
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DASHBOARD_DATABASE_URL", raising=False)
    with open_store() as store:
        yield store


def start_chair(store: Store, session_id: str, chair: str, minutes: float = 10, **values: float) -> None:
    """A session on ``chair``, infusing for half of ``minutes``, monitored (``monitored_vitals``) to now."""
    now = pd.Timestamp.now(tz="UTC")
    store.start_session(
        session_id,
        user="nurse.setup",
        chair=chair,
        patient_id=f"P-{session_id}",
        planned_minutes=40,
        infusion_start=now - pd.Timedelta(minutes=minutes / 2),
    )
    store.add_vitals(monitored_vitals(session_id, now, minutes, **values), user="monitor")


def add_reading(store: Store, session_id: str, **values: float) -> None:
    """One reading of ``values`` now, as a monitor sends it."""
    reading = vitals_frame(session_id, start=pd.Timestamp.now(tz="UTC"), periods=1, **values)
    store.add_vitals(reading, user="monitor")


def open_app(page: str | None = None, user: str | None = None) -> AppTest:
    """A fresh browser session on ``page`` (after the start page), known as ``user`` if given."""
    at = AppTest.from_file(APP, default_timeout=60)
    if user:
        at.session_state["staff_name"] = user
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception
    return at


def texts(at: AppTest) -> list[str]:
    """Every markdown and caption text on the page (what a user reads outside tables)."""
    return [m.value for m in at.markdown] + [c.value for c in at.caption]


def widget(elements, label: str):
    return next(element for element in elements if element.label == label)
