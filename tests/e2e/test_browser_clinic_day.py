"""A clinic day in a real browser, as staff run it (issue 12, "Must show").

Two chairs are set up on the Clinic setup page (one with a monitor, one charted by hand), a
patient is checked in on each from the Chairs page, one chair's vitals are charted by hand and
its infusion started; the other chair's monitor sends HL7 ORU^R01 messages over a real socket to
``python -m dashboard hl7-listen``, its high SBP turns the tile red and is acknowledged; the
charted chair is stopped, its discharge checklist fills in, it is discharged and signed off and
leaves the board; the Audit log lists every step with its user. Everything goes through the
browser but two things: the monitor's messages, and the adoption of a protocol whose recovery
takes seconds instead of an hour (store API), so the day fits in a test.

With ``DASHBOARD_SCREENSHOTS=FOLDER`` the check-in, the chairside form and the discharge
checklist are saved there as PNGs (the README shows them); otherwise nothing is written.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
from hl7.client import MLLPClient

from dashboard.core import reference
from dashboard.core.analysis.protocol import load_protocol
from tests.e2e.harness import (
    HIGH,
    ONE_REFRESH_MS,
    choose,
    expect,
    go_to,
    grid_rows,
    open_app,
    tile,
    wait_until_idle,
)
from tests.factories import bp_obx, hr_obx, oru_message

pytestmark = pytest.mark.e2e

RERUN_MS = 20_000  # a click's rerun of the script, while the live fragments refresh alongside
NEXT_REFRESH_MS = ONE_REFRESH_MS + RERUN_MS  # news from outside the browser: the next live refresh

NURSE = "Nurse Day E2E"
CHAIR_A, MONITOR_A, PATIENT_A = "Day Chair A", "DAY-A", "DAY01"
CHAIR_B, PATIENT_B = "Day Chair B", "DAY02"
ACK_REASON = "Repeat cuff 186/98, patient calm; clinician told"
BY_HAND = ("Dissociation resolved", "Alert and oriented", "Escort present")
SHIPPED = reference.text("protocol_default.toml")
# The shipped protocol with a recovery of seconds: 0.1 min in the chair, vitals back at once.
QUICK_RECOVERY = SHIPPED.replace("min_recovery_min = 60", "min_recovery_min = 0.1").replace(
    "stable_min = 10", "stable_min = 0"
)


@pytest.fixture
def clinic_day(store):
    """The store; afterwards this day's sessions ended, its chairs removed and the shipped
    protocol back in force, so that the other modules find the app as they expect it."""
    yield store
    for session in store.active_sessions().itertuples():
        if session.chair in (CHAIR_A, CHAIR_B):
            store.end_session(session.session_id, user="e2e teardown", reason="e2e teardown")
    for chair in set(store.chairs()["chair"]) & {CHAIR_A, CHAIR_B}:
        store.remove_chair(chair, user="e2e teardown")
    if store.current_protocol() not in (None, SHIPPED):
        store.record_protocol_change(
            user="e2e teardown", toml_text=SHIPPED, reason="e2e: the shipped protocol again"
        )


@pytest.fixture(autouse=True)
def patient_expect():
    """Assertions wait up to ``RERUN_MS`` (not 5 s): every click reruns the app's script, which
    on a loaded two-core machine takes seconds; restored for the other modules afterwards."""
    expect.set_options(timeout=RERUN_MS)
    yield
    expect.set_options(timeout=None)


def screenshot(page, name: str, at=None) -> None:
    """Save the viewport as ``name`` in ``$DASHBOARD_SCREENSHOTS``, if set: with ``at`` at the
    top (below the app's sticky header), once the last toast has gone."""
    folder = os.environ.get("DASHBOARD_SCREENSHOTS")
    if not folder:
        return
    if at is not None:
        at.evaluate("element => { element.style.scrollMarginTop = '4.5rem'; element.scrollIntoView(); }")
    expect(page.get_by_test_id("stToast")).to_have_count(0)
    page.mouse.move(1380, 980)  # no toolbar, tooltip or sidebar button under the pointer
    Path(folder).mkdir(parents=True, exist_ok=True)
    page.screenshot(path=Path(folder) / name)


def free_tile(page, chair: str):
    return page.locator("div[class*='st-key-free-']").filter(has_text=chair)


def form_of(page, button: str):
    return page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name=button))


