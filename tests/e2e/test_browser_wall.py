"""The Chairs page's wall view (``?view=wall``) in a real browser at 1920x1080: twelve chairs in
the window without scrolling, fonts read from 3 m, and a high alert's tile flashing at the IEC
high-priority rate until it is acknowledged.

The chairs are written straight into the store the app watches (as a monitor would), before the
browser opens, so the app starts on the Chairs page.
"""

from __future__ import annotations

import re

import pytest

from dashboard.ui.chair_tiles import FLASH, FLASH_HZ
from dashboard.ui.wall_view import ALERT_U, NAME_U, NUMBER_U, unit_px
from tests.e2e.harness import HIGH, LOAD_TIMEOUT_MS, ONE_REFRESH_MS, expect, rgb, wait_until_idle
from tests.live_app import add_reading, start_chair

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 1920, 1080
CHAIRS = 12
ALARMED = "E2E-WALL-01"
TILES = ".st-key-wall-board div[class*='st-key-tile-']"
MIN_FONT_PX = 40  # chair name, priority and numbers: a 28 px capital, 20' of arc at 3 m on a 55" screen


@pytest.fixture(scope="module")
def wall(browser, server, store):
    for n in range(1, CHAIRS + 1):
        start_chair(store, f"E2E-WALL-{n:02}", f"Chair {n}")
    add_reading(store, ALARMED, sbp=200.0, dbp=95.0)
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"{server.url}/?view=wall")
    wait_until_idle(page)
    expect(page.locator(TILES)).to_have_count(CHAIRS, timeout=LOAD_TIMEOUT_MS)
    yield page
    context.close()


def font_px(page, selector: str) -> list[float]:
    return page.eval_on_selector_all(
        selector, "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
    )


def test_twelve_chairs_fit_1920x1080_without_scrolling_in_fonts_read_from_3_m(wall):
    page = wall
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_text("Last updated")).to_be_visible()
    boxes = [tile.bounding_box() for tile in page.locator(TILES).all()]
    assert len(boxes) == CHAIRS
    for box in boxes:
        assert box["x"] >= 0 and box["y"] >= 0, box
        assert box["x"] + box["width"] <= WIDTH and box["y"] + box["height"] <= HEIGHT, box
    assert len({round(box["x"]) for box in boxes}) == 4  # 4 columns of 3 rows (wall_layout)
    scroll = page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stMain], html, body')]"
        ".map(e => e.scrollHeight - e.clientHeight)"
    )
    assert max(scroll) <= 0, scroll
    clipped = page.eval_on_selector_all(
        TILES, "els => els.filter(e => e.scrollHeight > e.clientHeight + 1).length"
    )
    assert clipped == 0  # every tile's content fits its cell

    unit = unit_px(CHAIRS, 4, WIDTH, HEIGHT)  # 10.8 px
    names = font_px(page, ".st-key-wall-board [class*='st-key-wallhead-'] p")
    numbers = font_px(page, ".st-key-wall-board [data-testid='stMetricValue']")
    alerts = font_px(page, ".st-key-wall-board [class*='st-key-wallinfo-'] > :first-child p")
    assert len(names) == 2 * CHAIRS and len(numbers) == 3 * CHAIRS and len(alerts) == CHAIRS
    assert names == pytest.approx([NAME_U * unit] * len(names), abs=0.2)  # 47.5 px: name and priority
    assert numbers == pytest.approx([NUMBER_U * unit] * len(numbers), abs=0.2)  # 45.4 px
    assert alerts == pytest.approx([ALERT_U * unit] * len(alerts), abs=0.2)  # 28.1 px
    assert min(names + numbers) >= MIN_FONT_PX


def test_an_unacknowledged_high_alert_flashes_at_2_hz_until_acknowledged(wall, store):
    page = wall
    red = page.locator(".st-key-wall-board div[class*='st-key-tile-high-'][class*='-flash']")
    expect(red).to_have_count(1, timeout=ONE_REFRESH_MS)
    expect(red).to_contain_text("Chair 1")
    expect(red).to_have_css("background-color", HIGH)
    expect(red).to_have_css("animation-name", FLASH)
    duration_s = float(red.evaluate("e => getComputedStyle(e).animationDuration").removesuffix("s"))
    assert 1.4 <= 1 / duration_s <= 2.8 and 1 / duration_s == FLASH_HZ  # IEC high priority (reference I2)
    # The border's colour over one period, read by seeking the running animation (50 % duty cycle).
    colours = red.evaluate(
        """(e, name) => {
            const flash = e.getAnimations().find(a => a.animationName === name);
            const state = flash.playState, seen = [];
            for (const at of [50, 200, 300, 450]) {
                flash.currentTime = at;
                seen.push(getComputedStyle(e).borderTopColor);
            }
            return [state, ...seen];
        }""",
        FLASH,
    )
    assert colours == ["running", rgb("#ffffff"), rgb("#ffffff"), HIGH, HIGH]

    alerts = store.open_alerts(ALARMED)
    key = alerts.loc[alerts["priority"] == "high", "alert_key"].iloc[0]
    store.acknowledge(key, user="Nurse Wall", reason="repeat cuff reading taken")
    steady = page.locator(".st-key-wall-board div[class*='st-key-tile-high-']").filter(has_text="Chair 1")
    expect(steady).to_contain_text("acknowledged by Nurse Wall", timeout=ONE_REFRESH_MS)
    expect(steady).not_to_have_class(re.compile("-flash"))
    expect(steady).to_have_css("animation-name", "none")
    expect(steady).to_have_css("background-color", HIGH)  # still red: the alert is open
    expect(page.locator("div[class*='-flash']")).to_have_count(0)
