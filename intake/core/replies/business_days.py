"""Business days of the court: weekdays that are not U.S. federal holidays. Pure.

The court promises a decision "five to seven business days" after a request became
complete. Which calendar day a request became complete on is a question for the
court's clock, not UTC's: a request completed at 11 p.m. on a Thursday in San Francisco
is a Thursday request, although it is already Friday in UTC.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

from intake.core.clock import COURT_TIME_ZONE, court_zone


@lru_cache(maxsize=64)
def _federal_holidays(year: int) -> frozenset[dt.date]:
    # The `holidays` package's US calendar without a state is the federal one, with the
    # observed days (a Saturday holiday is observed on Friday, a Sunday one on Monday).
    return frozenset(holidays.country_holidays("US", years=year).keys())


def is_federal_holiday(day: dt.date) -> bool:
    # A Saturday New Year's Day is observed on December 31 of the year before.
    return day in _federal_holidays(day.year)


def is_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and not is_federal_holiday(day)


def add_business_days(day: dt.date, count: int) -> dt.date:
    """The `count`-th business day after `day` (`day` itself is never counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    current = day
    remaining = count
    while remaining:
        current += dt.timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def local_date(moment: dt.datetime, time_zone: str = COURT_TIME_ZONE) -> dt.date:
    """The calendar day `moment` falls on at the court."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a time zone-aware datetime is needed to know the court's day")
    return moment.astimezone(court_zone(time_zone)).date()


def decision_window(
    completed_at: dt.datetime,
    *,
    time_zone: str = COURT_TIME_ZONE,
    first: int = 5,
    last: int = 7,
) -> tuple[dt.date, dt.date]:
    """The first and last day of the expected decision, counted from the court's day."""
    if not 0 <= first <= last:
        raise ValueError("the window needs 0 <= first <= last")
    start = local_date(completed_at, time_zone)
    return add_business_days(start, first), add_business_days(start, last)


def long_date(day: dt.date) -> str:
    """'Friday, December 4, 2026' (no platform-specific strftime flags)."""
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"
