"""`intake poll --once`: one poll cycle over the configured mail source."""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import sys
import time
from typing import TYPE_CHECKING, Any

from intake.commands.common import (
    ProgressDisplay,
    Terminated,
    _terminate,
    add_config_argument,
)
from intake.commands.help_format import HelpFormatter
from intake.service.sources import describe_source, open_configured_source

# Only `run` needs the pipeline, the store and the mail: imported there, so that every
# other command (and `intake --help`) starts without them.
if TYPE_CHECKING:
    from intake.service.cycle import PollResult
    from intake.service.send import SendReport

EPILOG = """\
examples:
  intake poll --once                       the configured source (default: Maildir ./var/mail)
  intake poll --once --config /etc/intake/intake.toml
  intake poll --once --json                one JSON object on stdout, for scripts

Settings come from --config, else $INTAKE_CONFIG, else config/intake.toml, else the
embedded default (Maildir ./var/mail, state in ./var/state); INTAKE_* variables override
single keys (see config/intake.example.toml).

State: state_dir/intake.sqlite3 (created by the first poll), with failed/, documents/,
summaries/ and outbox/ beside it; `intake status` shows the last poll.

Exit status: 0 when the cycle ran (messages that could not be read are recorded as
failed and listed by `intake requests retry`), 1 when the mailbox or the state could
not be used, 2 for a configuration, rules or template error, 130 when interrupted
(Ctrl-C; 143 for SIGTERM): each message handled so far is kept, the rest wait for the
next poll, and `intake status` shows the poll as interrupted.

With --json, stdout holds one JSON object (the progress and messages stay on stderr):
after a cycle that ran, {"ok": true, "exit": 0, "fetched", "processed", "duplicates",
"ignored", "failed", "actions_recovered", "uidvalidity_changed", "requests_updated"
(ids), "summaries_rendered", "summary_error", "left_for_next", "owed_from_before",
"outbox": {"sent", "retrying", "failed", "deferred", "taken_by_another_sender",
"last_error"} or null with --no-send, "seconds"}; after a failure or an interruption,
{"ok": false, "interrupted", "error", "exit"} with the exit status above. A
configuration error (exit 2) prints no JSON.
"""


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "poll",
        help="fetch new mail, add it to requests, assess them",
        description="Take the new mail from the court mailbox, add each email's documents "
        "to its attorney's request, assess the request, and record everything.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "--once", action="store_true", help="run one cycle and exit (required for now)"
    )
    parser.add_argument(
        "--no-send",
        action="store_true",
        help="queue replies and summaries but do not send them (see `intake outbox`)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the poll's result as one JSON object on stdout (see below)",
    )
    add_config_argument(parser)
    parser.set_defaults(func=run)


def _combined(first: SendReport, second: SendReport) -> SendReport:
    from intake.service.send import SendReport

    return SendReport(
        sent=first.sent + second.sent,
        retrying=first.retrying + second.retrying,
        failed=first.failed + second.failed,
        deferred=second.deferred,
        taken=first.taken + second.taken,
        errors=first.errors + second.errors,
    )


