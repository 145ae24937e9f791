"""Every timestamp form of real exports lands on the right UTC instant."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard.core.loading.timestamps import (
    LoadSettings,
    MissingOriginError,
    join_date_time,
    parse_timestamps,
)


def _parse(values, kind="auto", scale=1.0, **settings) -> list:
    series = pd.Series(values) if isinstance(values[0], float) else pd.Series(values, dtype="str")
    parsed = parse_timestamps(series, kind, scale, LoadSettings(**settings))
    assert str(parsed.dtype) == "datetime64[us, UTC]"
    return [None if pd.isna(v) else v.isoformat() for v in parsed]


def test_iso_with_z_and_with_offset_are_the_same_instant():
    assert _parse(["2026-03-02T09:00:00Z", "2026-03-02T10:00:00+01:00"]) == [
        "2026-03-02T09:00:00+00:00",
        "2026-03-02T09:00:00+00:00",
    ]


def test_naive_times_are_read_in_the_clinic_time_zone():
    assert _parse(["2026-03-02 09:00:00"], timezone="Europe/Oslo") == ["2026-03-02T08:00:00+00:00"]


def test_naive_and_offset_times_mixed_in_one_column_are_each_read_correctly():
    parsed = _parse(["2026-07-01 09:00:00", "2026-07-01T09:00:00Z"], timezone="Europe/Oslo")
    assert parsed == ["2026-07-01T07:00:00+00:00", "2026-07-01T09:00:00+00:00"]


def test_unreadable_time_is_nat_and_does_not_spoil_the_others():
    assert _parse(["2026-03-02T09:00:00Z", "2026-13-45T99:00:00Z", None]) == [
        "2026-03-02T09:00:00+00:00",
        None,
        None,
    ]


def test_mimic_surrogate_year_2704_is_representable():
    assert _parse(["2704-05-04T10:44:18.529"]) == ["2704-05-04T10:44:18.529000+00:00"]


def test_epoch_seconds_with_fractions_keep_milliseconds():
    assert _parse([1562838865.138]) == ["2019-07-11T09:54:25.138000+00:00"]


def test_epoch_seconds_written_as_text_are_recognised():
    assert _parse(["1562838865.138"]) == ["2019-07-11T09:54:25.138000+00:00"]


def test_epoch_milliseconds_are_recognised_by_their_size():
    assert _parse([1562838865138.0]) == ["2019-07-11T09:54:25.138000+00:00"]


def test_elapsed_seconds_count_from_the_origin_setting():
    parsed = _parse([0.0, 90.0], elapsed_origin="2026-03-02T09:00:00Z")
    assert parsed == ["2026-03-02T09:00:00+00:00", "2026-03-02T09:01:30+00:00"]


def test_elapsed_minutes_use_the_column_scale_and_a_local_origin():
    parsed = _parse(
        [1.5], kind="elapsed", scale=60, elapsed_origin="2026-03-02 09:00", timezone="Europe/Oslo"
    )
    assert parsed == ["2026-03-02T08:01:30+00:00"]


def test_elapsed_times_without_an_origin_are_refused():
    with pytest.raises(MissingOriginError):
        _parse([0.0, 60.0])


def test_day_first_setting_reads_spreadsheet_dates_day_first():
    assert _parse(["03/02/2026 09:00:00"], dayfirst=True) == ["2026-02-03T09:00:00+00:00"]
    assert _parse(["03/02/2026 09:00:00"], dayfirst=False) == ["2026-03-02T09:00:00+00:00"]


def test_a_day_above_12_anywhere_in_the_file_decides_the_order():
    values = ["03/02/2026 09:00:00"] * 1500 + ["13/02/2026 09:00:00"]
    parsed = _parse(values, dayfirst=False)
    assert parsed[0] == "2026-02-03T09:00:00+00:00"
    assert parsed[-1] == "2026-02-13T09:00:00+00:00"


def test_vscapturemp_day_month_year_with_milliseconds():
    assert _parse(["23-09-2023 10:05:24.480"]) == ["2023-09-23T10:05:24.480000+00:00"]


def test_separate_date_and_time_columns_combine():
    joined = join_date_time(pd.Series(["15/05/2016"], dtype="str"), pd.Series(["12:50:56"], dtype="str"))
    assert _parse(list(joined), dayfirst=True) == ["2016-05-15T12:50:56+00:00"]


def test_local_time_that_does_not_exist_at_the_spring_dst_change_is_unreadable():
    assert _parse(["2026-03-29 02:30:00"], timezone="Europe/Oslo") == [None]


def test_numbers_too_large_for_a_date_are_unreadable_not_an_overflow():
    parsed = _parse([1562838865.0, 1562838866.0, 1e300, np.inf])
    assert parsed == ["2019-07-11T09:54:25+00:00", "2019-07-11T09:54:26+00:00", None, None]


def test_a_million_iso_timestamps_parse_in_well_under_a_second():
    stamps = pd.date_range("2026-03-02T09:00:00Z", periods=1_000_000, freq="s").strftime("%Y-%m-%dT%H:%M:%SZ")
    series = pd.Series(stamps, dtype="str")
    start = pd.Timestamp.now()
    parsed = parse_timestamps(series, "auto", 1.0, LoadSettings())
    assert (pd.Timestamp.now() - start).total_seconds() < 1.0
    assert parsed.notna().all()


def test_times_outside_the_calendar_are_not_readable():
    parsed = parse_timestamps(pd.Series(["2026-03-02T09:00:00Z", "-1"]), "auto", 1.0, LoadSettings())
    assert parsed.iloc[0] == pd.Timestamp("2026-03-02T09:00:00Z") and pd.isna(parsed.iloc[1])


def test_iso_date_on_a_12_hour_clock_reads_pm_as_afternoon_and_12_am_as_midnight():
    assert _parse(["2021-05-05 02:41:00 PM", "2021-05-05 12:05:00 AM"]) == [
        "2021-05-05T14:41:00+00:00",
        "2021-05-05T00:05:00+00:00",
    ]
    assert _parse(["2021-05-05 12:05 PM"]) == ["2021-05-05T12:05:00+00:00"]  # without seconds


def test_spreadsheet_date_on_a_12_hour_clock_follows_the_day_first_setting():
    assert _parse(["05/06/2021 02:41:00 PM"], dayfirst=False) == ["2021-05-06T14:41:00+00:00"]
    assert _parse(["05/06/2021 02:41:00 PM"], dayfirst=True) == ["2021-06-05T14:41:00+00:00"]
    assert _parse(["13/05/2021 02:41 PM"]) == ["2021-05-13T14:41:00+00:00"]  # a day above 12 decides


def test_ctime_form_of_ge_s5_collectors_is_read_as_local_clock_time():
    assert _parse(["Wed Sep 15 12:06:59 2021", "Sun Sep  5 01:02:03 2021"]) == [
        "2021-09-15T12:06:59+00:00",
        "2021-09-05T01:02:03+00:00",
    ]
    assert _parse(["Wed Sep 15 12:06:59 2021"], timezone="Europe/Oslo") == ["2021-09-15T10:06:59+00:00"]


def test_a_12_hour_time_without_am_or_pm_is_not_guessed():
    assert _parse(["2021-05-05 02:41:00 PM", "2021-05-05 02:42:00 XM"]) == ["2021-05-05T14:41:00+00:00", None]
