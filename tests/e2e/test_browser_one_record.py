"""One record in a real browser (issue 13, "Must show"): a short session recorded in the store is
opened from Review's clinic records, its FHIR Bundle and report are downloaded, and a protocol
edited on the what-if is adopted for live monitoring and named on the Chairs page.

The session is recorded through the same core calls the chairside form makes (``check_in``,
``charted_reading`` + ``add_charted_vitals``): the form itself is driven by the clinic-day test.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from fhir.resources.R4B.bundle import Bundle

from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.live.chairside import charted_reading
from dashboard.core.live.check_in import check_in
from tests.e2e.harness import choose, download, expect, go_to, open_app, review_source, wait_until_idle

pytestmark = pytest.mark.e2e

CHAIR, PATIENT, NURSE = "Record chair", "P-REC", "Nurse Rec"


@pytest.fixture
def recorded(store):
    """P-REC's session on its own chair: three BPs charted by hand, the last one high; then ended."""
    store.set_chair(CHAIR, user="e2e")
    session_id = check_in(store, PATIENT, CHAIR, user=NURSE, weight_kg=70, dose_mg_per_kg=0.5,
                          planned_minutes=40).session_id  # fmt: skip
    now = pd.Timestamp.now(tz="UTC").floor("s")
    store.add_event(session_id, now - pd.Timedelta(minutes=20), "infusion_start", user=NURSE)
    for n, (minutes_ago, sbp) in enumerate([(20, 128), (10, 150), (1, 186)]):
        at = now - pd.Timedelta(minutes=minutes_ago)
        reading = charted_reading(session_id, at, {"sbp": sbp, "dbp": 84, "hr": 80}, now)
        store.add_charted_vitals(reading, user=NURSE, entry_id=f"rec-{n}")
    store.end_session(session_id, user=NURSE, reason="e2e: a short recorded session")
    yield session_id
    store.remove_chair(CHAIR, user="e2e teardown")
    shipped = load_protocol().to_toml()
    store.record_protocol_change(user="e2e teardown", toml_text=shipped, reason="e2e: shipped protocol again")


def test_a_recorded_session_is_reviewed_exported_and_a_protocol_adopted_for_the_chairs(
    page, server, store, recorded, tmp_path
):
    open_app(page, server.url, "Review", "Review sessions")
    review_source(page, "Clinic records")
    expect(page.get_by_text("from the clinic's records")).to_be_visible()
    go_to(page, "Session detail", "Session detail")
    choose(page, "Session", recorded)
    expect(page.get_by_text(f"Patient {PATIENT}")).to_be_visible()  # the chosen session is shown
    wait_until_idle(page)

    bundle = json.loads(download(page, "FHIR R4 Bundle").read_text())
    Bundle.model_validate(bundle)
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds.count("MedicationAdministration") == 1 and "Observation" in kinds
    panels = [e["resource"] for e in bundle["entry"] if e["resource"].get("code", {}).get("coding", [{}])[0]
              .get("code") == "85354-9"]  # fmt: skip
    systolic = sorted(c["valueQuantity"]["value"] for p in panels for c in p["component"]
                      if c["code"]["coding"][0]["code"] == "8480-6")  # fmt: skip
    assert systolic == [128, 150, 186]
    report = download(page, "printable report").read_text()
    assert recorded in report and "186" in report

    strict = load_protocol().model_copy(update={"name": "E2E strict limits"})
    (tmp_path / "strict.toml").write_text(strict.to_toml())
    go_to(page, "Threshold what-if", "Threshold what-if")
    page.get_by_text("Load a protocol file (TOML)").click()
    page.get_by_test_id("stFileUploaderDropzoneInput").last.set_input_files(str(tmp_path / "strict.toml"))
    wait_until_idle(page)
    page.get_by_role("button", name="Use E2E strict limits").click()
    wait_until_idle(page)
    page.get_by_label("Staff name").fill(NURSE)
    page.get_by_role("button", name="Continue").click()
    wait_until_idle(page)
    page.get_by_label("Reason (required, kept in the audit log)").fill("e2e: the clinic's stricter limits")
    page.get_by_role("button", name="Adopt for live monitoring").click()
    wait_until_idle(page)
    (adopted,) = store.protocol_changes().query("reason == \"e2e: the clinic's stricter limits\"")["id"]

    go_to(page, "Chairs", "Chairs")
    expect(page.get_by_text(f"version {adopted[:8]}, adopted")).to_be_visible()