def run(args: argparse.Namespace) -> int:
    if not args.once:
        print(
            "intake poll: only --once is available (the daemon, which polls on a schedule, "
            "is `intake run`)",
            file=sys.stderr,
        )
        return 2
    from intake.config import ConfigError
    from intake.edges.mail.source import SourceError
    from intake.edges.store import Store, StoreError, utc_now
    from intake.service.cycle import finish_summaries, poll_once
    from intake.service.enqueue import outgoing_from_settings
    from intake.service.owed import catch_up
    from intake.service.polls import PollBusy, poll_lock, record_poll
    from intake.service.runtime import RuntimeProblem, load_runtime
    from intake.service.send import send_due, sink_from_settings

    try:
        # What the daemon loads at start, templates included: a template that does not
        # compile would otherwise leave every attorney of this poll without a reply.
        runtime = load_runtime(args.config)
        settings = runtime.settings
        # A password is read now (a missing file is a configuration error); an OAuth2
        # token is asked for under the lock, where an unreachable provider fails the poll.
        source = None if runtime.tokens is not None else open_configured_source(settings, None)
        outgoing = outgoing_from_settings(settings, runtime.rules, runtime.templates)
        sink = None if args.no_send else sink_from_settings(settings, runtime.tokens)
    except (RuntimeProblem, ConfigError) as exc:
        print(f"intake poll: {exc}", file=sys.stderr)
        return 2
    # Which mailbox and which state: a poll run from the wrong folder, or without the
    # --config the daemon uses, otherwise looks like "0 fetched" and nothing else.
    print(
        f"poll: {describe_source(settings)} into {settings.state_dir} "
        f"(settings: {settings.origin})",
        file=sys.stderr,
    )
    display = ProgressDisplay(sys.stderr)
    # `timeout`, a systemd timer's stop, `kill`: ended like Ctrl-C, so noted in `status`.
    previous_sigterm = signal.signal(signal.SIGTERM, _terminate)
    started_at = utc_now()
    started = time.monotonic()
    error: str | None = None
    try:
        with (
            poll_lock(settings.state_dir),
            Store.open(settings.state_dir) as store,
        ):
            # Before the mailbox: owed pages are drawn even when it cannot be reached.
            caught_up = catch_up(store, outgoing, actor="poll").summary()
            if caught_up:
                print(f"poll: {caught_up}", file=sys.stderr)
            connected = source or open_configured_source(settings, runtime.tokens)
            with connected:
                result = poll_once(
                    connected,
                    store,
                    runtime.rules,
                    own_address=settings.own_address,
                    progress=display,
                    batch_size=settings.source.batch_size,
                    outgoing=outgoing,
                    render_summaries=False,
                    authserv_ids=settings.sender_check.authserv_ids,
                )
            # After the poll, in the same lock: the attorneys' replies go out first, then
            # the clerks' summaries are rendered (their packets cost the most) and sent.
            sent = (
                send_due(store, sink, max_attempts=settings.outbox.max_attempts) if sink else None
            )
            finish_summaries(store, outgoing, result)
            if sink is not None and sent is not None and result.summaries_rendered:
                later = send_due(store, sink, max_attempts=settings.outbox.max_attempts)
                sent = _combined(sent, later)
    except PollBusy as exc:  # not a poll of ours: the one running records its own
        display.finish()
        print(f"intake poll: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        # Each message is committed whole or not at all: what was done stays done, and
        # the rest is still in the mailbox for the next poll. `status` says so too.
        display.finish()
        how = "SIGTERM" if isinstance(exc, Terminated) else "Ctrl-C"
        error = f"interrupted ({how}) after {display.progress()}"
        record_poll(settings.state_dir, started_at, ok=False, result="interrupted", error=error)
        print(
            f"intake poll: {error}; each message handled so far is recorded, the rest stay "
            "in the mailbox for the next poll; replies queued but not sent go out with "
            "`intake outbox send` or the next poll",
            file=sys.stderr,
        )
        code = 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)
        _print_json(args, {"ok": False, "interrupted": True, "error": error, "exit": code})
        return code
    except SourceError as exc:  # the daemon's words, in the same `polls` table
        error = f"the mail source is unreachable: {exc}"
    except (StoreError, sqlite3.Error) as exc:
        error = f"the state database failed: {exc}"
    except OSError as exc:  # the lock file: a read-only or foreign state folder
        # Not noted in the `polls` table: it lives in the folder that cannot be used.
        display.finish()
        print(
            f"intake poll: the state folder {settings.state_dir} cannot be used: "
            f"{exc.strerror or exc} (the user running intake must be able to write to it)",
            file=sys.stderr,
        )
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)
    display.finish()
    if error is not None:
        print(f"intake poll: {error}", file=sys.stderr)
        record_poll(settings.state_dir, started_at, ok=False, result="failed", error=error)
        _print_json(args, {"ok": False, "interrupted": False, "error": error, "exit": 1})
        return 1
    record_poll(settings.state_dir, started_at, ok=True, result=result.summary(), error=None)
    print(_summary(result, time.monotonic() - started), file=sys.stderr)
    if sent is not None:
        print(f"outbox: {sent.summary()}", file=sys.stderr)
    _print_json(args, _result_json(result, sent, caught_up, time.monotonic() - started))
    return 0


def _print_json(args: argparse.Namespace, data: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(data))


def _result_json(
    result: PollResult, sent: SendReport | None, caught_up: str | None, seconds: float
) -> dict[str, Any]:
    """The --json object of a poll that ran (its keys are listed in the help)."""
    return {
        "ok": True,
        "exit": 0,
        "fetched": result.fetched,
        "processed": result.processed,
        "duplicates": result.duplicates,
        "ignored": result.ignored,
        "failed": result.failed,
        "actions_recovered": result.actions_recovered,
        "uidvalidity_changed": result.uidvalidity_changed,
        "requests_updated": sorted(result.request_ids),
        "summaries_rendered": result.summaries_rendered,
        "summary_error": result.summary_error,
        "left_for_next": result.left_for_next,
        "owed_from_before": caught_up,
        "outbox": None
        if sent is None
        else {
            "sent": len(sent.sent),
            "retrying": len(sent.retrying),
            "failed": len(sent.failed),
            "deferred": sent.deferred,
            "taken_by_another_sender": sent.taken,
            "last_error": sent.errors[-1] if sent.errors else None,
        },
        "seconds": round(seconds, 3),
    }


def _summary(result: PollResult, seconds: float) -> str:
    line = f"poll: {result.summary()} in {seconds:.1f}s"
    if result.uidvalidity_changed:
        line += " (the mailbox's UIDVALIDITY changed: rescanned it all)"
    if result.failed:
        line += "; see `intake requests list` and `intake requests retry`"
    return line
