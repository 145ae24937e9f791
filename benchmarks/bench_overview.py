"""Benchmark: server-side run time of the Chairs overview with 12 live chairs.

Twelve simulated sessions (1 Hz HR/SpO2/RR, a cuff reading every 5 min) are put in a fresh store
as if they had been running for 40 minutes; then, as the feed would, 5 s of new rows per chair
are written before each refresh, and the Chairs page is run through Streamlit's AppTest (the
same script the browser's 5 s fragment timer runs: read the store, compute alerts, record them,
build the tiles). Prints the median and p95 of the page run and of its data step alone.
Target on the 2-core reference machine: median under 150 ms.

    python -m benchmarks.bench_overview [--refreshes 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CHAIRS = 12
PAST_MIN = 40
TICK_S = 5


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--refreshes", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DASHBOARD_DATA_DIR"] = folder
        os.environ.pop("DASHBOARD_DATABASE_URL", None)
        run(args.refreshes)


def run(refreshes: int) -> None:
    from streamlit.testing.v1 import AppTest

    from dashboard.core.live.feed import FEED_USER, plan_replay
    from dashboard.core.live.overview import chair_facts
    from dashboard.core.simulate.simulator import simulate_cohort
    from dashboard.core.store import open_store
    from dashboard.ui import live

    dataset = simulate_cohort(n_patients=4, infusions_per_patient=3, seed=1, sample_interval_s=1)
    for frame in (dataset.vitals, dataset.events, dataset.sessions):  # the feed maps ids as text
        frame["session_id"] = frame["session_id"].astype("str")
    now = pd.Timestamp.now(tz="UTC").floor("s")
    plan = plan_replay(dataset, now - pd.Timedelta(minutes=PAST_MIN), 1.0, CHAIRS, 0.0, tag="bench")
    store = open_store()
    for session in plan.sessions.to_dict("records"):
        store.start_session(session["session_id"], user=FEED_USER, chair=session["chair"],
                            patient_id=session["patient_id"], planned_minutes=session["planned_minutes"],
                            infusion_start=session["infusion_start"])  # fmt: skip
    vitals = plan.vitals.drop(columns="due")
    store.add_vitals(vitals.loc[vitals["timestamp"] <= now], user=FEED_USER)
    store.add_events(plan.events.loc[plan.events["timestamp"] <= now].drop(columns="due"), user=FEED_USER)
    rows = int((vitals["timestamp"] <= now).sum())
    print(f"store: {CHAIRS} live chairs, {rows:,} vitals rows ({PAST_MIN} min at 1 Hz)")

    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    at.switch_page("app_pages/chairs.py").run()
    assert not at.exception and len(at.metric) == 3 * CHAIRS, "the Chairs page did not show 12 tiles"
    page, data_step = [], []
    for tick in range(1, refreshes + 1):
        until = now + pd.Timedelta(seconds=tick * TICK_S)
        new = vitals.loc[
            (vitals["timestamp"] > until - pd.Timedelta(seconds=TICK_S)) & (vitals["timestamp"] <= until)
        ]
        store.add_vitals(new, user=FEED_USER)
        started = time.perf_counter()
        at.run()
        page.append(time.perf_counter() - started)
        started = time.perf_counter()
        snap = live.follower().snapshot(live.protocol(), pd.Timestamp.now(tz="UTC"))
        chair_facts(snap.sessions, snap.vitals, snap.events, snap.open_alerts, snap.clocks, snap.protocol)
        data_step.append(time.perf_counter() - started)
    assert not at.exception
    report("Chairs page run (AppTest, whole script)", page)
    report("  of which data step (store read, alerts, facts)", data_step)


def report(label: str, seconds: list[float]) -> None:
    ms = sorted(1000 * s for s in seconds)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    print(f"{label}: median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms over {len(ms)} refreshes")


if __name__ == "__main__":
    main()