def set_up_chair(page, name: str, monitors: str) -> None:
    form = form_of(page, "Save chair")
    form.get_by_label("Chair name").fill(name)
    form.get_by_role("textbox", name="Monitor ids").fill(monitors)
    form.get_by_role("button", name="Save chair").click()
    expect(page.get_by_test_id("stAlert").filter(has_text=f"Saved {name}.")).to_be_visible()


def check_in(page, chair: str, patient: str, shot: str | None = None) -> None:
    """The chair's check-in form filled, the dose plan read back, then confirmed."""
    free = free_tile(page, chair)
    free.get_by_text("Check in a patient").click()
    free.get_by_label("Patient id").fill(patient)
    free.get_by_label("Weight (kg)").fill("72")
    free.get_by_label("Dose (mg/kg)").fill("0.5")
    free.get_by_label("Planned (min)").fill("40")
    free.get_by_label("Indication").fill("Treatment-resistant depression")
    free.get_by_role("button", name="Check dose and history").click()
    expect(free).to_contain_text(f"{patient} on {chair}")
    expect(free).to_contain_text("Total dose: 0.5 mg/kg x 72 kg = 36 mg")
    expect(free).to_contain_text("Rate: 36 mg over 40 min = 54 mg/h")
    if shot:
        wait_until_idle(page)
        screenshot(page, shot)
    free.get_by_role("button", name="Confirm check-in").click()
    expect(tile(page, chair)).to_contain_text(f"{patient} · checked in")
    expect(free_tile(page, chair)).to_have_count(0)


def open_chair(page, chair: str) -> None:
    """From the Chairs page to the chair's Live session page, by its tile's button."""
    tile(page, chair).get_by_role("button", name="Open chair").click()
    expect(page.locator("h1").first).to_have_text("Live session")
    expect(page.get_by_role("combobox", name="Chair")).to_have_value(re.compile(f"^{chair} · "))
    wait_until_idle(page)


def chart(page, shot: str | None = None, **values: int) -> None:
    """A reading typed into the chairside form and saved."""
    form = form_of(page, "Save reading")
    labels = {"sbp": "SBP mmHg", "dbp": "DBP mmHg", "hr": "HR /min", "spo2": "SpO2 %", "rr": "RR /min"}
    for vital, value in values.items():
        form.get_by_label(labels[vital]).fill(str(value))
    if shot:
        form.get_by_label(labels["rr"]).blur()
        screenshot(page, shot, at=page.get_by_test_id("stHeading").filter(has_text="Chart vitals by hand"))
    form.get_by_role("button", name="Save reading").click()
    expect(page.get_by_test_id("stToast").filter(has_text="Reading saved")).to_be_visible()


def press_infusion(page, event: str) -> None:
    """Press an infusion button once the page has settled (mid-rerun, the old button is still drawn
    beside the new one)."""
    wait_until_idle(page)
    page.locator(f"div[class*='st-key-infusion_{event}'] button").click()


def criterion(page, label: str):
    """The discharge checklist's row of a criterion (the checklist is a canvas grid; its rows are
    read from the grid's accessibility table)."""
    checklist = page.get_by_test_id("stDataFrame").filter(has_text="Escort present")
    return checklist.locator("tbody tr").filter(has_text=label)


def send(port: int, *messages: bytes) -> None:
    """The monitor's messages over MLLP; each must be accepted (MSA AA)."""
    with MLLPClient("127.0.0.1", port) as client:
        for message in messages:
            assert b"MSA|AA|" in client.send_message(message)


