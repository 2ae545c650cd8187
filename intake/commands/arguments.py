"""Argument types shared by the commands: a bad value is argparse's usage error (exit 2)."""

from __future__ import annotations

import argparse

# SQLite's INTEGER: an id beyond it is no id at all (and would overflow the query).
MAX_ID = 2**63 - 1


def record_id(text: str) -> int:
    """A request's or outbox message's id, as `requests list` / `outbox list` show it."""
    try:
        value = int(text.removeprefix("#"))
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_ID:
        raise argparse.ArgumentTypeError(f"{text!r}: an id is a whole number from 1 up, e.g. 12")
    return value
