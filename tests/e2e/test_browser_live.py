"""The live pages in a real browser, with the demo feed writing to the same store.

The tests add their own chairs to the store the app watches (a temporary ``DASHBOARD_DATA_DIR``)
and write readings into it directly, as a monitor integration would, while the feed replays
sample sessions on other chairs.
"""

from __future__ import annotations

import pytest
from hl7.client import MLLPClient

from tests.e2e.harness import (
    HIGH,
    ONE_REFRESH_MS,
    choose,
    expect,
    open_app,
    running_command,
    tile,
    wait_until_idle,
)
from tests.factories import alarm_message
from tests.live_app import add_reading, start_chair

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def feed(server, store, tmp_path_factory):
    """``python -m dashboard feed`` replaying two sample sessions, ten times faster than real time."""
    log = tmp_path_factory.mktemp("feed") / "feed.log"
    with running_command(
        ["feed", "--speed", "10", "--chairs", "2"], "sessions started 2", server.data_dir, log
    ) as feed:
        yield feed


def test_reading_past_a_critical_limit_turns_the_chair_red_within_one_refresh(page, server, store, feed):
    start_chair(store, "E2E-RED", "Chair Red")
    open_app(page, server.url, "Chairs", "Chairs")
    chair = tile(page, "Chair Red")
    expect(chair).to_contain_text("No active alert")
    expect(chair).not_to_have_css("background-color", HIGH)

    add_reading(store, "E2E-RED", sbp=200.0, dbp=95.0)
    red = tile(page, "Chair Red", "high-")
    expect(red).to_have_css("background-color", HIGH, timeout=ONE_REFRESH_MS)
    expect(red).to_contain_text("HIGH Systolic BP 200")
    assert feed.poll() is None  # the feed kept running alongside


def shows_entry(page, chair: str, note: str) -> None:
    """The chair's tile names the side effect and its Entries table lists the note (live session page)."""
    expect(tile(page, chair)).to_contain_text("Latest side effect: Nausea", timeout=ONE_REFRESH_MS)
    cell = page.locator("[data-testid^='glide-cell-']").filter(has_text=note)
    expect(cell).to_have_count(1, timeout=ONE_REFRESH_MS)


def test_side_effect_logged_in_the_form_survives_a_reload_and_shows_in_a_second_browser(
    page, server, store, feed, launch
):
    note = "E2E: asked for a bowl"
    start_chair(store, "E2E-LOG", "Chair Log")
    open_app(page, server.url, "Live session", "Live session")
    choose(page, "Chair", "Chair Log")
    page.get_by_label("Staff name").fill("Nurse E2E")
    page.get_by_role("button", name="Continue").click()
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Log entry"))
    choose(page, "Entry", "Nausea", within=form)
    form.get_by_label("Note").fill(note)
    form.get_by_role("button", name="Log entry").click()
    shows_entry(page, "Chair Log", note)

    page.reload()  # a new browser session on the same page: nothing kept but the store
    wait_until_idle(page)
    choose(page, "Chair", "Chair Log")
    shows_entry(page, "Chair Log", note)

    other = launch().new_page(viewport={"width": 1400, "height": 1000})
    open_app(other, server.url, "Live session", "Live session")
    choose(other, "Chair", "Chair Log")
    shows_entry(other, "Chair Log", note)


def test_a_monitors_pcd04_alarm_sent_over_mllp_shows_on_its_chair_tile(page, server, store, hl7_listener):
    start_chair(store, "E2E-MON", "Chair Monitor")
    store.assign_bed("CHAIR-M", "E2E-MON", user="nurse.setup")
    open_app(page, server.url, "Chairs", "Chairs")
    expect(tile(page, "Chair Monitor")).to_contain_text("No active alert")

    with MLLPClient("127.0.0.1", hl7_listener) as client:
        ack = client.send_message(alarm_message(bed="^^CHAIR-M", priority="PH"))
    assert b"MSA|AA|R40-1" in ack

    alarmed = tile(page, "Chair Monitor", "high-")
    expect(alarmed).to_have_css("background-color", HIGH, timeout=ONE_REFRESH_MS)
    expect(alarmed).to_contain_text("MONITOR HIGH ** RR High (Respiratory rate 30)")
    page.screenshot(path=server.data_dir.parent / "chairs_monitor_alarm.png", full_page=True)

    with MLLPClient("127.0.0.1", hl7_listener) as client:
        client.send_message(alarm_message("end", bed="^^CHAIR-M", priority="PH", control_id="R40-2"))
    expect(tile(page, "Chair Monitor", "none-")).to_contain_text("No active alert", timeout=ONE_REFRESH_MS)
