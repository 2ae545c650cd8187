"""`intake config check|show`: is the configuration usable, and what does it say.

`check` goes through what the daemon needs, in order, and says for each whether it is
fine and, when not, exactly what is wrong and where: the settings file (key by key),
the rules, the templates (file and line), the secrets, then the logins themselves (IMAP,
with OAuth2 when configured, and SMTP when the outbox sends through it). `show` prints
the effective settings after environment overrides; secrets never appear (the settings
hold only where they are read from).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.commands.common import add_config_argument
from intake.commands.help_format import HelpFormatter

# Heavy modules are imported in the functions that use them: building the parser
# (every `intake` command, `intake --help`) must stay quick (see intake/commands/cli.py).
if TYPE_CHECKING:
    from intake.config import Settings


EPILOG = """\
examples:
  intake config check --config /etc/intake/intake.toml
  intake config check --offline          files only: no login is tried
  intake config show                     effective settings, as JSON

Exit status (check): 0 when everything is usable, 1 when something is wrong (each
problem is listed), 2 when the settings file itself cannot be read.
"""


CHECK_EPILOG = """\
examples:
  sudo intake config check --config /etc/intake/intake.toml
  intake config check --offline          files only: no login is tried

Exit status: 0 when everything is usable, 1 when something is wrong (each problem is
listed), 2 when the settings file itself cannot be read or is invalid.
"""

SHOW_EPILOG = """\
example:
  intake config show --config /etc/intake/intake.toml

