"""`intake poll --once`: one poll cycle over the configured mail source."""

from __future__ import annotations

import argparse
import signal
import sqlite3
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from intake.commands.help_format import HelpFormatter

# Only `run` needs the pipeline, the store and the mail: imported there, so that every
# other command (and `intake --help`) starts without them.
if TYPE_CHECKING:
    from intake.config import Settings
    from intake.mail.source import MailSource
    from intake.oauth import TokenSource
    from intake.pipeline import PollResult

EPILOG = """\
examples:
  intake poll --once                       the configured source (default: Maildir ./var/mail)
  intake poll --once --config /etc/intake/intake.toml

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
"""

# Below this many new messages the cycle is quick: no progress display.
BACKLOG = 5


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
    add_config_argument(parser)
    parser.set_defaults(func=run)


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="settings file (default: $INTAKE_CONFIG, else config/intake.toml, else built in)",
    )


def open_source(settings: Settings, *, access_token: str | None = None) -> MailSource:
    """The mail source the settings name (not yet connected: use it in a `with`).

    With `access_token` (OAuth2, see intake.oauth) IMAP logs in by XOAUTH2 instead.
    """
    from intake.config import ConfigError

    source = settings.source
    if source.kind == "imap":
        from intake.mail.imap import ImapConfig, ImapSource

        imap = source.imap
        assert imap is not None  # validated by SourceSettings
        try:
            config = ImapConfig(
                host=imap.host,
                username=imap.username,
                password=access_token or imap.password(),
                auth="xoauth2" if access_token else "password",
                port=imap.port,
                security=imap.security,
                folder=imap.folder,
                processed_action=imap.processed_action,
                processed_folder=imap.processed_folder,
                failed_folder=imap.failed_folder,
                processed_keyword=imap.processed_keyword,
                failed_keyword=imap.failed_keyword,
                timeout_seconds=imap.timeout_seconds,
                batch_size=imap.batch_size,
                tls_ca_file=imap.tls_ca_file,
            )
        except ValueError as exc:
            raise ConfigError(f"{settings.origin}: source.imap: {exc}") from exc
        return ImapSource(config)
    from intake.mail.maildir import MaildirSource

    return MaildirSource(source.maildir)


def describe_source(settings: Settings) -> str:
    """The configured mailbox in a few words: 'Maildir var/mail', 'IMAP u@host:993 INBOX'."""
    source = settings.source
    if source.kind == "imap" and source.imap is not None:
        imap = source.imap
        return f"IMAP {imap.username}@{imap.host}:{imap.effective_port} {imap.folder}"
    return f"Maildir {source.maildir}"


def install_templates(settings: Settings) -> None:
    """Compile every template of the settings' folder and make it the set replies,
    summaries and the digest render with; ConfigError naming each broken file (and
    line) otherwise, before anything is written."""
    from intake.config import ConfigError
    from intake.replies.render import compile_templates, install
    from intake.runtime import templates_dir

    templates, problems = compile_templates(templates_dir(settings))
    if problems:
        raise ConfigError("templates: " + "; ".join(problems))
    install(templates)


class ProgressDisplay:
    """A progress bar on a terminal; a line every ~10% otherwise (logs, journald)."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.width = width
        self.started = time.monotonic()
        self._last_line = -1
        self._drawn = False
        # How far the poll got (None: it had not counted the new messages yet).
        self.done = 0
        self.total: int | None = None

    def progress(self) -> str:
        """How far the poll got, in words (for an interrupted poll)."""
        if self.total is None:
            return "before any new message was read"
        return f"{self.done} of {self.total} new message(s)"

    def __call__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if total < BACKLOG:
            return
        if self.tty:
            filled = self.width * done // total
            bar = "#" * filled + "-" * (self.width - filled)
            rate = done / max(time.monotonic() - self.started, 1e-6)
            self.stream.write(f"\r[{bar}] {done}/{total} messages  {rate:.1f}/s ")
            self.stream.flush()
            self._drawn = True
            return
        step = max(total // 10, 1)
        if done == 0:
            self.stream.write(f"poll: {total} new messages\n")
        elif (done % step == 0 or done == total) and done != self._last_line:
            self.stream.write(f"poll: {done}/{total} messages\n")
            self._last_line = done
        self.stream.flush()

    def finish(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()


class Terminated(KeyboardInterrupt):
    """SIGTERM during a poll: handled as Ctrl-C is (see `run`)."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


def open_configured_source(settings: Settings, tokens: TokenSource | None) -> MailSource:
    """The configured source as the daemon opens it: with [oauth], IMAP logs in by XOAUTH2
    with a token asked for now (an unreachable provider raises OAuthError, a SourceError).
    A password read here is registered, so that no log line can show it."""
    from intake.logs import register_secret

    if settings.source.kind == "imap" and tokens is not None:
        return open_source(settings, access_token=tokens.access_token())
    if settings.source.kind == "imap" and settings.source.imap is not None:
        register_secret(settings.source.imap.password())
    return open_source(settings)


def run(args: argparse.Namespace) -> int:
    if not args.once:
        print(
            "intake poll: only --once is available (the daemon, which polls on a schedule, "
            "is `intake run`)",
            file=sys.stderr,
        )
        return 2
    from intake.config import ConfigError
    from intake.mail.source import SourceError
    from intake.outbox import send_due, sink_from_settings
    from intake.outgoing import outgoing_from_settings
    from intake.pipeline import poll_once
    from intake.polls import PollBusy, poll_lock, record_poll
    from intake.replies import render
    from intake.runtime import RuntimeProblem, load_runtime
    from intake.store import Store, StoreError, utc_now

    try:
        # What the daemon loads at start, templates included: a template that does not
        # compile would otherwise leave every attorney of this poll without a reply.
        runtime = load_runtime(args.config)
        settings = runtime.settings
        # A password is read now (a missing file is a configuration error); an OAuth2
        # token is asked for under the lock, where an unreachable provider fails the poll.
        source = None if runtime.tokens is not None else open_configured_source(settings, None)
        outgoing = outgoing_from_settings(settings, runtime.rules)
        sink = None if args.no_send else sink_from_settings(settings, runtime.tokens)
    except (RuntimeProblem, ConfigError) as exc:
        print(f"intake poll: {exc}", file=sys.stderr)
        return 2
    if runtime.templates is not None:
        render.install(runtime.templates)
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
            source or open_configured_source(settings, runtime.tokens) as connected,
        ):
            result = poll_once(
                connected,
                store,
                runtime.rules,
                own_address=settings.own_address,
                progress=display,
                batch_size=settings.source.batch_size,
                outgoing=outgoing,
            )
            # After the poll, in the same lock: what was queued goes out now.
            sent = (
                send_due(store, sink, max_attempts=settings.outbox.max_attempts) if sink else None
            )
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
        return 128 + (signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT)
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
        return 1
    record_poll(settings.state_dir, started_at, ok=True, result=result.summary(), error=None)
    print(_summary(result, time.monotonic() - started), file=sys.stderr)
    if sent is not None:
        print(f"outbox: {sent.summary()}", file=sys.stderr)
    return 0


def _summary(result: PollResult, seconds: float) -> str:
    line = f"poll: {result.summary()} in {seconds:.1f}s"
    if result.uidvalidity_changed:
        line += " (the mailbox's UIDVALIDITY changed: rescanned it all)"
    if result.failed:
        line += "; see `intake requests list` and `intake requests retry`"
    return line