def now_hl7() -> str:
    return f"{pd.Timestamp.now(tz='UTC'):%Y%m%d%H%M%S}+0000"


def audit_rows(page, session: str | None = None, action: str | None = None) -> list[dict[str, str]]:
    """The audit table's rows (by column: When, Who, Action, Session, Entry with a session
    picked, Detail / reason, Record id) for one session (picked by typing part of its id) or one
    action."""
    if session:
        choose(page, "Session", session)
        expect(page.get_by_text(re.compile(r"^\d+ of \d+ actions, newest first"))).to_be_visible()
    if action:
        choose(page, "Session", "All sessions")
        label = page.get_by_test_id("stWidgetLabel").filter(has_text=re.compile("^Action$"))
        page.get_by_test_id("stMultiSelect").filter(has=label).click()
        page.keyboard.type(action)
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
    wait_until_idle(page)
    grid = page.get_by_test_id("stDataFrame").first
    if session:
        expect(grid.locator("tbody tr").first).to_contain_text(session)
    if action:
        expect(grid.locator("tbody tr")).not_to_have_count(0)
        expect(grid.locator("tbody tr").filter(has_not_text=action)).to_have_count(0)
    header = grid.locator("thead th").all_inner_texts()
    return [dict(zip(header, row, strict=True)) for row in grid_rows(grid)]


def steps(rows: list[dict[str, str]]) -> set[tuple[str, str, str]]:
    """(who, action, entry) of each audit row."""
    return {(row["Who"], row["Action"], row["Entry"]) for row in rows}


