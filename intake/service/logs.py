"""Logging for the daemon: one line per event, fit for journald, never a secret.

- Text (default): `LEVEL logger: message`, with a timestamp in front when run by hand.
  Under systemd ($JOURNAL_STREAM is set) journald adds its own timestamp, so the line
  carries none, and starts with the syslog priority `<N>` that journald reads as the
  level (`journalctl -p warning` then works).
- JSON (`--log-format json`): one object per line with time, level, logger, message.
- A traceback or a multi-line message is folded into the same line (` | `), so one
  event is one journal entry.
- Every line passes through `redact`: the secrets the program registered (passwords,
  tokens, as it reads them) and anything shaped like `password=…` or `Bearer …` become
  `[redacted]` (secrets, not words: see `_PROSE`), whichever module logged it, and in
  tracebacks too.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import sys
from collections.abc import Mapping
from typing import Literal, TextIO

from intake.secrets import known_secrets

LogFormat = Literal["text", "json"]
REDACTED = "[redacted]"

# Shorter values are not registered: redacting every "a" would garble the logs.

# The usual names of secrets, as a key of its own: "password", "smtp_password",
# "client-secret". Not when the name is part of a path or file name
# (".../imap-password: cannot read the file" names a file: its next word is prose).
_KEY = r"(?<![\w/.\\-])(?:[\w-]*[_-])?(?:password|passwd|pass|secret|token|authorization)\b"
_VALUE = r"[^\s\"'&,;}]+"

_SHAPED = (
    # A bearer token is long; "a Bearer token is needed" keeps its words.
    re.compile(r"(?i)\b(bearer\s+)([A-Za-z0-9._~+/=-]{12,})"),
    # key=value (a query string, a form, a config line): the value is always data.
    re.compile(rf"(?i)({_KEY}\s*=\s*[\"']?)({_VALUE})"),
    # "key": "value" (JSON, a repr): quoted, so data as well.
    re.compile(rf"(?i)({_KEY}[\"']?\s*:\s*[\"'])([^\"']+)"),
    # The XOAUTH2 SASL string (base64 of user=…^Aauth=Bearer …) as imaplib would echo it.
    re.compile(r"\b(AUTHENTICATE XOAUTH2\s+)(\S+)"),
)

# key: value in prose ("password: hunter2" in a server's reply) is redacted only when
# the value is shaped like a secret (a digit, a capital after the first letter, a
# symbol, or long): "password: cannot be empty" is a sentence, not a leak. The secrets
# the program actually read are registered and redacted wherever they appear.
_PROSE = re.compile(rf"(?i)({_KEY}\s*:\s*)({_VALUE})")
_SECRET_SHAPED = re.compile(r"[0-9]|.[A-Z]|[!@#$%^*+/=~_\\|<>?-]|^.{20,}$")


def _prose_value(match: re.Match[str]) -> str:
    value = match.group(2).rstrip(".:)")
    if _SECRET_SHAPED.search(value):
        return match.group(1) + REDACTED + match.group(2)[len(value) :]
    return match.group(0)


_SYSLOG_PRIORITY = {
    logging.CRITICAL: 2,
    logging.ERROR: 3,
    logging.WARNING: 4,
    logging.INFO: 6,
    logging.DEBUG: 7,
}


def redact(text: str) -> str:
    for secret in known_secrets():
        text = text.replace(secret, REDACTED)
    for pattern in _SHAPED:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return _PROSE.sub(_prose_value, text)


def one_line(text: str) -> str:
    return " | ".join(part.rstrip() for part in text.strip().splitlines() if part.strip())


class RedactFilter(logging.Filter):
    """Formats the record's message and traceback once, redacted and on one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = one_line(redact(record.getMessage()))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = one_line(redact(record.exc_text))
        record.exc_info = None  # the text above replaces it
        if record.stack_info:
            record.stack_info = one_line(redact(record.stack_info))
        return True


class TextFormatter(logging.Formatter):
    def __init__(self, journald: bool) -> None:
        super().__init__()
        self.journald = journald

    def format(self, record: logging.LogRecord) -> str:
        line = f"{record.levelname} {record.name}: {record.getMessage()}"
        if record.exc_text:
            line += f" | {record.exc_text}"
        if self.journald:
            return f"<{_SYSLOG_PRIORITY.get(record.levelno, 6)}>{line}"
        moment = dt.datetime.fromtimestamp(record.created).astimezone()
        return f"{moment.isoformat(timespec='seconds')} {line}"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def under_journald(environ: Mapping[str, str], stream: TextIO) -> bool:
    """$JOURNAL_STREAM names the journal's socket as "device:inode"; it is inherited by
    children whose stderr goes elsewhere, so it counts only when it is our stream's."""
    value = environ.get("JOURNAL_STREAM", "")
    if not value:
        return False
    try:
        status = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return True  # not a file (a test's buffer): trust the variable
    return value == f"{status.st_dev}:{status.st_ino}"


def setup_logging(
    level: str = "INFO",
    log_format: LogFormat = "text",
    *,
    stream: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> logging.Handler:
    """Route every logger to one handler on stderr (or `stream`); returns that handler.

    Calling it again (after a reload) replaces the handler rather than adding a second.
    """
    env = os.environ if environ is None else environ
    target = stream or sys.stderr
    handler = logging.StreamHandler(target)
    handler.addFilter(RedactFilter())
    formatter: logging.Formatter = (
        JsonFormatter() if log_format == "json" else TextFormatter(under_journald(env, target))
    )
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_intake", False)]:
        root.removeHandler(old)
    handler._intake = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # APScheduler logs each run at INFO ("Running job…"): noise next to our own line.
    logging.getLogger("apscheduler").setLevel(max(root.level, logging.WARNING))
    return handler
