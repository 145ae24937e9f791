"""Render each page of the app in headless Chromium and save PNGs to docs/screenshots/.

Run from the repository root: ``.venv/bin/python docs/take_screenshots.py``. Needs Debian's
``chromium`` (``apt-get install chromium``) and ``pip install playwright``; no browser download.
Starts its own ``streamlit run`` on a free local port and stops it afterwards (the browser
tests' server, ``tests/e2e/harness.py``, on a temporary ``DASHBOARD_DATA_DIR``). For the live
pages it then runs the feed's replay at speed 10 (as ``python -m dashboard feed --speed 10``)
into the same temporary ``DASHBOARD_DATA_DIR``: six sample sessions from 42 minutes in (where
the sample's blood pressure alarms are), one chair's SpO2 probe coming off, so that the shots
show red, yellow and quiet chairs and a stale value within a minute or two. The sample CSVs are
read with pandas directly (they are canonical), so the shots do not depend on the loaders.

``--wall`` takes only the wall view (``?view=wall``): 12 chairs at 1920x1080 and 20 at 3840x2160,
written straight into a fresh store (a high alert unacknowledged, one acknowledged, medium ones,
a probe off), ``wall_1920x1080.png`` and ``wall_3840x2160.png``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

import pandas as pd
from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script: the repository's packages (dashboard, tests)

from tests.e2e.harness import CHROMIUM, CHROMIUM_FLAGS, ServerError, running_app  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SAMPLE = ROOT / "sample_data"
WIDTH = 1400


def main() -> None:
    parser = argparse.ArgumentParser(description="Screenshots of the app's pages.")
    parser.add_argument(
        "--live-only", action="store_true", help="only the Chairs, Live session and Audit pages"
    )
    parser.add_argument("--wall", action="store_true", help="only the wall view, at 1920x1080 and 3840x2160")
    arguments = parser.parse_args()
    live_only = arguments.live_only
    OUT.mkdir(parents=True, exist_ok=True)
    if arguments.wall:
        for chairs, width, height in ((12, 1920, 1080), (20, 3840, 2160)):
            _shoot_wall(chairs, width, height)
        return
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "data"
        data_dir.mkdir()
        try:
            with running_app(data_dir, Path(scratch) / "streamlit.log") as server:
                if not live_only:
                    _shoot(server.url, _busiest_session())
                _start_feed(data_dir)  # a daemon thread: stops with this script
                _shoot_live(server.url)
        except ServerError as error:
            raise SystemExit(f"streamlit did not start: {error}") from None


def _shoot(url: str, session_id: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": 1000})
        page.goto(url)
        _settled(page)
        _save(page, "review.png")

        page.get_by_test_id("stSidebarNavLink").filter(has_text="Session detail").click()
        _settled(page)
        page.get_by_test_id("stSelectbox").first.click()
        page.keyboard.type(session_id)
        page.keyboard.press("Enter")
        page.get_by_test_id("stHeading").first.click()  # move focus off the picker
        _settled(page)
        _save(page, "session_detail.png")

        page.get_by_test_id("stSidebarNavLink").filter(has_text="Threshold what-if").click()
        _settled(page)
        _edit_limit(page, row=1, new_limit="140")  # sbp_high_caution 160 -> 140
        _save(page, "threshold_whatif.png")
        browser.close()


FEED_SESSIONS = ("P04-S3", "P08-S1", "P01-S1", "P03-S4", "P06-S6", "P02-S2")  # six patients: one chair each
FEED_FROM_MIN = 42
PROBE_OFF = ("P01-S1", 2)  # this session's SpO2 stops this many minutes into the replay


def _start_feed(data_dir: Path) -> threading.Thread:
    """The feed's replay (``python -m dashboard feed --speed 10``) of a few sample sessions from
    minute 42 on, in a background thread writing to the app's store."""
    from dashboard.core.live.feed import plan_replay, replay
    from dashboard.core.model import (
        EVENT_COLUMNS,
        SESSION_COLUMNS,
        VITALS_COLUMNS,
        Dataset,
        conform,
    )
    from dashboard.core.store import open_store

    def read(pattern: str, columns: tuple[str, ...]) -> pd.DataFrame:
        frames = [pd.read_csv(path, dtype={"session_id": "str"}) for path in sorted(SAMPLE.glob(pattern))]
        frame = pd.concat(frames, ignore_index=True)
        for column in ("timestamp", "infusion_start", "infusion_end"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column], utc=True)
        chosen = conform(frame.loc[frame["session_id"].isin(FEED_SESSIONS)], columns)
        return chosen.assign(session_id=chosen["session_id"].astype("str"))  # the feed maps ids as text

    vitals = read("vitals_*.csv", VITALS_COLUMNS)
    minute = (
        vitals["timestamp"] - vitals.groupby("session_id")["timestamp"].transform("min")
    ).dt.total_seconds() / 60
    probe, after = PROBE_OFF
    vitals.loc[(vitals["session_id"] == probe) & (minute >= FEED_FROM_MIN + after), "spo2"] = float("nan")
    dataset = Dataset.of(
        vitals.loc[minute >= FEED_FROM_MIN].reset_index(drop=True),
        read("events.csv", EVENT_COLUMNS),
        read("sessions.csv", SESSION_COLUMNS),
    )
    plan = plan_replay(dataset, pd.Timestamp.now(tz="UTC").floor("s"), 10.0, len(FEED_SESSIONS), 0.0, "demo")
    store = open_store(f"sqlite:///{data_dir / 'store.sqlite3'}")
    thread = threading.Thread(target=replay, args=(store, plan), daemon=True)
    thread.start()
    return thread


