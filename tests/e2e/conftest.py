"""Browser tests: ``python -m streamlit run dashboard/app.py`` on a free loopback port, driven by
Debian's Chromium through Playwright.

One server per test run (``harness.running_app``, as ``docs/take_screenshots.py`` starts it), on
a temporary ``DASHBOARD_DATA_DIR`` (its own store), ready when ``/_stcore/health`` answers
``ok``; its output is shown when it fails to start and after a failed test. Without Chromium or
playwright every test here is skipped with the reason; in CI (``CI=true``) that is a failure
instead.

The sign-in tests (any test using ``oidc_provider``) also need Node.js: their OpenID provider
(``identity_provider.running_provider``) and an app of their own (``signed_in_app``) that
requires a login through it; without node or npm they are skipped with the reason, failed in CI.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from dashboard.core.settings import SQLITE_FILE
from dashboard.core.store import open_store
from tests.e2e import identity_provider
from tests.e2e.harness import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    StreamlitServer,
    free_port,
    in_ci,
    missing,
    running_app,
    running_command,
)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if in_ci():  # in CI the browser and provider fixtures fail with the reason
        return
    reason, node = missing(), identity_provider.missing()
    for item in items:
        if reason is not None and item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))
        elif node is not None and "oidc_provider" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=f"sign-in tests skipped: {node}"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.failed_call = report.failed
    return report


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    root = tmp_path_factory.mktemp("e2e")
    with running_app(root / "data", root / "streamlit.log") as running:
        yield running


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[identity_provider.OidcProvider]:
    """The OpenID provider on a free loopback port, its one client the app on ``app_port``."""
    reason = identity_provider.missing()
    if reason is not None:
        pytest.fail(f"{reason}; CI must run the sign-in tests")
    root = tmp_path_factory.mktemp("oidc")
    with identity_provider.running_provider(free_port(), root / "provider.log") as provider:
        yield provider


@dataclass(frozen=True)
class SignedInApp:
    server: StreamlitServer
    provider: identity_provider.OidcProvider
    cookie_secret: str  # what signs the identity cookie

    def output(self) -> str:
        return f"--- streamlit run output ---\n{self.server.output()[-20_000:]}\n" + (
            f"--- OpenID provider output ---\n{self.provider.output()[-10_000:]}"
        )


@pytest.fixture(scope="session")
def signed_in_app(oidc_provider, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignedInApp]:
    """The app requiring a login (``DASHBOARD_REQUIRE_LOGIN=1``) through ``oidc_provider``, on its
    own store, its secrets a file outside the repository (``--secrets.files``)."""
    root = tmp_path_factory.mktemp("e2e-sign-in")
    cookie_secret = secrets.token_urlsafe(32)
    secrets_file = root / "secrets.toml"
    secrets_file.write_text(oidc_provider.secrets_toml(cookie_secret))
    with running_app(
        root / "data",
        root / "streamlit.log",
        port=oidc_provider.app_port,
        options=("--secrets.files", str(secrets_file)),
        env={"DASHBOARD_REQUIRE_LOGIN": "1"},
    ) as running:
        yield SignedInApp(running, oidc_provider, cookie_secret)


@pytest.fixture(scope="module")
def store(server):
    """The app's store; every session left live is ended afterwards, so that later visitors of the
    app land on the Review page again."""
    server.data_dir.mkdir(parents=True, exist_ok=True)
    with open_store(f"sqlite:///{server.data_dir / SQLITE_FILE}") as store:
        yield store
        for session_id in store.active_sessions()["session_id"]:
            store.end_session(session_id, user="e2e teardown", reason="e2e teardown")


@pytest.fixture(scope="module")
def hl7_listener(server, tmp_path_factory):
    """``python -m dashboard hl7-listen`` on a free loopback port, writing to the app's store."""
    port, log = free_port(), tmp_path_factory.mktemp("hl7") / "hl7.log"
    args = ["hl7-listen", "--port", str(port), "--database", f"sqlite:///{server.data_dir / SQLITE_FILE}"]
    with running_command(args, "listening for HL7", server.data_dir, log):
        yield port


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
def page(browser, server: StreamlitServer, request: pytest.FixtureRequest):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()
    if getattr(request.node, "failed_call", False):
        print(f"--- streamlit run output ---\n{server.output()[-20_000:]}")
