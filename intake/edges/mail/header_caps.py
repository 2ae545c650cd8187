"""Header sizes and encoded-word counts capped on the raw bytes, before any parser. Pure.

The email package's header parser is quadratic (and worse) on some inputs that a
stranger can send: ~20,000 RFC 2047 encoded words in a Subject, a From display name or a
file name drive it past 2 GB; 117 KB of nested comments in From cost a minute of CPU.
No legitimate header needs that much, so each header block (the message's, and each MIME
part's: the lines after a boundary line up to the first empty line) is rewritten here
first, in one linear pass:

- a header of more than `max_encoded_words` encoded words keeps the first ones only;
- a header longer than `max_header_bytes` is cut there (at a space when one is near);
- an address header (From, Reply-To, ...) longer than `max_address_bytes`, or with
  more than `max_address_comments` parentheses or `max_encoded_words` encoded words,
  is reduced to its first address, its display name dropped;
- a block keeps at most `max_headers` headers and `max_block_bytes` bytes of them.

Each rewrite is said in a sentence that `parse_message` adds to the envelope's problems,
so the clerk sees that the message was trimmed. Every byte outside the header lines
rewritten is passed through unchanged: attachments are never touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["HeaderLimits", "cap_headers"]


@dataclass(frozen=True)
class HeaderLimits:
    max_header_bytes: int = 16_384  # a long References chain runs to a few thousand
    max_encoded_words: int = 64  # a long subject in a non-Latin script needs a dozen
    max_address_bytes: int = 2_048
    max_address_comments: int = 16
    max_headers: int = 500  # one per relay (Received) plus the usual two dozen
    max_block_bytes: int = 262_144


ADDRESS_HEADERS = frozenset(
    {b"from", b"sender", b"reply-to", b"to", b"cc", b"bcc", b"return-path", b"resent-from"}
)
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n|$)")
_HEADER_NAME = re.compile(rb"([!-9;-~]+)[ \t]*:")
_ENCODED_WORD = re.compile(rb"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_BOUNDARY_LINE = re.compile(rb"^--[^\r\n]*(?:\r\n|\r|\n)", re.MULTILINE)
_ANGLE_ADDRESS = re.compile(rb"<([^<>\s@()\",;:]+@[^<>\s@()\",;:]+)>")
_BARE_ADDRESS = re.compile(rb"[^<>\s@()\",;:]+@[^<>\s@()\",;:]+")


def cap_headers(data: bytes, limits: HeaderLimits | None = None) -> tuple[bytes, list[str]]:
    """The message with every header block within `limits`, and what was trimmed."""
    limits = limits or HeaderLimits()
    notes: list[str] = []
    out: list[bytes] = []
    position = 0
    starts = [0] + [m.end() for m in _BOUNDARY_LINE.finditer(data)]
    for start in starts:
        if start < position:
            continue  # inside a block already rewritten
        out.append(data[position:start])
        end, block = _cap_block(data, start, limits, notes)
        out.append(block)
        position = end
    out.append(data[position:])
    if not notes:
        return data, notes
    return b"".join(out), notes


def _cap_block(
    data: bytes, start: int, limits: HeaderLimits, notes: list[str]
) -> tuple[int, bytes]:
    """(where the header block at `start` ends, its capped bytes)."""
    pieces: list[bytes] = []
    headers = 0
    kept_bytes = 0
    dropped = 0
    changed = False
    position = start
    for name, raw, end in _headers(data, start):
        position = end
        headers += 1
        if headers > limits.max_headers:
            dropped += 1
            continue
        capped = _cap_header(name, raw, limits, notes)
        if kept_bytes + len(capped) > limits.max_block_bytes:
            dropped += 1
            continue
        changed = changed or capped is not raw
        kept_bytes += len(capped)
        pieces.append(capped)
    if dropped:
        notes.append(
            f"{dropped} header(s) beyond the first {limits.max_headers} or "
            f"{limits.max_block_bytes // 1024} KB of a header block were dropped."
        )
    if not (dropped or changed):
        return position, data[start:position]
    return position, b"".join(pieces)


def _headers(data: bytes, start: int) -> list[tuple[bytes, bytes, int]]:
    """(lower-cased name, raw bytes with folding and line end, end offset) of each header
    of the block at `start`; stops at the first line that is neither a header nor a
    continuation (an empty line, or the body of a part without headers)."""
    found: list[tuple[bytes, bytes, int]] = []
    position = start
    current: tuple[bytes, int] | None = None  # (name, start offset)
    size = len(data)
    while position < size:
        line = _LINE.match(data, position)
        assert line is not None
        text = line.group(0)
        if not text:
            break
        if text[:1] in (b" ", b"\t") and current is not None and text.strip():
            position = line.end()
            continue
        if current is not None:
            found.append((current[0], data[current[1] : position], position))
            current = None
        named = _HEADER_NAME.match(text)
        if named is None:
            break
        current = (named.group(1).lower(), position)
        position = line.end()
    if current is not None:
        found.append((current[0], data[current[1] : position], position))
    return found


def _cap_header(name: bytes, raw: bytes, limits: HeaderLimits, notes: list[str]) -> bytes:
    label = name.decode("ascii", "replace").title()
    ending = raw[len(raw.rstrip(b"\r\n")) :] or b"\r\n"
    if name in ADDRESS_HEADERS and (
        len(raw) > limits.max_address_bytes
        or raw.count(b"(") > limits.max_address_comments
        or raw.count(b"=?") > limits.max_encoded_words
    ):
        notes.append(
            f"The {label} header was too long or too nested to read"
            f" ({len(raw)} bytes); only its address was kept."
        )
        return _address_only(raw, ending)
    cut: int | None = None
    for words, match in enumerate(_ENCODED_WORD.finditer(raw), 1):
        if words > limits.max_encoded_words:
            cut = match.start()
            break
    if cut is not None:
        notes.append(
            f"The {label} header has more than {limits.max_encoded_words} encoded words;"
            " the rest of it was not read."
        )
        raw = raw[:cut].rstrip(b" \t\r\n") + ending
    if len(raw) > limits.max_header_bytes:
        notes.append(
            f"The {label} header is longer than {limits.max_header_bytes} bytes;"
            " the rest of it was not read."
        )
        body = raw[: limits.max_header_bytes]
        space = max(body.rfind(b" "), body.rfind(b"\t"))
        if space > limits.max_header_bytes // 2:
            body = body[:space]
        # A cut inside an encoded word leaves it unreadable: drop the partial word.
        partial = body.rfind(b"=?")
        if partial > body.rfind(b"?=") and partial > 0:
            body = body[:partial]
        raw = body.rstrip(b" \t\r\n") + ending
    return raw


def _address_only(raw: bytes, ending: bytes) -> bytes:
    name, _, value = raw.partition(b":")
    angle = _ANGLE_ADDRESS.search(value)
    bare = None if angle else _BARE_ADDRESS.search(value)
    address = angle.group(1) if angle else (bare.group(0) if bare else b"")
    return name + b": " + address + ending
