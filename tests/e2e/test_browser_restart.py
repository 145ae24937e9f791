"""A restart of the app server (kill -9) between two entries loses no entry it confirmed.

Its own server and store (not the shared e2e server), so that killing it disturbs no other test.
What staff saw confirmed ("Reading saved") before the crash is in the store after it, and the
restarted app takes the next entry as if nothing happened.
"""

from __future__ import annotations

import os
import signal

import pytest

from dashboard.core.settings import SQLITE_FILE
from dashboard.core.store import open_store
from tests.e2e.harness import ONE_REFRESH_MS, expect, open_app, running_app
from tests.live_app import start_chair

pytestmark = pytest.mark.e2e


def chart_a_bp(browser, url: str, sbp: str, dbp: str) -> None:
    """In a new browser: the Live session page, a staff name, a BP charted by hand, confirmed."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    page = context.new_page()
    open_app(page, url, "Live session", "Live session")
    page.get_by_label("Staff name").fill("Nurse Restart")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("SBP mmHg").fill(sbp)
    page.get_by_label("DBP mmHg").fill(dbp)
    page.get_by_role("button", name="Save reading").click()
    expect(page.get_by_text("Reading saved")).to_be_visible(timeout=ONE_REFRESH_MS)  # a busy machine
    context.close()


def test_a_reading_confirmed_before_a_kill_9_of_the_app_is_kept_and_the_next_one_goes_in(browser, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with open_store(f"sqlite:///{data_dir / SQLITE_FILE}") as store:
        start_chair(store, "RESTART-1", "Restart Chair")
        with running_app(data_dir, tmp_path / "first.log") as first:
            chart_a_bp(browser, first.url, "141", "86")
            os.kill(first.process.pid, signal.SIGKILL)
            first.process.wait(timeout=20)
        with running_app(data_dir, tmp_path / "second.log") as second:
            chart_a_bp(browser, second.url, "139", "84")
        charted = store.session_vitals("RESTART-1")
        charted = charted.loc[charted["timestamp"].isin(store.hand_charted_times("RESTART-1"))]
        assert charted[["sbp", "dbp"]].values.tolist() == [[141, 86], [139, 84]]
        assert store.audit_log("RESTART-1").query("action == 'vitals_charted'")["user"].tolist() == [
            "Nurse Restart",
            "Nurse Restart",
        ]
