"""`intake state check`: the state database's integrity, orphaned files, owed work."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from typing import Any

from intake.commands.common import add_config_argument
from intake.commands.help_format import HelpFormatter

EPILOG = """\
examples:
  intake state check
  intake state check --json       one JSON object: problems, orphans, owed (lists of lines)

Reads the state folder (state_dir: intake.sqlite3, documents/, failed/, summaries/ and
the outbox's tmp/) without changing anything, and reports:
  problems  SQLite's integrity and foreign-key checks; failed messages whose kept bytes
            are gone (they can never be retried)
  orphans   files the state does not refer to, and temporary files of killed writers
            (the next poll removes those)
  owed      work the next poll or send does by itself: mailbox actions, clerk pages,
            summary emails, queued messages, failed messages to retry

Exit status: 0 when there is no problem (orphans and owed work are listed, not
failures); 3 when there is a problem; 1 when the state database cannot be opened (or
there is none yet); 2 for a configuration error.
"""

PROBLEMS_FOUND = 3


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "state",
        help="check the state database and its files",
        description="Look after the state folder.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="integrity, orphaned files and owed work, read only",
        description="Check the state database's integrity, find files it does not refer "
        "to, and list the work still owed.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    check.add_argument("--json", action="store_true", help="one JSON object")
    add_config_argument(check)
    check.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from intake.commands.state_help import store_problem
    from intake.config import ConfigError, load_settings
    from intake.edges.store import Store, StoreError
    from intake.service.state_check import check_state

    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"intake state: {exc}", file=sys.stderr)
        return 2
    try:
        with Store.open(settings.state_dir, create=False) as store:
            folder = settings.outbox_folder if settings.outbox.sink == "folder" else None
            report = check_state(store, folder)
    except (StoreError, sqlite3.Error) as exc:
        print(f"intake state: {store_problem(settings, exc)}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"state_dir": str(settings.state_dir), **report.as_json()}))
    else:
        print(f"state: {settings.state_dir}")
        for title, lines in (
            ("problems", report.problems),
            ("orphans", report.orphans),
            ("owed", report.owed),
        ):
            print(f"{title}: {'none' if not lines else len(lines)}")
            for line in lines:
                print(f"  - {line}")
    return PROBLEMS_FOUND if report.problems else 0
