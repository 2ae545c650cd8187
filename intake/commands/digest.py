"""`intake digest`: the clerks' daily digest of requests by status, through the outbox."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from typing import Any

from intake.commands.poll import add_config_argument
from intake.config import ConfigError, load_settings
from intake.outbox import send_due, sink_from_settings
from intake.outgoing import DIGEST, new_message_id, outgoing_from_settings
from intake.policy.rules import RulesError, load_rules
from intake.replies.business_days import local_date
from intake.store import Store, StoreError
from intake.summaries import index_rows
from intake.summary.mail import digest_message
from intake.summary.pages import render_digest

EPILOG = """\
examples:
  intake digest --dry-run     print today's digest, queue nothing
  intake digest               queue it to the clerks ([clerks] addresses) and send it
  intake digest --no-send     queue it; the next poll or `intake outbox send` sends it

Exit status: 0 on success, 1 when the state cannot be used, 2 for a configuration
error (including no clerks' address when one is needed).
"""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "digest",
        help="the clerks' daily digest of requests by status",
        description="Write the clerks' digest of every request that is not closed, grouped "
        "by status (most urgent first), and queue it to the clerks' address.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dry-run", action="store_true", help="print it; queue nothing")
    parser.add_argument("--no-send", action="store_true", help="queue it without sending")
    add_config_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        settings = load_settings(args.config)
        outgoing = outgoing_from_settings(settings, load_rules(settings.rules_dir))
        if not args.dry_run and not outgoing.clerk_addresses:
            raise ConfigError(
                f"{settings.origin}: clerks.addresses: no clerks' address to send the digest to"
            )
        sink = None if args.dry_run or args.no_send else sink_from_settings(settings)
    except (ConfigError, RulesError) as exc:
        print(f"intake digest: {exc}", file=sys.stderr)
        return 2
    try:
        with Store.open(settings.state_dir, create=False) as store:
            now = store.now()
            day = local_date(now, outgoing.time_zone)
            digest = render_digest(
                index_rows(store, include_closed=False),
                day=day,
                court_name=outgoing.reply.court_name,
                time_zone=outgoing.time_zone,
                templates=outgoing.templates,
            )
            if args.dry_run:
                print(f"Subject: {digest.subject}\n\n{digest.text}")
                return 0
            message = digest_message(
                digest,
                from_address=outgoing.reply.from_address,
                to_addresses=outgoing.clerk_addresses,
                message_id=new_message_id(outgoing.message_id_domain),
                date=now,
            )
            with store.transaction():
                outbox_id = store.enqueue_reply(
                    request_id=None,
                    message_id=str(message["Message-ID"]),
                    kind=DIGEST,
                    to_address=", ".join(outgoing.clerk_addresses),
                    subject=digest.subject,
                    body=digest.text,
                    raw=message.as_bytes(),
                )
                store.audit("digest", "digest_queued", f"outbox:{outbox_id}", day=day)
            print(f"digest for {day} queued as outbox #{outbox_id}", file=sys.stderr)
            if sink is not None:
                report = send_due(store, sink, max_attempts=settings.outbox.max_attempts)
                print(f"outbox: {report.summary()}", file=sys.stderr)
    except (StoreError, sqlite3.Error) as exc:
        print(f"intake digest: {exc}", file=sys.stderr)
        return 1
    return 0
