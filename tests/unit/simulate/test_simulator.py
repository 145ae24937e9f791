"""The simulator as the sample data, the tests and the benchmarks rely on it: reproducible,
shaped like a real 65-minute session, and statistically in line with the published cohorts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.core.analysis.baseline import session_baselines
from dashboard.core.loading.loaders import load_dataset
from dashboard.core.model import (
    EVENT_CATEGORIES,
    EVENT_COLUMNS,
    SESSION_COLUMNS,
    SEVERITIES,
    VITALS_COLUMNS,
    Dataset,
    conform,
)
from dashboard.core.simulate.simulator import simulate_cohort, simulate_sessions, write_dataset
from tests.paths import REPO

MINUTE = pd.Timedelta(minutes=1)


@pytest.fixture(scope="module")
def cohort() -> Dataset:
    """600 sessions without planted demo cases: the statistics of the published sources."""
    return simulate_sessions(600, seed=11, sample_interval_s=5)


@pytest.fixture(scope="module")
def large() -> Dataset:
    """2,000 sessions (~400 patients), for rare events and patient-level effects."""
    return simulate_sessions(2000, seed=5, sample_interval_s=5)


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return simulate_cohort()


def _cuff(vitals: pd.DataFrame) -> pd.DataFrame:
    return vitals.loc[vitals["sbp"].notna()]


def _rises(dataset: Dataset) -> pd.DataFrame:
    """Per session: peak cuff reading minus the median of the 15 pre-infusion minutes, and when it peaked."""
    baseline = session_baselines(dataset.vitals, dataset.sessions, window_min=15)
    cuff = _cuff(dataset.vitals)
    peak = cuff.loc[cuff.groupby("session_id")["sbp"].idxmax()].set_index("session_id")
    start = dataset.sessions.set_index("session_id")["infusion_start"]
    return pd.DataFrame(
        {
            "sbp": peak["sbp"] - baseline["sbp"],
            "dbp": cuff.groupby("session_id")["dbp"].max() - baseline["dbp"],
            "peak_sbp": peak["sbp"],
            "minutes_to_peak": (peak["timestamp"] - start) / MINUTE,
        }
    )


# --- reproducibility -------------------------------------------------------------------------


def test_same_seed_gives_identical_data() -> None:
    first, second = (
        simulate_sessions(4, seed=3, sample_interval_s=5),
        simulate_sessions(4, seed=3, sample_interval_s=5),
    )
    for name in ("vitals", "events", "sessions"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))


def test_different_seed_gives_different_data() -> None:
    first, second = (
        simulate_sessions(4, seed=3, sample_interval_s=5),
        simulate_sessions(4, seed=4, sample_interval_s=5),
    )
    assert not first.vitals[["hr", "sbp"]].equals(second.vitals[["hr", "sbp"]])
    assert not first.events["event"].equals(second.events["event"])


# --- model conformance -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "columns"),
    [("vitals", VITALS_COLUMNS), ("events", EVENT_COLUMNS), ("sessions", SESSION_COLUMNS)],
)
def test_every_frame_conforms_to_the_model(sample: Dataset, frame: str, columns: tuple[str, ...]) -> None:
    data = getattr(sample, frame)
    assert tuple(data.columns) == columns
    pd.testing.assert_frame_equal(data, conform(data, columns))


def test_events_use_the_vocabulary_and_severity_scale(sample: Dataset) -> None:
    events = sample.events
    assert set(events["category"]) <= set(EVENT_CATEGORIES) - {"unknown"}
    side_effects = events["category"] == "side_effect"
    assert set(events.loc[side_effects, "severity"]) <= set(SEVERITIES)
    assert events.loc[~side_effects, "severity"].isna().all()
    assert sample.artifacts.empty and sample.problems == []


def test_sessions_carry_ids_chairs_dose_and_indication(sample: Dataset) -> None:
    sessions = sample.sessions
    assert len(sessions) == 48
    assert sessions["session_id"].str.fullmatch(r"P0[1-8]-S[1-6]").all()
    assert (sessions["session_id"].str.split("-").str[0] == sessions["patient_id"]).all()
    assert set(sessions["chair"]) == {"Chair 1", "Chair 2", "Chair 3", "Chair 4"}
    assert (sessions["planned_minutes"] == 40).all() and (sessions["dose_mg_per_kg"] == 0.5).all()
    assert set(sessions["indication"]) <= {"TRD", "PTSD", "suicidal ideation", "chronic pain"}
    assert sessions["weight_kg"].between(40, 150).all()


# --- shape of one session --------------------------------------------------------------------


def test_session_is_65_minutes_with_10_to_15_minutes_of_baseline(sample: Dataset) -> None:
    span = sample.vitals.groupby("session_id")["timestamp"].agg(["min", "max", "count"])
    assert (span["count"] == 65 * 60 // 5).all()
    assert ((span["max"] - span["min"]) / MINUTE).between(64.9, 65).all()
    start = sample.sessions.set_index("session_id")["infusion_start"].reindex(span.index)
    assert ((start - span["min"]) / MINUTE).between(10, 15).all()


def test_continuous_vitals_every_sample_and_cuff_every_5_minutes(sample: Dataset) -> None:
    vitals = sample.vitals
    steps = vitals.groupby("session_id")["timestamp"].diff().dropna()
    assert (steps == pd.Timedelta(seconds=5)).all()
    assert vitals["hr"].notna().all() and vitals["rr"].notna().all()
    cuff_steps = _cuff(vitals).groupby("session_id")["timestamp"].diff().dropna() / MINUTE
    assert (cuff_steps % 5 == 0).all()  # a multiple of 5 minutes: a failed cycle leaves a gap
    assert (cuff_steps == 5).mean() > 0.9


def test_readings_are_whole_numbers_and_map_follows_the_cuff_formula(sample: Dataset) -> None:
    vitals = sample.vitals
    for vital in ("hr", "sbp", "dbp", "map", "spo2", "rr"):
        values = vitals[vital].dropna()
        assert (values == values.round()).all(), vital
    cuff = _cuff(vitals)
    expected = (cuff["dbp"] + (cuff["sbp"] - cuff["dbp"]) / 3).round()
    assert (cuff["map"] - expected).abs().max() <= 0.5 + 1e-9
    assert (cuff["sbp"] - cuff["dbp"] >= 15).all()
    assert cuff[["sbp", "dbp", "map"]].notna().all().all()


def test_spo2_and_rr_stay_in_their_normal_ranges_apart_from_probe_artifacts(cohort: Dataset) -> None:
    vitals = cohort.vitals
    spo2 = vitals["spo2"].dropna()
    clean = spo2[spo2 > 80]
    assert clean.between(96, 99).all()
    assert vitals["rr"].between(12, 18).all()
    assert vitals["hr"].between(40, 140).all()


def test_probe_artifacts_zeros_brief_drops_and_dropouts(cohort: Dataset) -> None:
    vitals = cohort.vitals
    zero_sessions = vitals.loc[vitals["spo2"] == 0, "session_id"].nunique()
    drop_sessions = vitals.loc[vitals["spo2"].between(60, 80), "session_id"].nunique()
    assert 0.08 < zero_sessions / 600 < 0.25
    assert 0.04 < drop_sessions / 600 < 0.2
    # A dropout: SpO2 empty for 30-60 s while the other continuous vitals go on.
    empty = vitals["spo2"].isna()
    runs = empty.ne(empty.shift()).cumsum()[empty]
    seconds = runs.groupby(runs).size() * 5
    assert len(seconds) > 0.03 * 600
    assert seconds.between(30, 60).all()
    assert vitals.loc[empty, "hr"].notna().all()


# --- published statistics (E1, E3, F1) ------------------------------------------------------


def test_mean_sbp_rise_is_about_16_mmhg_with_a_wide_spread(cohort: Dataset) -> None:
    rises = _rises(cohort)
    assert rises["sbp"].mean() == pytest.approx(16, abs=3)
    assert rises["sbp"].std() == pytest.approx(11.2, abs=3)
    assert rises["dbp"].mean() == pytest.approx(11, abs=3)


def test_bp_peaks_30_to_50_minutes_after_infusion_start(cohort: Dataset) -> None:
    rises = _rises(cohort)
    on_time = rises["minutes_to_peak"].between(30, 50)
    assert on_time.mean() > 0.6  # most sessions; a flat response peaks anywhere
    assert on_time[rises["sbp"] >= 15].mean() > 0.9


def test_bp_returns_towards_baseline_after_the_infusion(cohort: Dataset) -> None:
    cuff = _cuff(cohort.vitals)
    start = cuff["session_id"].map(cohort.sessions.set_index("session_id")["infusion_start"])
    minutes = (cuff["timestamp"] - start) / MINUTE
    at_peak = cuff.loc[minutes.between(35, 45), "sbp"].mean()
    late = cuff.loc[minutes >= 50, "sbp"].mean()
    before = cuff.loc[minutes < 0, "sbp"].mean()
    assert before < late < at_peak


def test_patients_with_higher_resting_bp_rise_more(large: Dataset) -> None:
    # Age and hypertension are not in the export; a patient's usual resting SBP stands in for them.
    patient = large.sessions.set_index("session_id")["patient_id"]
    rises = _rises(large)["sbp"].groupby(patient).mean()
    resting = session_baselines(large.vitals, large.sessions, 15)["sbp"].groupby(patient).mean()
    high = resting >= resting.quantile(0.75)
    assert rises[high].mean() > rises[~high].mean() + 1


def test_hypertensive_outliers_are_rare_and_always_treated(large: Dataset) -> None:
    dataset = large
    peaks = _rises(dataset)["peak_sbp"]
    assert 0.003 < (peaks >= 180).mean() < 0.03
    events = dataset.events
    treated = set(events.loc[events["event"] == "antihypertensive", "session_id"])
    assert treated == set(peaks.index[peaks >= 180])
    first_high = _cuff(dataset.vitals).query("sbp >= 180").groupby("session_id")["timestamp"].min()
    given = events.loc[events["event"] == "antihypertensive"].set_index("session_id")["timestamp"]
    assert (given > first_high.reindex(given.index)).all()


@pytest.mark.parametrize(
    ("effect", "incidence"),
    [("drowsiness", 0.564), ("dizziness", 0.452), ("dissociation", 0.356), ("nausea", 0.133)],
)
def test_side_effect_incidence_matches_the_published_rate(
    cohort: Dataset, effect: str, incidence: float
) -> None:
    events = cohort.events
    share = events.loc[events["event"] == effect, "session_id"].nunique() / len(cohort.sessions)
    assert share == pytest.approx(incidence, abs=0.06)


def test_side_effects_happen_during_the_infusion(cohort: Dataset) -> None:
    effects = cohort.events.loc[cohort.events["category"] == "side_effect"]
    start = effects["session_id"].map(cohort.sessions.set_index("session_id")["infusion_start"])
    minutes = (effects["timestamp"] - start) / MINUTE
    assert minutes.between(0, 52).all()
    assert minutes.between(0, 40).mean() > 0.8


def test_dissociation_carries_a_cadss6_or_nrs_score_matching_its_severity(cohort: Dataset) -> None:
    dissociation = cohort.events.loc[cohort.events["event"] == "dissociation"]
    assert set(dissociation["scale"]) == {"CADSS-6", "NRS"}
    nrs = dissociation[dissociation["scale"] == "NRS"]
    assert nrs["score"].between(0, 10).all()
    assert dissociation.loc[dissociation["scale"] == "CADSS-6", "score"].between(0, 24).all()
    means = nrs.groupby("severity")["score"].mean()
    assert means["mild"] < means["moderate"] < means["severe"]


def test_ondansetron_only_after_moderate_or_severe_nausea(cohort: Dataset) -> None:
    events = cohort.events
    given = events.loc[events["event"] == "ondansetron"].set_index("session_id")["timestamp"]
    nausea = events.loc[(events["event"] == "nausea") & events["severity"].isin(["moderate", "severe"])]
    onset = nausea.groupby("session_id")["timestamp"].min()
    assert len(given) > 0
    assert given.index.isin(onset.index).all()
    assert ((given - onset.reindex(given.index)) / MINUTE).between(1, 10).all()


def test_every_session_has_infusion_markers_matching_the_sessions_frame(sample: Dataset) -> None:
    events = sample.events
    sessions = sample.sessions.set_index("session_id")
    for marker, column in (("infusion_start", "infusion_start"), ("infusion_stop", "infusion_end")):
        times = events.loc[events["event"] == marker].set_index("session_id")["timestamp"]
        assert times.index.is_unique and len(times) == len(sessions)
        pd.testing.assert_series_equal(times.sort_index(), sessions[column].sort_index(), check_names=False)


def test_a_course_is_twice_weekly_on_different_days(sample: Dataset) -> None:
    sessions = sample.sessions.assign(day=lambda s: s["infusion_start"].dt.normalize())
    assert not sessions.duplicated(["patient_id", "day"]).any()
    week = sessions["infusion_start"].dt.isocalendar().week
    assert sessions.groupby([sessions["patient_id"], week]).size().max() == 2


def test_simulate_sessions_spreads_sessions_over_courses_of_up_to_6() -> None:
    sessions = simulate_sessions(40, seed=2, sample_interval_s=5).sessions
    assert len(sessions) == 40
    per_patient = sessions.groupby("patient_id").size()
    assert per_patient.max() <= 6 and len(per_patient) > 40 / 6
    chairs_at_once = sessions.groupby("infusion_start")["chair"].agg(lambda c: c.duplicated().any())
    assert not chairs_at_once.any()


# --- the demo cohort (sample data) ----------------------------------------------------------


def test_sample_cohort_shows_a_treated_hypertensive_outlier(sample: Dataset) -> None:
    high = set(_cuff(sample.vitals).query("sbp >= 180")["session_id"])
    treated = set(sample.events.loc[sample.events["event"] == "antihypertensive", "session_id"])
    assert high and high == treated


def test_sample_cohort_shows_moderate_nausea_treated_with_ondansetron(sample: Dataset) -> None:
    events = sample.events
    nausea = events.loc[(events["event"] == "nausea") & (events["severity"] != "mild"), "session_id"]
    assert set(nausea) & set(events.loc[events["event"] == "ondansetron", "session_id"])


def test_sample_cohort_has_a_patient_whose_bp_response_falls_over_the_course(sample: Dataset) -> None:
    sessions = sample.sessions.set_index("session_id")
    course = pd.DataFrame(
        {
            "patient": sessions["patient_id"],
            "number": sessions["infusion_start"].groupby(sessions["patient_id"]).rank(),
            "rise": _rises(sample)["sbp"],
        }
    )
    trend = course.groupby("patient")[["number", "rise"]].corr().xs("number", level=1)["rise"]
    assert trend.min() < -0.8


def test_sample_cohort_has_probe_artifacts(sample: Dataset) -> None:
    assert (sample.vitals["spo2"] == 0).any()
    assert sample.vitals["spo2"].isna().any()


# --- writing ---------------------------------------------------------------------------------


def _read_back(folder: Path) -> Dataset:
    vitals = pd.concat([pd.read_csv(path) for path in sorted(folder.glob("vitals_*.csv"))], ignore_index=True)
    events = pd.read_csv(folder / "events.csv")
    sessions = pd.read_csv(folder / "sessions.csv")
    for frame, columns in (
        (vitals, ["timestamp"]),
        (events, ["timestamp"]),
        (sessions, ["infusion_start", "infusion_end"]),
    ):
        for column in columns:
            frame[column] = pd.to_datetime(frame[column], format="ISO8601", utc=True)
    return Dataset.of(vitals, events, sessions)


def test_written_csvs_read_back_to_the_same_dataset(tmp_path: Path) -> None:
    dataset = simulate_sessions(5, seed=8, sample_interval_s=5)
    write_dataset(dataset, tmp_path, sessions_per_file=2)
    back = _read_back(tmp_path)
    for name in ("vitals", "events", "sessions"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(dataset, name), check_dtype=True)


def test_written_csvs_load_through_the_loaders_with_probe_zeros_as_artifacts(tmp_path: Path) -> None:
    dataset = simulate_sessions(12, seed=8, sample_interval_s=5)
    write_dataset(dataset, tmp_path, sessions_per_file=5)
    loaded = load_dataset(
        vitals=sorted(tmp_path.glob("vitals_*.csv")),
        events=[tmp_path / "events.csv"],
        sessions=[tmp_path / "sessions.csv"],
    )
    zeros = dataset.vitals["spo2"] == 0
    assert zeros.any()
    assert [p.level for p in loaded.problems] == ["artifact"] * int(zeros.sum())
    assert len(loaded.artifacts) == zeros.sum()
    expected = dataset.vitals.copy()
    expected.loc[zeros, "spo2"] = np.nan  # the loader empties the impossible cell
    pd.testing.assert_frame_equal(loaded.vitals.reset_index(drop=True), expected)
    pd.testing.assert_frame_equal(loaded.events, dataset.events)
    pd.testing.assert_frame_equal(loaded.sessions, dataset.sessions)


def test_written_vitals_look_like_a_monitor_export(tmp_path: Path) -> None:
    paths = write_dataset(simulate_sessions(5, seed=8, sample_interval_s=5), tmp_path, sessions_per_file=2)
    assert [p.name for p in paths] == [
        "vitals_001.csv",
        "vitals_002.csv",
        "vitals_003.csv",
        "events.csv",
        "sessions.csv",
    ]
    lines = (tmp_path / "vitals_001.csv").read_text().splitlines()
    assert lines[0] == "session_id,timestamp,hr,sbp,dbp,map,spo2,rr"
    session, stamp, hr, sbp, dbp, mean, spo2, rr = lines[2].split(",")
    assert pd.Timestamp(stamp).tzname() == "UTC" and stamp.endswith("Z") and len(stamp) == 20
    assert hr.isdigit() and rr.isdigit() and (sbp, dbp, mean) == ("", "", "")
    assert ".0" not in "".join(lines)
    files_per_session = [pd.read_csv(p)["session_id"].unique() for p in paths[:3]]
    assert [len(ids) for ids in files_per_session] == [2, 2, 1]


def test_notes_with_commas_and_quotes_survive_the_round_trip(tmp_path: Path) -> None:
    dataset = simulate_sessions(2, seed=8, sample_interval_s=5)
    note = 'asked for a bowl, then "better"'
    dataset.events.loc[0, "note"] = note
    write_dataset(dataset, tmp_path)
    assert pd.read_csv(tmp_path / "events.csv")["note"][0] == note
    assert '"' not in (tmp_path / "sessions.csv").read_text()  # quotes only where a cell needs them


def test_rewriting_a_smaller_dataset_removes_stale_vitals_files(tmp_path: Path) -> None:
    write_dataset(simulate_sessions(5, seed=8, sample_interval_s=5), tmp_path, sessions_per_file=1)
    (tmp_path / "vitals_notes.csv").write_text("kept\n")
    write_dataset(simulate_sessions(2, seed=8, sample_interval_s=5), tmp_path, sessions_per_file=1)
    assert sorted(p.name for p in tmp_path.glob("vitals_*.csv")) == [
        "vitals_001.csv",
        "vitals_002.csv",
        "vitals_notes.csv",
    ]


def test_committed_sample_data_is_what_the_simulator_writes(tmp_path: Path, sample: Dataset) -> None:
    written = write_dataset(sample, tmp_path)
    committed = REPO / "sample_data"
    assert sorted(p.name for p in committed.glob("*.csv")) == sorted(p.name for p in written)
    for path in written:
        assert (committed / path.name).read_bytes() == path.read_bytes(), (
            f"regenerate sample_data ({path.name})"
        )
    assert sum(p.stat().st_size for p in committed.glob("*.csv")) < 3_000_000
