"""One clock for people: every time a person reads is the court's, with its abbreviation. Pure.

The state database keeps UTC ISO 8601 stamps (they sort as text) and machine formats
(`--json`, logs in JSON) keep ISO 8601 with the offset. Everything a clerk, an operator
or an attorney reads (the CLI's tables, the clerk's pages and digest, the replies'
`Date:` header) goes through here, so the same event never reads as two times.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

COURT_TIME_ZONE = "America/Los_Angeles"


@lru_cache(maxsize=16)
def court_zone(time_zone: str = COURT_TIME_ZONE) -> ZoneInfo:
    """The zone by its IANA name; a ValueError naming it when the system does not know it."""
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {time_zone!r} (an IANA name such as {COURT_TIME_ZONE!r})"
        ) from exc


def parse_stamp(value: str | None) -> dt.datetime | None:
    """A stored stamp as an aware datetime (a naive one is taken as UTC); None for none."""
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def at_court(moment: dt.datetime, time_zone: str = COURT_TIME_ZONE) -> dt.datetime:
    """`moment` on the court's clock (naive values are UTC, as the store writes them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(court_zone(time_zone))


def person_time(moment: dt.datetime | str | None, time_zone: str = COURT_TIME_ZONE) -> str:
    """'2026-11-20 15:30 PST': a time for a person to read; '-' for none.

    A stored stamp that does not parse is shown as it is rather than hidden."""
    if moment is None or moment == "":
        return "-"
    if isinstance(moment, str):
        try:
            parsed = parse_stamp(moment)
        except ValueError:
            return moment
        assert parsed is not None
        moment = parsed
    local = at_court(moment, time_zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def machine_time(moment: dt.datetime) -> str:
    """ISO 8601 with the offset, to the second, in UTC: for JSON and other machine formats."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
