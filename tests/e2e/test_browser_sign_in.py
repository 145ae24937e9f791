"""Sign-in through a real OpenID Connect provider (issue 14, item 3).

The app (``signed_in_app``: ``DASHBOARD_REQUIRE_LOGIN=1``, ``[auth]`` at the provider) and the
provider (``oidc_provider``: the npm package ``oidc-provider`` on loopback, ``tests/e2e/oidc/``)
are real servers; Chromium follows the real redirects: the app's Log in button, the provider's
own sign-in and consent pages, the code exchange by the app's server (PKCE, client secret, the
ID token's signature checked against the provider's keys), back to the app with Streamlit's
signed identity cookie (``_streamlit_user``). Nothing is mocked: the name the sidebar shows is
the one the provider put in the ID token.
"""

from __future__ import annotations

import base64
import json
import re
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.settings import SQLITE_FILE
from dashboard.core.store import open_store
from tests.e2e.harness import LOAD_TIMEOUT_MS, ONE_REFRESH_MS, expect, go_to, grid_rows, wait_until_idle
from tests.e2e.identity_provider import LEAD, NURSE, Account
from tests.live_app import start_chair

pytestmark = pytest.mark.e2e

USER_COOKIE = "_streamlit_user"  # Streamlit's identity cookie: the ID token's claims, signed
GATE_TEXT = "Log in to see the chairs and the sessions."
COOKIE_MAX_AGE_S = 31 * 86400  # Streamlit refuses an identity cookie signed longer ago (30 days + 1)
ROLES_SHOWN = {NURSE: "nurse", LEAD: "nurse lead"}  # the provider's groups through the app's [roles.groups]


