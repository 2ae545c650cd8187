"""Header values we write, made safe whatever the attorney's email held. Pure.

The message reader already sanitizes an `Envelope`, but a reply must be safe on its own:
every value taken from incoming mail is decoded (an RFC 2047 encoded word can hide a
CR/LF), stripped of control and line-separator characters, and bounded in length.
"""

from __future__ import annotations

import email.errors
import email.header
import re
import unicodedata
from email.policy import EmailPolicy
from typing import Any

_MAX_TEXT = 250
_MAX_REFERENCES = 20
_MESSAGE_ID = re.compile(r"<[^<>\s\x00-\x1f\x7f]{1,250}>")
_REPLY_PREFIX = re.compile(r"^\s*(?:re|aw|sv|antw)\s*(?:\[\d+\])?\s*:\s*", re.IGNORECASE)
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


def _decode_encoded_words(value: str) -> str:
    if not _ENCODED_WORD.search(value):
        return value
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except (email.errors.HeaderParseError, UnicodeError, LookupError, ValueError):
        return _ENCODED_WORD.sub(" ", value)


class _OutgoingPolicy(EmailPolicy):
    """`email.policy.SMTP` (CRLF, 78-column folding), except that a header's value never
    starts on a line of its own.

    The email package folds a value whose first words do not fit beside the name as
    "Subject:" CRLF " Re: [EXT] ..."; unfolding (RFC 5322 2.2.3 removes only the CRLF)
    gives " Re: [EXT] ..." with a leading space, which clients show and thread on. The
    value is put back beside its name instead: that first line is longer than 78
    columns (the SHOULD), never than 998 (the MUST), and encoded words keep their
    length.
    """

    def fold(self, name: str, value: str) -> str:
        folded = super().fold(name, value)
        own_line = f"{name}:{self.linesep} "
        return f"{name}: {folded[len(own_line) :]}" if folded.startswith(own_line) else folded

    def fold_binary(self, name: str, value: Any) -> bytes:
        folded = super().fold_binary(name, value)
        own_line = f"{name}:{self.linesep} ".encode("ascii", "surrogateescape")
        if not folded.startswith(own_line):
            return folded
        return f"{name}: ".encode("ascii", "surrogateescape") + folded[len(own_line) :]


# The one policy every message intake writes is made with (replies, clerks' summaries,
# alerts) and re-read with before it is sent.
OUTGOING_POLICY = _OutgoingPolicy(linesep="\r\n")


def clean_text(value: str | None, *, limit: int = _MAX_TEXT) -> str:
    """One line of text fit for a header or a greeting: no control characters at all."""
    if not value:
        return ""
    decoded = _decode_encoded_words(value)
    # Cc covers CR, LF, TAB, NUL, NEL...; Zl/Zp are U+2028/U+2029; Cf the invisible formats.
    kept = "".join(
        " " if unicodedata.category(ch) in {"Cc", "Zl", "Zp", "Cf"} else ch for ch in decoded
    )
    return " ".join(kept.split())[:limit].strip()


def reply_subject(their_subject: str | None, fallback: str) -> str:
    """'Re: <their subject>', without stacking 'Re: Re:'."""
    subject = clean_text(their_subject)
    while True:
        stripped = _REPLY_PREFIX.sub("", subject, count=1)
        if stripped == subject:
            break
        subject = stripped
    return f"Re: {subject or clean_text(fallback)}"


def message_ids(value: str | None) -> list[str]:
    """The well-formed <id@host> tokens of a Message-ID / In-Reply-To / References value."""
    if not value:
        return []
    return _MESSAGE_ID.findall(clean_text(value, limit=20_000))


def thread_references(message_id: str | None, references: str | None) -> tuple[str | None, str]:
    """In-Reply-To and References of a reply (RFC 5322 3.6.4), bounded to recent ids."""
    parent = next(iter(message_ids(message_id)), None)
    chain = list(dict.fromkeys(message_ids(references)))
    if parent:
        chain = [i for i in chain if i != parent] + [parent]
    # Keep the thread's root and its most recent ids, as mail clients do.
    if len(chain) > _MAX_REFERENCES:
        chain = [chain[0], *chain[-(_MAX_REFERENCES - 1) :]]
    return parent, " ".join(chain)
