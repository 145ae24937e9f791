"""One record (issue 13): a session recorded through the store as a clinic records it (check-in,
monitor readings over HL7, readings charted by hand, an acknowledgement) is analysed by the
review exactly as the live pages analysed it."""

from __future__ import annotations

import pandas as pd

from dashboard.core.analysis.pipeline import analyse
from dashboard.core.analysis.protocol import load_protocol
from dashboard.core.interop.mllp_listener import Hl7Listener
from dashboard.core.live.chairside import charted_reading
from dashboard.core.live.check_in import check_in
from dashboard.core.live.follower import LiveFollower
from dashboard.core.store import open_store
from tests.factories import bp_obx, hr_obx, oru_message

EPISODE = ["vital", "rule", "priority", "kind", "start", "end", "peak", "limit"]


def _physiological(alerts: pd.DataFrame, session_id: str) -> pd.DataFrame:
    chosen = (alerts["kind"] == "physiological") & (alerts["session_id"] == session_id)
    return alerts.loc[chosen, EPISODE].reset_index(drop=True)


def _hl7_time(at: pd.Timestamp) -> str:
    return at.strftime("%Y%m%d%H%M%S+0000")


def test_a_session_recorded_live_has_the_same_alerts_and_summary_in_the_review(tmp_path):
    protocol = load_protocol(None)
    now = pd.Timestamp.now(tz="UTC").floor("s")
    start = now - pd.Timedelta(minutes=20)
    with open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}") as store:
        store.set_chair("Chair 1", ["CHAIR-1"], user="admin")
        store.set_chair("Chair 2", user="admin")
        plan = {"user": "nurse.a", "weight_kg": 72, "dose_mg_per_kg": 0.5}
        monitored = check_in(store, "P01", "Chair 1", **plan).session_id
        by_hand = check_in(store, "P02", "Chair 2", **plan).session_id
        listener = Hl7Listener(store)
        for n, at in enumerate(pd.date_range(start, now, freq="30s")):
            minute = (at - start) / pd.Timedelta(minutes=1)
            sbp = 185 if minute >= 16 else 128  # hypertensive for the last four minutes: alarming now
            obx = [hr_obx("78"), *([bp_obx(str(sbp), "88")] if n % 2 == 0 else [])]
            message = oru_message(*obx, bed="CHAIR-1", obr_time=_hl7_time(at), control_id=f"M{n}")
            ack = listener.acknowledge(message)
            assert ack.segment("MSA")[1][0] == "AA"
        store.add_event(monitored, start, "infusion_start", user="nurse.a")
        store.add_event(by_hand, start, "infusion_start", user="nurse.a")
        for n, (minutes, sbp) in enumerate([(0, 130), (5, 186), (10, 188), (15, 140)]):
            at = start + pd.Timedelta(minutes=minutes)
            reading = charted_reading(by_hand, at, {"sbp": sbp, "dbp": 84, "hr": 80}, now)
            store.add_charted_vitals(reading, user="nurse.a", entry_id=f"chart-{n}")

        live = LiveFollower(store).snapshot(protocol, now)
        high = live.alerts.loc[live.alerts["priority"] == "high"]
        assert set(high["session_id"]) == {monitored, by_hand}  # both chairs alarmed on the live pages
        key = store.open_alerts().query("session_id == @monitored")["alert_key"].iloc[0]
        store.acknowledge(key, user="nurse.a", reason="repeat cuff, doctor told")

        record = store.record_dataset(store.recorded_sessions()["session_id"].tolist())
    review = analyse(record, protocol)
    for chair_session in (monitored, by_hand):
        shown_live = _physiological(live.alerts, chair_session)
        reviewed = _physiological(review.alerts, chair_session)
        pd.testing.assert_frame_equal(reviewed, shown_live, check_dtype=False, check_categorical=False)
    summary = review.summary.set_index("session_id")
    assert summary.loc[monitored, "peak_sbp"] == 185 and summary.loc[by_hand, "peak_sbp"] == 188
    assert summary.loc[by_hand, "alerts_high"] == (high["session_id"] == by_hand).sum()
