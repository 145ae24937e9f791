"""Browser tests: ``python -m streamlit run dashboard/app.py`` on a free loopback port, driven by
Debian's Chromium through Playwright.

One server per test run, on a temporary ``DASHBOARD_DATA_DIR`` (its own store), ready when
``/_stcore/health`` answers ``ok``; its output is printed when it fails to start and after a
failed test. Without Chromium or playwright every test here is skipped with the reason; in CI
(``CI=true``) that is a failure instead.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import CHROMIUM, CHROMIUM_FLAGS, ROOT, app_environment, in_ci, missing

START_TIMEOUT_S = 60


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    reason = missing()
    if reason is None or in_ci():  # in CI the browser fixture fails with the reason
        return
    for item in items:
        if item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.failed_call = report.failed
    return report


class Server:
    """A running ``streamlit run`` and where its output goes."""

    def __init__(self, port: int, data_dir: Path, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.data_dir = data_dir
        self.log = log
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "dashboard/app.py",
                "--server.headless", "true",
                "--server.port", str(port),
                "--server.address", "127.0.0.1",
                "--server.fileWatcherType", "none",
                "--browser.gatherUsageStats", "false",
            ],
            cwd=ROOT,
            env=app_environment(data_dir),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip

    def output(self) -> str:
        return self.log.read_text("utf-8", errors="replace")

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"streamlit run exited with {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"streamlit run not healthy after {START_TIMEOUT_S} s:\n{self.output()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("e2e")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = Server(port, root / "data", root / "streamlit.log")
    try:
        running.wait_healthy()
        yield running
    finally:
        running.stop()


# Module scope: Playwright's sync API keeps an event loop running in the main thread until it
# stops, and the suite's asyncio tests (the HL7 listener) run after the browser tests.
@pytest.fixture(scope="module")
def playwright():
    reason = missing()
    if reason is not None:
        pytest.fail(f"{reason}; CI must run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def launch(playwright):
    """Start a headless Chromium (each call is a separate browser: no shared cookies or storage)."""
    browsers = []

    def start():
        browsers.append(playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS))
        return browsers[-1]

    yield start
    for browser in browsers:
        browser.close()


@pytest.fixture(scope="module")
def browser(launch):
    return launch()


@pytest.fixture
def page(browser, server: Server, request: pytest.FixtureRequest):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()
    if getattr(request.node, "failed_call", False):
        print(f"--- streamlit run output ---\n{server.output()[-20_000:]}")
