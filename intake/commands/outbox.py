"""`intake outbox list|send|requeue`: what is queued for sending, and sending it now."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from typing import Any

from intake.commands.poll import add_config_argument

EPILOG = """\
examples:
  intake outbox list                 every queued, sent and failed message
  intake outbox list --status failed
  intake outbox send                 send what is due now (the poll does this too)
  intake outbox requeue 7            try a failed message again (after fixing the cause)
"""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "outbox",
        help="list, send or requeue the outgoing replies and clerk emails",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="one line per outgoing message")
    listing.add_argument("--status", choices=["queued", "sent", "failed"])
    add_config_argument(listing)
    listing.set_defaults(func=run)
    send = actions.add_parser("send", help="send the due messages now")
    add_config_argument(send)
    send.set_defaults(func=run)
    requeue = actions.add_parser("requeue", help="queue a failed message again")
    requeue.add_argument("id", type=int, metavar="ID")
    add_config_argument(requeue)
    requeue.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from intake.config import ConfigError, load_settings
    from intake.outbox import send_due, sink_from_settings
    from intake.store import Store, StoreError

    try:
        settings = load_settings(args.config)
        sink = sink_from_settings(settings) if args.action == "send" else None
    except ConfigError as exc:
        print(f"intake outbox: {exc}", file=sys.stderr)
        return 2
    try:
        with Store.open(settings.state_dir, create=False) as store:
            if args.action == "list":
                for row in store.outbox(status=args.status):
                    when = row.sent_at or f"next {row.next_attempt_at or '-'}"
                    error = f"  [{row.last_error}]" if row.last_error else ""
                    print(
                        f"#{row.id}  {row.status:<6}  {row.kind:<7}  {row.to_address}  "
                        f"{row.subject}  ({row.attempts} attempt(s), {when}){error}"
                    )
                return 0
            if args.action == "requeue":
                with store.transaction():
                    done = store.requeue_outbox(args.id)
                    if done:
                        store.audit("operator", "requeued", f"outbox:{args.id}")
                if not done:
                    print(f"intake outbox: #{args.id} is not a failed message", file=sys.stderr)
                    return 1
                print(f"#{args.id} queued again")
                return 0
            assert sink is not None
            report = send_due(store, sink, max_attempts=settings.outbox.max_attempts)
            print(f"outbox: {report.summary()}")
            return 1 if report.failed or report.retrying else 0
    except (StoreError, sqlite3.Error) as exc:
        print(f"intake outbox: {exc}", file=sys.stderr)
        return 1
