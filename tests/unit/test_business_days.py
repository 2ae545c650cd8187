"""The decision window: business days in the court's time zone, federal holidays skipped."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.core.replies.business_days import (
    add_business_days,
    decision_window,
    is_business_day,
    local_date,
    long_date,
)

PACIFIC = ZoneInfo("America/Los_Angeles")
UTC = dt.UTC


def pacific(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PACIFIC)


def test_an_ordinary_week_skips_the_weekend() -> None:
    # Monday 2026-03-09 -> five business days later is the next Monday.
    first, last = decision_window(pacific(2026, 3, 9, 10, 0))
    assert first == dt.date(2026, 3, 16)
    assert last == dt.date(2026, 3, 18)


def test_thanksgiving_is_skipped_but_the_friday_after_is_a_business_day() -> None:
    # Thursday 2026-11-26 is Thanksgiving; Friday 11-27 is an ordinary business day.
    assert not is_business_day(dt.date(2026, 11, 26))
    assert is_business_day(dt.date(2026, 11, 27))
    first, last = decision_window(pacific(2026, 11, 23, 12, 0))
    assert (first, last) == (dt.date(2026, 12, 1), dt.date(2026, 12, 3))


def test_christmas_and_new_year_on_a_saturday_are_observed_on_the_friday_before() -> None:
    # 2021-12-25 and 2022-01-01 were Saturdays: observed Friday 12-24 and Friday 12-31.
    assert not is_business_day(dt.date(2021, 12, 24))
    assert not is_business_day(dt.date(2021, 12, 31))
    first, last = decision_window(pacific(2021, 12, 22, 9, 0))
    # Thu 23 (1), Mon 27 (2), Tue 28 (3), Wed 29 (4), Thu 30 (5), Mon Jan 3 (6), Tue 4 (7)
    assert (first, last) == (dt.date(2021, 12, 30), dt.date(2022, 1, 4))


def test_christmas_on_a_sunday_is_observed_on_the_monday_after() -> None:
    assert not is_business_day(dt.date(2022, 12, 26))
    assert add_business_days(dt.date(2022, 12, 23), 1) == dt.date(2022, 12, 27)


def test_new_years_day_on_a_thursday() -> None:
    # Mon 2025-12-29: Tue 30 (1), Wed 31 (2), Fri Jan 2 (3), Mon 5 (4), Tue 6 (5) ... Thu 8 (7)
    first, last = decision_window(pacific(2025, 12, 29, 15, 0))
    assert (first, last) == (dt.date(2026, 1, 6), dt.date(2026, 1, 8))


def test_late_friday_night_in_california_is_still_friday() -> None:
    late = pacific(2026, 11, 20, 23, 30)  # already Saturday 07:30 in UTC
    assert late.astimezone(UTC).date() == dt.date(2026, 11, 21)
    assert local_date(late) == dt.date(2026, 11, 20)
    assert decision_window(late) == decision_window(pacific(2026, 11, 20, 12, 0))
    # Mon 23 (1), Tue 24 (2), Wed 25 (3), Fri 27 (4), Mon 30 (5), Tue 1 (6), Wed 2 (7)
    assert decision_window(late) == (dt.date(2026, 11, 30), dt.date(2026, 12, 2))


def test_late_thursday_night_counts_from_thursday_not_from_the_utc_friday() -> None:
    late_utc = dt.datetime(2026, 3, 13, 6, 30, tzinfo=UTC)  # Thursday 23:30 in California
    first, last = decision_window(late_utc)
    assert (first, last) == (dt.date(2026, 3, 19), dt.date(2026, 3, 23))
    assert decision_window(late_utc, time_zone="UTC") != (first, last)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        decision_window(dt.datetime(2026, 3, 13, 6, 30))


def test_long_date_reads_like_a_letter() -> None:
    assert long_date(dt.date(2026, 12, 4)) == "Friday, December 4, 2026"


@given(st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 12, 31)))
def test_the_window_ends_on_business_days_exactly_five_and_seven_after(moment: dt.datetime) -> None:
    first, last = decision_window(moment.replace(tzinfo=UTC))
    start = local_date(moment.replace(tzinfo=UTC))
    assert is_business_day(first) and is_business_day(last)
    assert start < first < last

    def business_days_between(a: dt.date, b: dt.date) -> int:
        days = (a + dt.timedelta(days=n) for n in range(1, (b - a).days + 1))
        return sum(is_business_day(d) for d in days)

    assert business_days_between(start, first) == 5
    assert business_days_between(start, last) == 7