def _shoot_live(url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": 1000})
        page.goto(url)
        _settled(page)
        page.get_by_test_id("stSidebarNavLink").filter(has_text="Chairs").click()
        # Wait for a red tile and for the probe to have been off long enough to be stale.
        expect(page.locator("div[class*='st-key-tile-high-']").first).to_be_visible(timeout=180_000)
        expect(page.get_by_text("STALE").first).to_be_visible(timeout=180_000)
        _settled(page)
        _save(page, "chairs.png")

        page.get_by_role("button", name="Open chair").first.click()
        _settled(page)
        page.get_by_label("Staff name").fill("Nurse Demo")
        page.get_by_role("button", name="Continue").click()
        _settled(page)
        page.get_by_label("Reason (required)").first.fill("Repeat cuff reading taken, doctor informed")
        page.get_by_role("button", name="Acknowledge").click()
        _settled(page)
        _save(page, "live_session.png")

        page.get_by_test_id("stSidebarNavLink").filter(has_text="Audit log").click()
        _settled(page)
        _save(page, "audit.png")
        browser.close()


# Per chair number: what its monitor sends (a high SBP, a caution HR, a probe off...).
WALL_STATES = {1: {"sbp": 196.0, "dbp": 104.0}, 2: {"sbp": 186.0, "dbp": 98.0}, 4: {"hr": 128.0},
               7: {"spo2": 93.0}, 9: {"sbp": 166.0, "dbp": 92.0}, 11: {"spo2": float("nan")},
               15: {"hr": 131.0}, 18: {"sbp": 201.0, "dbp": 111.0}}  # fmt: skip
WALL_ACKNOWLEDGED = 2  # this chair's high alert is acknowledged: red, no longer flashing


def _shoot_wall(chairs: int, width: int, height: int) -> None:
    """The wall view of ``chairs`` chairs in a ``width`` x ``height`` window, in a fresh store."""
    from dashboard.core.store import open_store
    from tests.factories import monitored_vitals, vitals_frame

    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "data"
        data_dir.mkdir()
        now = pd.Timestamp.now(tz="UTC")
        with open_store(f"sqlite:///{data_dir / 'store.sqlite3'}") as store:
            for n in range(1, chairs + 1):
                session_id = f"P{n:02}-S{n % 5 + 1}"
                start = now - pd.Timedelta(minutes=4 + 3 * n)
                store.start_session(session_id, user="nurse.demo", chair=f"Chair {n}", patient_id=f"P{n:02}",
                                    planned_minutes=40, infusion_start=start)  # fmt: skip
                store.add_vitals(monitored_vitals(session_id, now, 10, hr=68.0 + n % 9), user="monitor")
                if n in WALL_STATES:
                    reading = vitals_frame(session_id, start=now, periods=1, **WALL_STATES[n])
                    store.add_vitals(reading, user="monitor")
            log = Path(scratch) / "streamlit.log"
            with running_app(data_dir, log) as server, sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(f"{server.url}/?view=wall")
                tiles = page.locator(".st-key-wall-board div[class*='st-key-tile-']")
                expect(tiles).to_have_count(chairs, timeout=60_000)
                expect(page.locator("div[class*='-flash']").first).to_be_visible(timeout=30_000)
                acknowledged = store.open_alerts(f"P{WALL_ACKNOWLEDGED:02}-S{WALL_ACKNOWLEDGED % 5 + 1}")
                key = acknowledged.loc[acknowledged["priority"] == "high", "alert_key"].iloc[0]
                store.acknowledge(key, user="Nurse Demo", reason="repeat cuff reading taken, doctor informed")
                expect(page.get_by_text("acknowledged by Nurse Demo")).to_be_visible(timeout=30_000)
                page.wait_for_timeout(1000)
                page.screenshot(path=OUT / f"wall_{width}x{height}.png")
                print(f"wrote {OUT / f'wall_{width}x{height}.png'}")
                browser.close()


def _edit_limit(page: Page, row: int, new_limit: str) -> None:
    """Double-click the limit cell of the rules editor and type a new value, as a user would.

    The grid is a canvas: the cell is found by position (header and rows 35 px high, the limit
    column ~270 px from the left edge with the shipped protocol); the wait for the alert counts
    to change fails loudly if the cell was missed.
    """
    medium = page.get_by_test_id("stMetricValue").nth(1)
    before = medium.inner_text()
    box = page.get_by_test_id("stDataFrame").first.bounding_box()
    cell = (box["x"] + 270, box["y"] + 35 * (row + 1) + 17)
    for attempt in range(3):  # the canvas sometimes ignores the first double-click after a rerun
        page.mouse.dblclick(*cell)
        page.wait_for_timeout(500)
        page.keyboard.press("Control+A")
        page.keyboard.type(new_limit)
        page.keyboard.press("Enter")
        try:
            expect(medium).not_to_have_text(before, timeout=20_000)
            break
        except AssertionError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    _settled(page)


def _settled(page: Page) -> None:
    """Wait until the script has finished and the charts have drawn."""
    page.wait_for_timeout(300)
    idle = page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")
    expect(idle).to_have_count(1, timeout=60_000)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=30_000)
    page.wait_for_timeout(1500)


def _save(page: Page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main block, so the window grows to fit it."""
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": WIDTH, "height": min(int(height), 8000)})
    page.wait_for_timeout(1500)  # plotly redraws at the new size
    page.screenshot(path=OUT / name, full_page=True)
    page.set_viewport_size({"width": WIDTH, "height": 1000})
    print(f"wrote {OUT / name}")


def _busiest_session() -> str:
    """The sample session with the most alerts: the one that shows most of the chart's features."""
    from dashboard.core.analysis.pipeline import analyse
    from dashboard.core.analysis.protocol import load_protocol
    from dashboard.core.loading.loaders import load_paths
    from dashboard.core.loading.timestamps import LoadSettings

    dataset = load_paths(sorted((ROOT / "sample_data").glob("*.csv")), LoadSettings())
    summary = analyse(dataset, load_protocol()).summary
    score = summary["alerts_high"] * 10 + summary["alerts_medium"] * 3 + summary["alerts_low"]
    return str(summary.loc[score.idxmax(), "session_id"])


if __name__ == "__main__":
    main()
