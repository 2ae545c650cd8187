"""`intake status`: how the intake is doing, read from the state database alone.

The last poll and its result, the backlog (failed messages awaiting a retry, mail waiting
in the outbox), requests by status, and the recent failures (polls, messages, sends).
It never contacts a server, so it answers even when the mailbox is down.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from typing import TYPE_CHECKING, Any

from intake.commands.common import add_config_argument
from intake.commands.help_format import HelpFormatter
from intake.core.clock import COURT_TIME_ZONE
from intake.core.display import displayable_lines

# Heavy modules are imported in the functions that use them: building the parser
# (every `intake` command, `intake --help`) must stay quick (see intake/commands/cli.py).
if TYPE_CHECKING:
    from intake.edges.store import Store

EPILOG = """\
examples:
  intake status
  intake status --json          one JSON object (for monitoring)

Exit status: 0 when all is well; 3 when something needs the operator: the last poll
failed, an email has no reply because a template could not render it (fix it, reload,
`intake requests retry`), a message of the outbox failed its last alerts.after_failures
attempts or more (the SMTP server is down or refuses), or one failed for good (`intake
outbox list --status failed`); each is a line under "needs attention" (`problems` in
the JSON); 1 when the state database cannot be read (or there is none yet), 2 for a
configuration error.
"""

RECENT = 5
NEEDS_ATTENTION = 3


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "status",
        help="last poll, backlog, outbox, requests by status, recent failures",
        description="Show how the intake is doing, from the state database.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="one JSON object")
    add_config_argument(parser)
    parser.set_defaults(func=run)


def collect(store: Store, alert_after: int = 3) -> dict[str, Any]:
    """Everything `status` shows, as plain data; `alert_after`: the failed attempts from
    which a queued message counts as a problem (alerts.after_failures)."""
    from intake.edges.store import MessageStatus
    from intake.service.health import problems

    polls = store.polls.recent(1)
    failed_messages = store.messages.all(status=MessageStatus.FAILED)
    outbox = store.outbox.counts()
    return {
        "problems": problems(store, polls[0] if polls else None, failed_messages, alert_after),
        "last_poll": _poll(polls[0]) if polls else None,
        "backlog": {
            "failed_messages": len(failed_messages),
            "outbox_queued": outbox.get("queued", 0),
        },
        "outbox": outbox,
        "messages": store.messages.counts(),
        "requests": store.requests.counts(),
        "recent_failures": {
            "polls": [_poll(p) for p in store.polls.recent(RECENT, failed_only=True)],
            "messages": [
                {"id": m.id, "received_at": m.received_at, "error": m.error}
                for m in failed_messages[-RECENT:]
            ],
            "outbox": [
                {"id": o.id, "kind": o.kind, "to": o.to_address, "error": o.last_error}
                for o in store.outbox.all(status="failed")[-RECENT:]
            ],
        },
    }


def _poll(row: Any) -> dict[str, Any]:
    return {
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "ok": row.ok,
        "result": row.result,
        "error": row.error,
    }


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none"


def render(status: dict[str, Any], time_zone: str = COURT_TIME_ZONE) -> str:
    """For a person: every time on the court's clock (the JSON keeps the stored ISO stamps)."""
    from intake.core.clock import person_time

    def at(stamp: str | None) -> str:
        return person_time(stamp, time_zone)

    lines = []
    if status["problems"]:
        lines.append("needs attention:")
        lines += [f"  - {problem}" for problem in status["problems"]]
    poll = status["last_poll"]
    if poll is None:
        lines.append("last poll:  none recorded (no poll yet)")
    elif poll["ok"]:
        lines.append(f"last poll:  {at(poll['finished_at'])}  ok: {poll['result']}")
    else:
        lines.append(f"last poll:  {at(poll['finished_at'])}  FAILED: {poll['error']}")
    backlog = status["backlog"]
    lines.append(
        f"backlog:    {backlog['failed_messages']} failed message(s) to retry "
        f"(`intake requests retry`), {backlog['outbox_queued']} queued in the outbox"
    )
    lines.append(f"outbox:     {_counts(status['outbox'])}")
    lines.append(f"messages:   {_counts(status['messages'])}")
    lines.append(f"requests:   {_counts(status['requests'])}")
    failures = status["recent_failures"]
    if any(failures.values()):
        lines.append("recent failures:")
        for p in failures["polls"]:
            lines.append(f"  poll     {at(p['started_at'])}  {p['error']}")
        for m in failures["messages"]:
            lines.append(f"  message  #{m['id']} {at(m['received_at'])}  {m['error']}")
        for o in failures["outbox"]:
            lines.append(f"  outbox   #{o['id']} {o['kind']} to {o['to']}  {o['error']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from intake.commands.state_help import store_problem
    from intake.config import ConfigError, load_settings
    from intake.edges.store import Store, StoreError

    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"intake status: {exc}", file=sys.stderr)
        return 2
    try:
        with Store.open(settings.state_dir, create=False) as store:
            status = collect(store, settings.alerts.after_failures)
    except (StoreError, sqlite3.Error) as exc:
        print(f"intake status: {store_problem(settings, exc)}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(status, indent=None))
    else:
        # Errors quote what came in (a sender, a subject): shown without its controls.
        print(displayable_lines(render(status, settings.court_time_zone)))
    return NEEDS_ATTENTION if status["problems"] else 0
