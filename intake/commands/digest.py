"""`intake digest`: the clerks' daily digest of requests by status, through the outbox."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from typing import Any

from intake.commands.common import add_config_argument, load_command_templates
from intake.commands.help_format import HelpFormatter

EPILOG = """\
examples:
  intake digest --dry-run     print today's digest, queue nothing
  intake digest               queue it to the clerks ([clerks] addresses) and send it
  intake digest --no-send     queue it; the next poll or `intake outbox send` sends it

Exit status: 0 on success, 1 when the state cannot be used or the digest could not be
sent yet (it stays queued), 2 for a configuration error (including no clerks' address
when one is needed).
"""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "digest",
        help="the clerks' daily digest of requests by status",
        description="Write the clerks' digest of every request that is not closed, grouped "
        "by status (most urgent first), and queue it to the clerks' address.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--dry-run", action="store_true", help="print it; queue nothing")
    parser.add_argument("--no-send", action="store_true", help="queue it without sending")
    add_config_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from intake.commands.state_help import store_problem
    from intake.config import ConfigError, load_settings
    from intake.core.policy.rules import RulesError, load_rules
    from intake.core.replies.rehearse import Part
    from intake.edges.store import Store, StoreError
    from intake.service.clerk_files import build_digest, queue_digest
    from intake.service.enqueue import outgoing_from_settings
    from intake.service.send import send_due, sink_from_settings

    try:
        settings = load_settings(args.config)
        rules = load_rules(settings.rules_dir)
        # Rehearsed as the poll rehearses its set: a digest template that compiles but
        # cannot render is refused here, naming its file, before anything is queued.
        templates = load_command_templates(settings, (rules, (Part.DIGEST,)))
        outgoing = outgoing_from_settings(settings, rules, templates)
        if not args.dry_run and not outgoing.clerk_addresses:
            raise ConfigError(
                f"{settings.origin}: clerks.addresses: no clerks' address to send the digest "
                "to (set [clerks] addresses, or print it with --dry-run)"
            )
        sink = None if args.dry_run or args.no_send else sink_from_settings(settings)
    except (ConfigError, RulesError) as exc:
        print(f"intake digest: {exc}", file=sys.stderr)
        return 2
    try:
        with Store.open(settings.state_dir, create=False) as store:
            now = store.now()
            if args.dry_run:
                digest = build_digest(store, outgoing, now=now)
                print(f"Subject: {digest.subject}\n\n{digest.text}")
                return 0
            outbox_id = queue_digest(store, outgoing, now=now)
            print(f"digest queued as outbox #{outbox_id}", file=sys.stderr)
            if sink is not None:
                report = send_due(store, sink, max_attempts=settings.outbox.max_attempts)
                print(f"outbox: {report.summary()}", file=sys.stderr)
                if outbox_id not in report.sent:
                    # As `intake outbox send`: not sent is a failure the operator must see;
                    # the digest stays queued and goes out with a later send.
                    print(
                        f"intake digest: not sent yet: outbox #{outbox_id} stays queued for "
                        "the next poll or `intake outbox send`",
                        file=sys.stderr,
                    )
                    return 1
    except (StoreError, sqlite3.Error) as exc:
        print(f"intake digest: {store_problem(settings, exc)}", file=sys.stderr)
        return 1
    return 0