def test_a_clinic_day_from_chair_setup_to_sign_off_is_in_the_audit_log(
    page, server, clinic_day, hl7_listener
):
    store = clinic_day
    # 1. Clinic setup: a chair with a monitor, one charted by hand.
    open_app(page, server.url, "Clinic setup", "Clinic setup")
    page.get_by_label("Staff name").fill(NURSE)
    page.get_by_role("button", name="Continue").click()
    set_up_chair(page, CHAIR_A, MONITOR_A)
    set_up_chair(page, CHAIR_B, "")
    cells = page.locator("[data-testid^='glide-cell-']")
    expect(cells.filter(has_text=CHAIR_B)).to_have_count(1)
    expect(cells.filter(has_text=MONITOR_A)).to_have_count(1)

    # 2. Check-in on each free chair: the dose plan is read back before the session opens.
    go_to(page, "Chairs", "Chairs")
    check_in(page, CHAIR_A, PATIENT_A, shot="check_in.png")
    check_in(page, CHAIR_B, PATIENT_B)

    # 3. Chair B: a BP charted by hand, the pre-infusion check passes, the infusion starts.
    open_chair(page, CHAIR_B)
    chart(page, shot="chairside_form.png", sbp=132, dbp=84, hr=80, spo2=98, rr=14)
    expect(tile(page, CHAIR_B)).to_contain_text("132/84")
    expect(page.get_by_text("the vitals are within the protocol's start limits")).to_be_visible()
    press_infusion(page, "infusion_start")
    expect(page.get_by_text("Infusion: infusing", exact=True)).to_be_visible()

    # 4. Chair A: its monitor sends over HL7; a high SBP turns the tile red; acknowledged.
    go_to(page, "Chairs", "Chairs")
    expect(tile(page, CHAIR_A)).to_contain_text("No active alert")
    bed = f"^^{MONITOR_A}"
    send(
        hl7_listener,
        oru_message(hr_obx("76"), bp_obx("128", "82"), bed=bed, obr_time=now_hl7(), control_id="DAY-1"),
    )
    send(
        hl7_listener,
        oru_message(hr_obx("84"), bp_obx("190", "100"), bed=bed, obr_time=now_hl7(), control_id="DAY-2"),
    )
    red = tile(page, CHAIR_A, "high-")
    expect(red).to_have_css("background-color", HIGH, timeout=NEXT_REFRESH_MS)
    expect(red).to_contain_text("HIGH Systolic BP 190")
    open_chair(page, CHAIR_A)
    acknowledge = form_of(page, "Acknowledge")
    expect(acknowledge.get_by_role("combobox", name="Alert")).to_have_value(
        re.compile("^HIGH Systolic BP 190")
    )
    acknowledge.get_by_label("Reason (required)").fill(ACK_REASON)
    acknowledge.get_by_role("button", name="Acknowledge").click()
    expect(tile(page, CHAIR_A)).to_contain_text(f"acknowledged by {NURSE}")

    # 5. Chair B: stopped; the checklist under the shipped protocol, then a recovery of seconds.
    go_to(page, "Chairs", "Chairs")
    open_chair(page, CHAIR_B)
    press_infusion(page, "infusion_stop")
    expect(page.get_by_test_id("stHeading").filter(has_text="Recovery and discharge")).to_be_visible()
    expect(criterion(page, "SBP back")).to_contain_text("no reading since the infusion stopped")
    chart(page, sbp=124, dbp=80, hr=76, spo2=98, rr=14)
    expect(criterion(page, "SBP back")).to_contain_text("not yet, back since")
    expect(criterion(page, "60 min in recovery")).to_contain_text("not yet")
    screenshot(
        page,
        "discharge_checklist.png",
        at=page.get_by_test_id("stHeading").filter(has_text="Recovery and discharge"),
    )

    quick = load_protocol(QUICK_RECOVERY).discharge
    assert (quick.min_recovery_min, quick.stable_min) == (0.1, 0)
    store.record_protocol_change(user=NURSE, toml_text=QUICK_RECOVERY, reason="e2e: a recovery of seconds")
    for label in ("in recovery since", "SBP back", "DBP back", "HR back"):
        expect(criterion(page, label)).to_contain_text("✓ met", timeout=NEXT_REFRESH_MS)
    expect(page.get_by_text("Ready for discharge since")).to_be_visible()
    for label in BY_HAND:
        box = page.get_by_test_id("stCheckbox").filter(has_text=label)
        box.locator("label").click()
        expect(box.get_by_role("checkbox")).to_be_checked()
    discharge = page.get_by_role("button", name="Discharge")
    expect(discharge).to_be_enabled()
    discharge.click()
    expect(page.get_by_text(f"by {NURSE}; ready for discharge from")).to_be_visible()
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_test_id("stToast").filter(has_text="Session signed off and locked")).to_be_visible()
    go_to(page, "Chairs", "Chairs")
    expect(free_tile(page, CHAIR_B)).to_contain_text("Free")
    expect(tile(page, CHAIR_B)).to_have_count(0)
    expect(tile(page, CHAIR_A)).to_contain_text(PATIENT_A)

    # 6. The audit log: every step, with its user.
    go_to(page, "Audit log", "Audit log")
    b = steps(audit_rows(page, session=PATIENT_B))
    done_b = [
        ("session_started", ""),
        ("vitals_charted", ""),
        ("event_added", "infusion_start"),
        ("event_added", "infusion_stop"),
        ("session_discharged", ""),
        ("session_signed", ""),
    ]
    for step in done_b:
        assert (NURSE, *step) in b, f"{step} of {CHAIR_B} not in the audit log: {sorted(b)}"
    a = steps(audit_rows(page, session=PATIENT_A))
    for step in [("session_started", ""), ("alert_acknowledged", "")]:
        assert (NURSE, *step) in a, f"{step} of {CHAIR_A} not in the audit log: {sorted(a)}"
    chairs = {(row["Who"], row["Record id"]) for row in audit_rows(page, action="chair_set")}
    assert {(NURSE, CHAIR_A), (NURSE, CHAIR_B)} <= chairs, chairs