@pytest.fixture
def context(browser, signed_in_app, request: pytest.FixtureRequest):
    """A fresh browser context (no cookies); both servers' output shown after a failed test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(30_000)
    yield context
    context.close()
    if getattr(request.node, "failed_call", False):
        print(signed_in_app.output())


def gate_shown(page) -> None:
    """The sign-in screen: the gate's message and Log in button, no page list, no traceback."""
    wait_until_idle(page)
    expect(page.get_by_text(GATE_TEXT)).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def sign_in(page, signed_in_app, account: Account) -> None:
    """From the app's sign-in screen through the provider's login and consent pages, back to the app."""
    app, provider = signed_in_app.server, signed_in_app.provider
    page.goto(app.url)
    gate_shown(page)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{provider.issuer}/interaction/*", timeout=LOAD_TIMEOUT_MS)
    page.locator("input[name='login']").fill(account.login)
    page.locator("input[name='password']").fill("test password")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(f"{provider.issuer}/interaction/*")
    expect(page.get_by_text("groups", exact=True)).to_be_visible()  # the scope the app asks for
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{app.url}/**", timeout=LOAD_TIMEOUT_MS)
    wait_until_idle(page)


def signed_in_as(page, account: Account) -> None:
    """The app's pages, and the provider's name for the user in the sidebar."""
    expect(page.get_by_test_id("stSidebarNav")).to_be_visible(timeout=LOAD_TIMEOUT_MS)
    expect(page.get_by_text(f"Entries recorded as: {account.name}")).to_be_visible()
    expect(page.get_by_text(GATE_TEXT)).to_have_count(0)


def signer(secret: str, signed_at: float | None = None) -> URLSafeTimedSerializer:
    """How Streamlit signs and reads its identity cookie (itsdangerous, the cookie's name as
    salt), optionally as if signing at another time."""
    if signed_at is None:
        return URLSafeTimedSerializer(secret, salt=USER_COOKIE)
    clock = type("Clock", (TimestampSigner,), {"get_timestamp": lambda _self: int(signed_at)})
    return URLSafeTimedSerializer(secret, salt=USER_COOKIE, signer=clock)


def user_cookie(context) -> dict:
    (cookie,) = [c for c in context.cookies() if c["name"] == USER_COOKIE]
    return cookie


def test_a_nurse_signs_in_through_the_provider_and_the_pages_load(context, signed_in_app):
    page = context.new_page()
    sign_in(page, signed_in_app, NURSE)
    signed_in_as(page, NURSE)
    cookie = user_cookie(context)
    assert cookie["httpOnly"], cookie
    # The cookie carries what the provider's ID token said (readable, not forgeable).
    claims = json.loads(signer(signed_in_app.cookie_secret).loads(cookie["value"]))
    assert (claims["sub"], claims["name"], claims["email"], claims["groups"]) == (
        NURSE.login,
        NURSE.name,
        NURSE.email,
        list(NURSE.groups),
    )
    assert claims["iss"] == signed_in_app.provider.issuer
    for link, title in [("Chairs", "Chairs"), ("Audit log", "Audit log"), ("Review", "Review sessions")]:
        go_to(page, link, title)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        expect(page.get_by_text(f"Entries recorded as: {NURSE.name}")).to_be_visible()


def test_sign_out_ends_the_session_at_the_provider_and_shows_the_sign_in_again(context, signed_in_app):
    page = context.new_page()
    sign_in(page, signed_in_app, NURSE)
    signed_in_as(page, NURSE)
    page.get_by_role("button", name="Log out").click()
    # Streamlit clears its cookies and sends the browser to the provider's end_session_endpoint.
    page.wait_for_url(f"{signed_in_app.provider.issuer}/session/end*", timeout=LOAD_TIMEOUT_MS)
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(f"{signed_in_app.server.url}/**", timeout=LOAD_TIMEOUT_MS)
    gate_shown(page)
    assert USER_COOKIE not in {c["name"] for c in context.cookies()}
    # Signed out at the provider too: the Log in button asks for a login again.
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{signed_in_app.provider.issuer}/interaction/*", timeout=LOAD_TIMEOUT_MS)
    expect(page.locator("input[name='login']")).to_be_visible()


def forged(cookie: dict, value: str) -> dict:
    return {key: cookie[key] for key in ("name", "domain", "path", "httpOnly", "sameSite")} | {"value": value}


def test_a_tampered_or_expired_identity_cookie_shows_the_sign_in_not_a_traceback(context, signed_in_app):
    page = context.new_page()
    sign_in(page, signed_in_app, NURSE)
    signed_in_as(page, NURSE)
    cookie = user_cookie(context)
    payload, stamp, signature = cookie["value"].rsplit(".", 2)
    secret = signed_in_app.cookie_secret
    claims = json.loads(signer(secret).loads(cookie["value"]))

    # Tampered: the nurse made a lead under another name, the signature left as it was.
    raised = json.dumps(claims | {"name": "Mallory", "groups": ["ketamine-leads"]})
    raised_payload = base64.urlsafe_b64encode(json.dumps(raised).encode()).decode().rstrip("=")
    assert raised_payload != payload
    # Expired: signed with the app's own secret, but 32 days ago.
    long_ago = time.time() - COOKIE_MAX_AGE_S - 86400
    signed_long_ago = signer(secret, signed_at=long_ago).dumps(json.dumps(claims))
    # Signed with another secret (a forged cookie, or one from before a secret rotation).
    other_secret = signer("not the app's cookie secret").dumps(json.dumps(claims))

    for value in (f"{raised_payload}.{stamp}.{signature}", signed_long_ago, other_secret, "garbage"):
        context.add_cookies([forged(cookie, value)])
        page.goto(signed_in_app.server.url)
        gate_shown(page)
        expect(page.get_by_text("Mallory")).to_have_count(0)
        expect(page.get_by_text(NURSE.name)).to_have_count(0)
    assert "Traceback" not in signed_in_app.server.output()

    # Control: the same claims signed now with the app's secret sign the nurse in (so each cookie
    # above was refused for its own fault, not for being set by the test).
    context.add_cookies([forged(cookie, signer(secret).dumps(json.dumps(claims)))])
    page.goto(signed_in_app.server.url)
    wait_until_idle(page)
    signed_in_as(page, NURSE)


@pytest.fixture
def live_chair(signed_in_app):
    """A live session on a chair of the sign-in app's store (opened as the tests' own, every role);
    ended, and the shipped protocol adopted again, afterwards."""
    signed_in_app.server.data_dir.mkdir(parents=True, exist_ok=True)
    with open_store(f"sqlite:///{signed_in_app.server.data_dir / SQLITE_FILE}") as store:
        start_chair(store, "SIGNIN-1", "Sign-in Chair")
        yield store
        for session_id in store.active_sessions()["session_id"]:
            store.end_session(session_id, user="e2e teardown", reason="e2e teardown")
        store.record_protocol_change(user="e2e teardown", toml_text=load_protocol().to_toml(),
                                     reason="e2e: shipped protocol again")  # fmt: skip


def pause_live_refresh(page, tries: int = 3) -> None:
    """Switch the live page's refresh off, as staff do to read a screen: on a busy machine its
    fragment's runs follow each other so closely that the script is never seen idle."""
    switch = page.get_by_test_id("stCheckbox").filter(has_text="Live refresh")
    for attempt in range(1, tries + 1):  # a click landing while the page reruns can be lost
        switch.click()
        try:
            expect(switch.locator("input")).not_to_be_checked(timeout=10_000)
            break
        except AssertionError:
            if attempt == tries:
                raise
    wait_until_idle(page)


@pytest.fixture
def signed_in_page(browser, signed_in_app, request: pytest.FixtureRequest):
    """``signed_in_page(account)``: a page of a new browser context, signed in as ``account``,
    its roles from the provider's groups shown. Contexts closed, servers' output shown after a failure."""
    contexts = []

    def open_as(account: Account):
        contexts.append(browser.new_context(viewport={"width": 1400, "height": 1000}))
        contexts[-1].set_default_timeout(30_000)
        page = contexts[-1].new_page()
        sign_in(page, signed_in_app, account)
        signed_in_as(page, account)
        expect(page.get_by_text(f"Roles: {ROLES_SHOWN[account]}")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()
    if getattr(request.node, "failed_call", False):
        print(signed_in_app.output())


def test_a_nurse_charts_but_cannot_adopt_a_lead_adopts_and_the_audit_log_names_both(
    signed_in_page, live_chair, tmp_path
):
    strict = load_protocol().model_copy(update={"name": "E2E sign-in limits"})
    (tmp_path / "strict.toml").write_text(strict.to_toml())

    def load_strict(page) -> None:
        go_to(page, "Threshold what-if", "Threshold what-if")
        page.get_by_text("Load a protocol file (TOML)").click()
        page.get_by_test_id("stFileUploaderDropzoneInput").last.set_input_files(str(tmp_path / "strict.toml"))
        wait_until_idle(page)
        page.get_by_role("button", name="Use E2E sign-in limits").click()
        wait_until_idle(page)

    nurse = signed_in_page(NURSE)
    go_to(nurse, "Live session", "Live session")
    nurse.get_by_label("SBP mmHg").fill("152")
    nurse.get_by_label("DBP mmHg").fill("91")
    nurse.get_by_role("button", name="Save reading").click()
    expect(nurse.get_by_text("Reading saved")).to_be_visible(timeout=ONE_REFRESH_MS)
    pause_live_refresh(nurse)
    load_strict(nurse)
    refused = "Protocol adoption needs the lead role; you are signed in as nurse."  # said instead
    expect(nurse.get_by_text(refused)).to_be_visible()
    expect(nurse.get_by_role("button", name="Adopt for live monitoring")).to_have_count(0)
    expect(nurse.get_by_label("Reason (required, kept in the audit log)")).to_have_count(0)

    lead = signed_in_page(LEAD)
    load_strict(lead)
    lead.get_by_label("Reason (required, kept in the audit log)").fill("e2e: adopted by the lead")
    lead.get_by_role("button", name="Adopt for live monitoring").click()
    wait_until_idle(lead)
    in_force = re.compile(rf"protocol E2E sign-in limits \(version \w+, adopted .* by {LEAD.name}\)")
    expect(lead.get_by_text(in_force)).to_be_visible()

    # The audit log, as the lead sees it: the nurse's charting and the lead's adoption, each under
    # the name the provider gave.
    go_to(lead, "Audit log", "Audit log")
    log_rows = grid_rows(lead.get_by_test_id("stDataFrame").first)
    assert any(NURSE.name in row and "vitals_charted" in row for row in log_rows), log_rows
    protocol_rows = grid_rows(lead.get_by_test_id("stDataFrame").last)
    assert {LEAD.name, "e2e: adopted by the lead"} <= set(protocol_rows[0]), protocol_rows
    # And in the store: nothing adopted under the nurse's name.
    store = live_chair
    charted = store.audit_log("SIGNIN-1").query("action == 'vitals_charted'")
    assert charted["user"].tolist() == [NURSE.name]
    adopted = store.protocol_changes().query("reason == 'e2e: adopted by the lead'")
    assert adopted["user"].tolist() == [LEAD.name]
    assert NURSE.name not in store.protocol_changes()["user"].tolist()
