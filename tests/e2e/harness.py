"""What the browser tests and ``docs/take_screenshots.py`` share: the app's server, the Chromium
to drive, why it may be missing, and waiting on the app.

Not a test module. The server is ``python -m streamlit run dashboard/app.py`` on a free loopback
port, ready when ``/_stcore/health`` answers ``ok``; its output goes to a file, shown when it
fails to start. Waiting follows Streamlit's own e2e harness: the app is ready when ``stApp``
says the connection is up and the script is ``notRunning`` (no sleeps). Tables are canvas grids;
their cells are read from the grid's accessibility tree (``glide-cell-COL-ROW`` test ids).
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    from playwright.sync_api import Locator, Page, expect
except ImportError:  # the e2e conftest skips every browser test with the reason (fails in CI)
    Locator = Page = expect = None

from dashboard.core.charts import PRIORITY_COLOURS
from dashboard.ui.live import REFRESH_S

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
LOAD_TIMEOUT_MS = 60_000  # a first visit imports pandas/plotly and analyses the sample cohort
# The live pages' next fragment tick plus the time to draw it, with room for a busy 2-core machine
# (7.5 s was once too short under the full suite): a wait, not a delay, so passing runs keep their pace.
ONE_REFRESH_MS = (REFRESH_S + 15) * 1000
START_TIMEOUT_S = 60


def missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)"
    return None


def app_environment(data_dir: Path) -> dict[str, str]:
    """The environment of the app and of any feed the tests start: their own store, no database URL."""
    env = {key: value for key, value in os.environ.items() if key != "DASHBOARD_DATABASE_URL"}
    return {**env, "DASHBOARD_DATA_DIR": str(data_dir)}


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


class ServerError(RuntimeError):
    """``streamlit run`` exited or never became healthy; the message ends with its output."""


class StreamlitServer:
    """``streamlit run dashboard/app.py`` on a free loopback port, in ``app_environment(data_dir)``
    (its own store), its output written to ``log``. ``port``, more ``--section.option value``
    arguments (``options``) and environment variables (``env``) may be given: the sign-in tests'
    app has its port known to the identity provider first, and its own secrets file."""

    def __init__(
        self,
        data_dir: Path,
        log: Path,
        port: int | None = None,
        options: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ) -> None:
        port = port or free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.data_dir = data_dir
        self.log = log
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "dashboard/app.py",
                "--server.headless", "true",
                "--server.port", str(port),
                "--server.address", "127.0.0.1",
                "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false",
                *options,
            ],
            cwd=ROOT,
            env={**app_environment(data_dir), **(env or {})},
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")

    def wait_healthy(self, timeout_s: float = START_TIMEOUT_S) -> None:
        """Return once ``/_stcore/health`` answers ``ok``; raise ServerError if it exits or times out."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"streamlit run exited with {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.2)
        raise ServerError(f"streamlit run not healthy after {timeout_s:g} s:\n{self.output()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log_file.close()


@contextmanager
def running_app(data_dir: Path, log: Path, **extra) -> Iterator[StreamlitServer]:
    """The app's server, healthy, for the length of the ``with`` block; stopped after it
    (``extra``: StreamlitServer's port, options, env)."""
    server = StreamlitServer(data_dir, log, **extra)
    try:
        server.wait_healthy()
        yield server
    finally:
        server.stop()


@contextmanager
def running_command(args: list[str], ready: str, data_dir: Path, log: Path) -> Iterator[subprocess.Popen]:
    """``python -m dashboard ARGS`` on the app's store (``data_dir``) until the ``with`` block
    ends, once its output says ``ready``; ``ServerError`` with its output if it never does."""
    process = subprocess.Popen(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        env=app_environment(data_dir),
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while ready not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise ServerError(f"{' '.join(args)} did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    """A TCP port free on the loopback address now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_idle(page: Page, timeout: float = LOAD_TIMEOUT_MS) -> None:
    """Connected, and the script has finished its run (Streamlit's harness-proven signal)."""
    app = page.get_by_test_id("stApp")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED", timeout=timeout)
    expect(app).to_have_attribute("data-test-script-state", "notRunning", timeout=timeout)


def open_app(page: Page, url: str, link: str, title: str) -> None:
    """Open the app and go to a page by its sidebar link (a page's URL path depends on which page
    is the default, which depends on whether a session is live)."""
    page.goto(url)
    wait_until_idle(page)
    if page.locator("h1").first.inner_text() != title:
        go_to(page, link, title)


def go_to(page: Page, link: str, title: str, tries: int = 3) -> None:
    """Follow a sidebar link, as a user does (keeps the browser session and its uploads).

    A click that lands while the page reruns itself (after a button's ``st.rerun``) can be lost,
    as it can for a user, who clicks again: so does this, up to ``tries`` times.
    """
    heading = page.locator("h1").first
    for attempt in range(1, tries + 1):
        wait_until_idle(page)
        page.get_by_test_id("stSidebarNavLink").filter(has_text=link).click()
        try:
            expect(heading).to_have_text(title, timeout=LOAD_TIMEOUT_MS // tries)
            break
        except AssertionError:
            if attempt == tries:
                raise
    wait_until_idle(page)


# What the Review's caption says of each source once the page shows its sessions.
REVIEW_SOURCES = {
    "Clinic records": "from the clinic's records",
    "Sample data": "from the bundled sample data",
    "Uploaded files": "from uploaded files",
}


def review_source(page: Page, source: str) -> None:
    """Pick where the Review's sessions come from (the choice is offered once the store holds
    sessions). Judged by the page's caption, not by the choice: the radio is drawn a moment after
    the script has finished (its component loads lazily), and the caption is what was analysed."""
    wait_until_idle(page)
    in_use = page.get_by_text(REVIEW_SOURCES[source])
    choice = page.get_by_test_id("stRadio").filter(has_text="Sessions from")
    for attempt in range(1, 4):  # a click landing while the page reruns is lost, as for a user
        if in_use.count():
            return
        expect(choice.first).to_be_visible(timeout=LOAD_TIMEOUT_MS)
        choice.first.locator("label").filter(has_text=source).click()
        wait_until_idle(page)
        try:
            expect(in_use).to_be_visible(timeout=LOAD_TIMEOUT_MS)
            return
        except AssertionError:
            if attempt == 3:
                raise


def upload(page: Page, files: list[tuple[str, bytes]]) -> None:
    """Pick files in the Review page's file uploader."""
    page.get_by_text("Load your own files").click()
    # The Files tab's input: the Folder tab's (webkitdirectory) takes only a folder path.
    dropzone = page.locator("[data-testid='stFileUploaderDropzoneInput']:not([webkitdirectory])").first
    dropzone.set_input_files([{"name": n, "mimeType": "text/csv", "buffer": data} for n, data in files])
    wait_until_idle(page)
    # Until the upload is read, the page still shows the sessions it had (the clinic's records, say).
    expect(page.get_by_role("radio", name="Uploaded files")).to_be_checked(timeout=LOAD_TIMEOUT_MS)
    wait_until_idle(page)


def download(page: Page, label: str) -> Path:
    """Click a download button; the downloaded file."""
    with page.expect_download() as started:
        page.get_by_test_id("stDownloadButton").filter(has_text=label).get_by_role("button").click()
    return Path(started.value.path())


def grid_rows(grid: Locator) -> list[list[str]]:
    """The visible rows of a dataframe grid, as the texts of their cells."""
    grid.scroll_into_view_if_needed()
    expect(grid.locator("[data-testid^='glide-cell-']").first).to_be_attached()
    return [row.locator("td").all_inner_texts() for row in grid.locator("tbody tr").all()]


def rgb(hex_colour: str) -> str:
    """A ``#rrggbb`` colour as the browser's computed style gives it."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


HIGH = rgb(PRIORITY_COLOURS["high"])  # a chair tile in high-priority alarm


def tile(page: Page, chair: str, priority: str = "") -> Locator:
    """A chair's tile (its container key names its colour: tile-high-N, tile-none-N, ...).

    While a refresh redraws the tiles in a new order, the old tile lingers (stale) until the run
    ends: a tile is only looked for among the current ones.
    """
    fresh = page.locator("[data-testid='stElementContainer'][data-stale='false']")
    return page.locator(f"div[class*='st-key-tile-{priority}']").filter(has_text=chair).filter(has=fresh)


def choose(page: Page, label: str, option: str, within: Locator | None = None, tries: int = 3) -> None:
    """Pick an option of a select box by typing it, as a user does. A click that lands while the
    page reruns opens nothing (the typing would go nowhere): the list is awaited, else clicked again."""
    name = page.get_by_test_id("stWidgetLabel").filter(has_text=re.compile(f"^{re.escape(label)}$"))
    box = (within or page).get_by_test_id("stSelectbox").filter(has=name)
    for attempt in range(1, tries + 1):
        box.click()
        try:
            expect(page.get_by_role("listbox")).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            if attempt == tries:
                raise
    page.keyboard.type(option)
    page.keyboard.press("Enter")
