"""`intake run`: the daemon (see `intake.service.daemon`); systemd starts it from intake.service."""

from __future__ import annotations

import argparse
from typing import Any

from intake.commands.common import add_config_argument
from intake.commands.help_format import HelpFormatter

EPILOG = """\
examples:
  intake run --config /etc/intake/intake.toml      in the foreground; Ctrl-C stops it
  systemctl start intake                           as the service (config/intake.service)

Polls the mailbox every daemon.poll_interval_seconds, sends the outbox after each poll,
and the clerks' digest on daemon.digest_cron. Under systemd it reports READY, STATUS and
the watchdog through $NOTIFY_SOCKET (see config/intake.service).

signals: SIGTERM/SIGINT finish the running step and exit 0; SIGHUP reloads the
configuration, rules and templates (a broken reload keeps the previous ones and logs why).

State: state_dir (INTAKE_STATE_DIR=/var/lib/intake under systemd); `intake status`
reads it while the daemon runs.

Exit status: 0 after SIGTERM, 2 when the configuration, rules or templates are unusable
at start (the log says which file and where).
"""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "run",
        help="run as a daemon: poll on a schedule, send replies and the digest",
        description="Run the intake daemon until stopped.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    add_config_argument(parser)
    parser.add_argument(
        "--log-format",
        choices=("text", "json"),
        help="one line of text (default) or one JSON object per event; overrides logging.format",
    )
    parser.add_argument(
        "--log-level",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="overrides logging.level",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from intake.service.daemon import (
        run_daemon,  # apscheduler and the rest: only when the daemon runs
    )

    return run_daemon(args.config, log_format=args.log_format, log_level=args.log_level)
