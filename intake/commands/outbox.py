"""`intake outbox list|send|requeue`: what is queued for sending, and sending it now."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from typing import TYPE_CHECKING, Any

from intake.commands.arguments import record_id
from intake.commands.common import add_config_argument
from intake.commands.help_format import HelpFormatter
from intake.core.display import displayable

if TYPE_CHECKING:
    from intake.edges.store import OutboxRow

EPILOG = """\
examples:
  intake outbox list                 every queued, sent and failed message
  intake outbox list --status failed
  intake outbox send                 send what is due now (the poll does this too)
  intake outbox send --now           send everything queued, whatever its back-off
  intake outbox list --json          one JSON object per message, for scripts
  intake outbox requeue 7            try a failed message again (after fixing the cause)

The outbox is a table of the state database (state_dir/intake.sqlite3); with the folder
sink ([outbox] sink = "folder", the default) a sent message is an .eml file in
state_dir/outbox/, with [outbox] sink = "smtp" it goes to the [smtp] server.

Exit status: 0 on success, 1 when a message could not be sent (it is retried later or
marked failed), when the message to requeue is not a failed one, or when the state
cannot be used; 2 for a usage or configuration error.
"""

LIST_EPILOG = """\
examples:
  intake outbox list
  intake outbox list --status failed

Each line: #ID, status (queued, sent, failed), kind (reply, summary, digest, alert),
recipient, subject, attempts, when it was sent or its next attempt, and the last error.
With --json, one object per line: id, request_id, kind, to, subject, message_id,
status, attempts, sent_at, next_attempt_at (ISO 8601, UTC), last_error, claimed_by
(the sender sending it at this moment, or null).
Exit status: 0, 1 when the state cannot be used.
"""

SEND_EPILOG = """\
example:
  intake outbox send --config /etc/intake/intake.toml

Sends every queued message whose next attempt is due (with --now: every queued message,
whatever its back-off: the server is back), and says how many wait for later. Each
message is claimed in the state database first, so a send run while the daemon sends
never sends a message twice. A temporary failure (connection refused, 4xx) is retried
with a growing delay; a permanent one (5xx), or too many attempts, marks it failed (see
`intake outbox list --status failed`, then `requeue`).
Exit status: 0 when all went out, 1 when some did not (failed, to be retried, or
still queued for a later attempt).
"""

REQUEUE_EPILOG = """\
example:
  intake outbox requeue 7     after fixing what made #7 fail (see `intake outbox list`)

Only a failed message can be requeued; it goes out with the next send or poll.
Exit status: 0 when it is queued again, 1 when there is no such failed message.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "outbox",
        help="list, send or requeue the outgoing replies and clerk emails",
        description="The outgoing mail: replies to attorneys, the clerks' summaries and "
        "digest, operator alerts. Each is queued with its assessment and sent afterwards.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list",
        help="one line per outgoing message",
        description="List the outgoing messages, oldest first.",
        epilog=LIST_EPILOG,
        formatter_class=HelpFormatter,
    )
    listing.add_argument(
        "--status", choices=["queued", "sent", "failed"], help="only messages in this status"
    )
    listing.add_argument(
        "--json", action="store_true", help="one JSON object per message, one per line"
    )
    add_config_argument(listing)
    listing.set_defaults(func=run)
    send = actions.add_parser(
        "send",
        help="send the due messages now",
        description="Send the queued messages that are due, now.",
        epilog=SEND_EPILOG,
        formatter_class=HelpFormatter,
    )
    send.add_argument(
        "--now",
        action="store_true",
        help="send every queued message now, also those waiting out a retry delay",
    )
    add_config_argument(send)
    send.set_defaults(func=run)
    requeue = actions.add_parser(
        "requeue",
        help="queue a failed message again",
        description="Queue a failed message again.",
        epilog=REQUEUE_EPILOG,
        formatter_class=HelpFormatter,
    )
    requeue.add_argument("id", type=record_id, metavar="ID", help="its #ID in `intake outbox list`")
    add_config_argument(requeue)
    requeue.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from intake.commands.state_help import store_problem
    from intake.config import ConfigError, load_settings
    from intake.core.clock import person_time
    from intake.edges.store import Store, StoreError
    from intake.service.send import send_due, sink_from_settings

    try:
        settings = load_settings(args.config)
        sink = sink_from_settings(settings) if args.action == "send" else None
    except ConfigError as exc:
        print(f"intake outbox: {exc}", file=sys.stderr)
        return 2
    try:
        with Store.open(settings.state_dir, create=False) as store:
            if args.action == "list":
                rows = store.outbox.all(status=args.status)
                if args.json:
                    for row in rows:
                        print(json.dumps(_row_json(row)))
                    return 0
                if not rows:
                    what = f"{args.status} " if args.status else ""
                    print(f"no {what}messages in the outbox (state: {store.path})")
                tz = settings.court_time_zone
                for row in rows:
                    if row.sent_at:
                        when = person_time(row.sent_at, tz)
                    else:
                        due = row.next_attempt_at
                        when = f"next {person_time(due, tz) if due else 'now'}"
                    error = f"  [{row.last_error}]" if row.last_error else ""
                    print(
                        displayable(
                            f"#{row.id}  {row.status:<6}  {row.kind:<7}  {row.to_address}  "
                            f"{row.subject}  ({row.attempts} attempt(s), {when}){error}"
                        )
                    )
                return 0
            if args.action == "requeue":
                with store.transaction():
                    done = store.outbox.requeue(args.id)
                    if done:
                        store.audit.record("operator", "requeued", f"outbox:{args.id}")
                if not done:
                    held = store.outbox.get(args.id)
                    why = (
                        f"no outbox message #{args.id} (see `intake outbox list`)"
                        if held is None
                        else f"#{args.id} is {held.status}, not a failed message: only a failed "
                        "message can be requeued"
                    )
                    print(f"intake outbox: {why}", file=sys.stderr)
                    return 1
                print(f"#{args.id} queued again")
                return 0
            assert sink is not None
            report = send_due(
                store, sink, max_attempts=settings.outbox.max_attempts, ignore_backoff=args.now
            )
            print(f"outbox: {report.summary()}")
            waiting = [
                row for row in store.outbox.all(status="queued") if row.id not in report.sent
            ]
            if waiting:
                # A message that failed a moment ago is not due yet: without this line
                # "0 sent, 0 to retry" reads as if the outbox were empty.
                first = min((row.next_attempt_at or "" for row in waiting), default="")
                next_at = person_time(first, settings.court_time_zone) if first else "now"
                print(f"outbox: {len(waiting)} still queued (next attempt {next_at})")
            # "0 when all went out": a message left queued did not go out.
            return 1 if report.failed or report.retrying or waiting else 0
    except (StoreError, sqlite3.Error) as exc:
        print(f"intake outbox: {store_problem(settings, exc)}", file=sys.stderr)
        return 1


def _row_json(row: OutboxRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "request_id": row.request_id,
        "kind": row.kind,
        "to": row.to_address,
        "subject": row.subject,
        "message_id": row.message_id,
        "status": row.status,
        "attempts": row.attempts,
        "sent_at": row.sent_at,
        "next_attempt_at": row.next_attempt_at,
        "last_error": row.last_error,
        "claimed_by": row.claimed_by,
    }