Exit status: 0, 2 when the settings file cannot be read or is invalid.
"""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    # Works, with something the operator should know ("warn"): not counted as a problem.
    warning: bool = False


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "config",
        help="check the configuration (and try the logins), or show it",
        description="Check or show the configuration.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        help="validate everything; try the IMAP/SMTP logins",
        description="Check, one line each (ok, warn or FAIL, and why): the settings file, the "
        "rules, every template, the state folder, OCR of scans, the secrets, and the IMAP and "
        "SMTP logins.",
        epilog=CHECK_EPILOG,
        formatter_class=HelpFormatter,
    )
    check.add_argument("--offline", action="store_true", help="do not try any login")
    add_config_argument(check)
    check.set_defaults(func=run_check)
    show = actions.add_parser(
        "show",
        help="the effective settings, secrets left out",
        description="Print the settings in effect (file, then INTAKE_* overrides) as JSON; "
        "`origin` says where they came from. Secrets are never shown: only where they are read.",
        epilog=SHOW_EPILOG,
        formatter_class=HelpFormatter,
    )
    add_config_argument(show)
    show.set_defaults(func=run_show)


def checks(settings: Settings, *, offline: bool) -> Iterator[Check]:
    from intake.core.policy.rules import RulesError, load_rules
    from intake.service.runtime import check_templates, templates_dir

    rules = None
    try:
        rules = load_rules(settings.rules_dir)
        yield Check("rules", True, f"{len(rules.letter.affirmations)} letter affirmations")
    except RulesError as exc:
        yield Check("rules", False, str(exc))
    folder = templates_dir(settings)
    problems = check_templates(settings, rules)
    rendered = f"{folder} (every reply situation, the clerk's page, index and digest render)"
    yield Check("templates", not problems, "; ".join(problems) or rendered)
    yield state_check(settings.state_dir)
    yield ocr_check()
    yield sender_check(settings)
    yield from _source_checks(settings, offline)
    yield from _sink_checks(settings, offline)


def ocr_check() -> Check:
    """Whether scanned pages can be read (edges/pdf/ocr.py); without OCR intake works,
    and a scan goes to a clerk as a PDF without a text layer."""
    from intake.edges.pdf.ocr import ocr_status

    status = ocr_status()
    if status.available:
        return Check("ocr", True, status.detail)
    detail = f"off, scanned pages go to a clerk unread: {status.detail}"
    return Check("ocr", True, detail, warning=True)


def sender_check(settings: Settings) -> Check:
    """Whether senders are authenticated (issue 10), and what it means when they are not."""
    ids = [i.strip() for i in settings.sender_check.authserv_ids if i.strip()]
    if ids:
        return Check(
            "sender check",
            True,
            f"on: Authentication-Results from {', '.join(ids)} are read; a request can be "
            "complete and a reply sent only for a sender with an aligned DMARC, DKIM or "
            "SPF pass",
        )
    return Check(
        "sender check",
        True,
        "off (no [sender_check] authserv_ids): every From address is believed, so forged "
        "mail is answered (within the reply caps per address, per domain and per day) and "
        "can make a request complete; set authserv_ids to the id your inbound mail server "
        "writes in its Authentication-Results header",
        warning=True,
    )


def state_check(state_dir: Path) -> Check:
    """Whether the state folder can be used, read without changing it (no migration)."""
    import sqlite3

    from intake.edges.state_layout import StateLayout
    from intake.edges.store.schema import LATEST

    database = StateLayout(state_dir).database
    if not database.exists():
        existing = next((p for p in (state_dir, *state_dir.parents) if p.exists()), state_dir)
        if existing.is_dir() and os.access(existing, os.W_OK):
            return Check("state", True, f"{state_dir} (no database yet: the first poll makes it)")
        return Check(
            "state", False, f"{state_dir}: cannot be created: {existing} is not a writable folder"
        )
    if not os.access(state_dir, os.W_OK):
        return Check(
            "state", False, f"{state_dir}: not writable by this user (or on a read-only disk)"
        )
    try:
        with contextlib.closing(
            sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        ) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            row = (
                conn.execute("SELECT max(version) FROM schema_version").fetchone()
                if "schema_version" in tables
                else None
            )
    except sqlite3.Error as exc:
        return Check("state", False, f"{database}: not a usable state database: {exc}")
    version = int(row[0]) if row and row[0] is not None else 0
    if version > LATEST:
        return Check(
            "state",
            False,
            f"{database}: schema version {version} is newer than this release's ({LATEST}): "
            "upgrade intake, or use another state_dir",
        )
    upgrade = f", migrated to {LATEST} at the next start" if version < LATEST else ""
    return Check("state", True, f"{database} (schema version {version}{upgrade})")


def _source_checks(settings: Settings, offline: bool) -> Iterator[Check]:
    from intake.config import ConfigError
    from intake.edges.mail.source import SourceError
    from intake.edges.oauth import OAuthError, token_source
    from intake.secrets import register_secret
    from intake.service.sources import open_source

    source = settings.source
    if source.kind == "maildir":
        if not source.maildir.exists():
            # Not an error (a fresh clone's default), but a typo looks just like this.
            yield Check("maildir", True, f"{source.maildir} (none yet: the first poll makes it)")
            return
        present = (source.maildir / "cur").is_dir()
        yield Check(
            "maildir",
            present,
            f"{source.maildir}" if present else f"{source.maildir}: exists but is no Maildir",
        )
        return
    imap = source.imap
    assert imap is not None  # validated
    access_token: str | None = None
    try:
        tokens = token_source(settings)
        if tokens is None:
            register_secret(imap.password())
            yield Check("imap password", True, "readable")
        elif offline:
            url = tokens.settings.effective_token_url
            yield Check("oauth", True, f"{url} (no token requested offline)")
        else:
            access_token = tokens.access_token()
            yield Check("oauth token", True, f"issued by {tokens.settings.effective_token_url}")
    except (ConfigError, OAuthError) as exc:
        yield Check("imap credentials", False, str(exc))
        return
    if offline:
        return
    try:
        with open_source(settings, access_token=access_token) as connected:
            uidvalidity = connected.uidvalidity()
        login = "XOAUTH2" if access_token else "password"
        yield Check(
            "imap login",
            True,
            f"{imap.username} on {imap.host}:{imap.effective_port} ({login}), "
            f"folder {imap.folder!r} (UIDVALIDITY {uidvalidity})",
        )
    except (SourceError, ConfigError) as exc:
        yield Check("imap login", False, str(exc))


def _sink_checks(settings: Settings, offline: bool) -> Iterator[Check]:
    from intake.config import ConfigError
    from intake.edges.mail.smtp import SendError, SmtpSink, verify_login
    from intake.secrets import register_secret
    from intake.service.send import sink_from_settings

    if not settings.outbox.wants_smtp:
        yield Check("outbox", True, f"folder {settings.outbox_folder} (nothing is emailed)")
        return
    try:
        sink = sink_from_settings(settings)
    except (ConfigError, ValueError) as exc:
        yield Check("smtp", False, str(exc))
        return
    assert isinstance(sink, SmtpSink)
    register_secret(sink.config.password)
    if offline:
        yield Check("smtp", True, f"{sink.config.host}:{sink.config.port} (login not tried)")
        return
    try:
        verify_login(sink.config)
        who = f"as {sink.config.username}" if sink.config.username else "without login"
        yield Check("smtp login", True, f"{sink.config.host}:{sink.config.port} {who}")
    except SendError as exc:
        yield Check("smtp login", False, exc.message)


def run_check(args: argparse.Namespace) -> int:
    from intake.config import ConfigError, load_settings
    from intake.service.logs import redact

    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"FAIL settings: {exc}")
        return 2
    print(f"ok   settings: {settings.origin}")
    failed = 0
    for check in checks(settings, offline=args.offline):
        failed += not check.ok
        mark = "FAIL" if not check.ok else "warn" if check.warning else "ok  "
        print(f"{mark} {check.name}: {redact(check.detail)}")
    if failed:
        print(f"{failed} problem(s): intake run would not work as configured", file=sys.stderr)
    return 1 if failed else 0


def run_show(args: argparse.Namespace) -> int:
    from intake.config import ConfigError, load_settings
    from intake.service.logs import redact

    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"intake config: {exc}", file=sys.stderr)
        return 2
    shown = {"origin": settings.origin, **settings.model_dump(mode="json")}
    print(redact(json.dumps(shown, indent=2, default=_plain)))
    return 0


def _plain(value: object) -> str:
    return str(value) if isinstance(value, Path) else repr(value)
