"""MIME bytes → `Envelope`: the sender, the subject and every attachment. Pure.

Two rules shape this module. It never raises, whatever the bytes: a damaged header or
part becomes a sentence in `Envelope.problems` and the rest is still read. And it loses
no document: every part that might be one (whatever its declared type, disposition or
name, inside forwarded messages and Outlook's winmail.dat too) becomes an `Attachment`;
deciding whether it is a PDF is left to the document readers, which sniff the bytes.

The stdlib's modern policy (`email.policy.default`, each header parsed once a message:
`_HeaderRegistry`) decodes RFC 2047 and RFC 2231 for us, but builds header objects
lazily and can raise when one is first touched; every header read here therefore falls
back to the raw value, decoded the compat32 way.

Memory: a large email costs a few times its size here, not eight (bench/mime_memory.md).
The parser is fed the bytes slice by slice (`_parse_bytes`) instead of as one decoded
text, clean base64 is decoded straight from the parsed text (`_clean_base64`), and each
part's text is let go once its bytes are in an `Attachment` (`_release`).
"""

from __future__ import annotations

import binascii
import datetime as dt
import email
import email.errors
import email.header
import email.headerregistry
import email.message
import email.parser
import email.policy
import email.utils
import mimetypes
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass
from typing import Any, TypeGuard

from intake.core.documents.sniff import is_pdf
from intake.core.model import Attachment, Envelope
from intake.edges.mail.header_caps import cap_headers
from intake.edges.mail.limits import MessageLimits
from intake.edges.mail.tnef import unpack_tnef

# Headers the reply logic needs later (auto-responder and list detection, threading).
REPLY_HEADERS = (
    "auto-submitted",
    "precedence",
    "list-id",
    "list-post",
    "list-unsubscribe",
    "x-auto-response-suppress",
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-failed-recipients",
    "content-type",
    "return-path",
    "x-loop",
    "in-reply-to",
    "references",
)
# Authentication-Results headers kept (topmost first): the court's server adds one.
_MAX_AUTH_RESULTS = 10
_MAX_AUTH_RESULT_CHARS = 4096

# Detached signatures are proof of who sent the mail, not documents: naming them
# "not a PDF" in a reply would only confuse an attorney whose firm signs its mail.
SIGNATURE_TYPES = frozenset(
    {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"}
)
FORWARDED_TYPES = frozenset({"message/rfc822", "message/global"})
TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})

_MAX_PROBLEMS = 50
_MAX_VALUE_CHARS = 16_384  # References in long threads run to a few thousand characters
_MAX_FILENAME_CHARS = 200
_SNIPPET_CHARS = 80
_CID_REFERENCE = re.compile(rb"cid:([^\s\"'<>)]+)", re.IGNORECASE)
# A bare address we are willing to reply to: local@domain, nothing that needs quoting.
_USABLE_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
# Base64 text that the stdlib decodes without a defect, line ends aside (see _clean_base64).
_CLEAN_BASE64 = re.compile(r"[A-Za-z0-9+/\r\n]*(?:=[\r\n]*){0,2}")
# An empty line, whatever its line ends: the parser splits lines at CRLF, CR or LF alike.
# Atomic groups keep a CRLF whole, so "a\r\nb" holds no empty line.
_EMPTY_LINE = re.compile(rb"(?>\r\n|\r|\n)(?>\r\n|\r|\n)")
# What email.parser.Parser reads from its text at a time: fed the same slices of the
# bytes, the parser sees the very same input (one byte is one character to it).
_FEED_CHUNK = 8192
_BASE64_DEFECTS = (
    email.errors.InvalidBase64CharactersDefect,
    email.errors.InvalidBase64PaddingDefect,
    email.errors.InvalidBase64LengthDefect,
)


class _HeaderRegistry(email.headerregistry.HeaderRegistry):
    """The stdlib's header registry, minus the work it redoes at every read.

    Under `email.policy.default` a header is parsed each time it is read, and read often:
    the parser and `get_content_type`, `get_filename`, `get_content_disposition` read each
    part's Content-Type and Content-Disposition again and again (~100 parses for a message
    of seven parts, most of the MIME child's time), and each parse first builds a new
    class for the header's name. A header object is a pure function of its name and raw
    value, read-only once made: the same (name, value) gets the same object, and a name
    the same class. A value that raises is not kept, so it raises again where it did.
    """

    _KEEP = 512  # parsed headers kept at most (the map starts afresh past it)

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[email.headerregistry.BaseHeader]] = {}
        self._parsed: dict[tuple[str, str], email.headerregistry.BaseHeader] = {}

    def __getitem__(self, name: str) -> type[email.headerregistry.BaseHeader]:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(name)
        return found

    def __call__(self, name: str, value: str) -> email.headerregistry.BaseHeader:
        key = (name, value)
        found = self._parsed.get(key)
        if found is None:
            found = self[name](name, value)
            if len(self._parsed) >= self._KEEP:
                self._parsed.clear()
            self._parsed[key] = found
        return found

    def forget(self) -> None:
        """Let go of the parsed headers (after each message: none outlives its parse)."""
        self._parsed.clear()


_HEADERS = _HeaderRegistry()
# `email.policy.default`, its headers parsed once per message (`_HeaderRegistry`).
_POLICY = email.policy.default.clone(header_factory=_HEADERS)


def parse_message(data: bytes, limits: MessageLimits | None = None) -> Envelope:
    """Read an email's bytes. Never raises for bad input: problems go to `Envelope.problems`."""
    reader = _Reader(limits or MessageLimits())
    try:
        return reader.read(bytes(data))
    except Exception as exc:  # a bug of ours must not lose the message: say so instead
        return Envelope(
            message_id=None,
            sender_address=None,
            sender_name=None,
            problems=(*reader.problems, f"The message could not be read ({type(exc).__name__})."),
        )
    finally:
        _HEADERS.forget()


# ------------------------------------------------------------------------ text


def clean_line(text: str) -> str:
    """One line of text safe for a header: no control characters, no CR/LF, trimmed.

    Control and line/paragraph-separator characters become spaces (so "a\\r\\nb" stays
    two words), runs of white space become one, and undecodable bytes that the email
    package smuggles as surrogates are decoded as UTF-8 or, failing that, Latin-1.
    """
    text = _unsurrogate(text)
    chars = (" " if unicodedata.category(c) in ("Cc", "Zl", "Zp", "Cs") else c for c in text)
    return " ".join("".join(chars).split())


def _unsurrogate(text: str) -> str:
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    raw = text.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _decode_words(raw: str) -> str:
    """RFC 2047 encoded-words decoded the compat32 way; the raw text when that fails."""
    try:
        return str(email.header.make_header(email.header.decode_header(raw)))
    except Exception:  # any damage in the encoded words: keep the text as written
        return raw


def _snippet(text: str) -> str:
    line = clean_line(text)
    return line if len(line) <= _SNIPPET_CHARS else line[: _SNIPPET_CHARS - 1] + "…"


def _bare_address(addr_spec: str) -> str | None:
    address = clean_line(addr_spec).strip("<>").lower()
    return address if _USABLE_ADDRESS.fullmatch(address) else None


def clean_filename(name: str) -> str | None:
    """A file name fit to show and store: decoded, no path, no control characters."""
    if "=?" in name:  # encoded-words left in a name the parser did not decode
        name = _decode_words(name)
    name = clean_line(name)
    name = re.split(r"[/\\]", name)[-1].strip(" .") or ""
    if len(name) > _MAX_FILENAME_CHARS:
        _, dot, ext = name.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        name = name[: _MAX_FILENAME_CHARS - len(keep) - 1].rstrip() + ("." + keep if keep else "")
    return name or None


def sniffed_extension(data: bytes, declared_type: str) -> str:
    """An extension for a made-up file name: from the bytes first, then the declared type."""
    head = data[:1024]
    if is_pdf(head):
        return ".pdf"
    for magic, ext in _MAGIC:
        if head.startswith(magic):
            return ext
    return mimetypes.guess_extension(declared_type, strict=False) or ".bin"


_MAGIC = (
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"GIF8", ".gif"),
    (b"II*\x00", ".tif"),
    (b"MM\x00*", ".tif"),
    (b"PK\x03\x04", ".zip"),
    (b"\xd0\xcf\x11\xe0", ".doc"),
    (b"{\\rtf", ".rtf"),
    (b"\x78\x9f\x3e\x22", ".dat"),
)


def header_block(data: bytes) -> bytes:
    """The message up to its first empty line: all of it that a header parser reads.

    `BytesHeaderParser` copies the whole message (as text, then into a StringIO of four
    bytes a character) and keeps the body as lines and text: ~8 times a message's size
    to read a few headers. The header block ends at the first empty line, or earlier at
    a line that is no header, so the headers parsed from this prefix are the same.
    """
    found = _EMPTY_LINE.search(data)
    return data if found is None else data[: found.end()]


def _looks_like_pdf(data: bytes) -> bool:
    return is_pdf(data[:1024])


# ---------------------------------------------------------------------- reader


@dataclass
class _Decoded:
    data: bytes
    size: int
    truncated: bool


class _Reader:
    """Reads one message; collects problems as it goes."""

    def __init__(self, limits: MessageLimits) -> None:
        self.limits = limits
        self.problems: list[str] = []
        self.attachments: list[Attachment] = []
        self.overflowed = False  # more attachments than the limit: stop reading parts
        self.referenced_cids: set[str] = set()
        self.cut_at_depth = 0  # times the depth limit stopped the walk

    def problem(self, text: str) -> None:
        if text not in self.problems and len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(text)

    # ------------------------------------------------------------- the message

    def read(self, data: bytes) -> Envelope:
        # Bounds first: the header parser must never see a header that could cost it
        # more than a few milliseconds (see header_caps).
        data, trimmed = cap_headers(data)
        for note in trimmed:
            self.problem(note)
        msg, complete = self._parse(data)
        if msg is None:
            return Envelope(
                message_id=None,
                sender_address=None,
                sender_name=None,
                problems=tuple(self.problems),
            )
        sender_address, sender_name = self._sender(msg)
        reply_to = self._reply_to(msg)
        envelope_fields: dict[str, Any] = {
            "message_id": self._message_id(msg),
            "sender_address": sender_address,
            "sender_name": sender_name,
            "reply_to": reply_to,
            "subject": self._header_text(msg, "subject") or "",
            "date": self._date(msg),
            "headers": self._reply_headers(msg),
            "authentication_results": _authentication_results(msg),
        }
        if complete:
            self.referenced_cids = self._cids_referenced_from_html(msg)
            self._walk(msg, depth=0, forwarded=False)
        if self.overflowed:
            self.problem(
                f"The message has more than {self.limits.max_attachments} attachments;"
                f" only the first {self.limits.max_attachments} were read."
            )
        return Envelope(
            **envelope_fields,
            attachments=tuple(self.attachments),
            problems=tuple(self.problems),
        )

    def _parse(self, data: bytes) -> tuple[email.message.Message | None, bool]:
        """The parsed message, and whether its body was parsed too (or only its headers)."""
        if not data.strip():
            self.problem("The message is empty.")
            return None, False
        try:
            return _parse_bytes(data), True
        except RecursionError:
            self.problem(
                "The message's parts are nested too deeply to read; only its headers were."
            )
        except Exception as exc:  # the parser is lenient; this is a last resort
            self.problem(f"The message's structure could not be read ({type(exc).__name__}).")
        try:  # headers alone still tell us whom to answer
            parser = email.parser.BytesHeaderParser(policy=_POLICY)
            return parser.parsebytes(header_block(data)), False
        except Exception:
            return None, False

    # ------------------------------------------------------------------ headers

    def _header_text(self, msg: email.message.Message, name: str) -> str | None:
        """A header's decoded value on one clean line; None when absent."""
        try:
            value = msg.get(name)
            return None if value is None else clean_line(str(value))
        except Exception:  # the modern policy choked on it: decode the raw value instead
            raw = _raw_header(msg, name)
            if raw is None:
                return None
            self.problem(f"The {name.title()} header is malformed: {_snippet(raw)!r}.")
            return clean_line(_decode_words(raw))

    def _message_id(self, msg: email.message.Message) -> str | None:
        value = self._header_text(msg, "message-id")
        if not value:
            self.problem("The message has no Message-ID.")
            return None
        return value[:_MAX_VALUE_CHARS]

    def _reply_headers(self, msg: email.message.Message) -> dict[str, str]:
        headers = {}
        for name in REPLY_HEADERS:
            value = self._header_text(msg, name)
            if value is not None:
                headers[name] = value[:_MAX_VALUE_CHARS]
        return headers

    def _addresses(self, msg: email.message.Message, name: str) -> list[tuple[str, str]] | None:
        """(display name, addr-spec) pairs of an address header; None when absent."""
        try:
            header: Any = msg.get(name)  # an AddressHeader under the modern policy
            if header is None:
                return None
            return [(a.display_name, a.addr_spec) for a in header.addresses]
        except Exception:  # fall back to the compat32 parser on the raw value
            raw = _raw_header(msg, name)
            if raw is None:
                return None
            self.problem(f"The {name.title()} header is malformed: {_snippet(raw)!r}.")
            try:
                return _compat32_addresses(_unsurrogate(raw))
            except Exception:
                return []

    def _sender(self, msg: email.message.Message) -> tuple[str | None, str | None]:
        pairs = self._addresses(msg, "from")
        if pairs is None:
            self.problem("The message has no From header.")
            return None, None
        usable = [(name, address) for name, address in pairs if _bare_address(address)]
        if not usable:
            raw = _raw_header(msg, "from") or ""
            self.problem(f"The From header has no usable address: {_snippet(raw)!r}.")
            return None, None
        if len(pairs) > 1:
            self.problem(
                f"The From header names {len(pairs)} addresses; the first usable one is the sender."
            )
        name, address = usable[0]
        return _bare_address(address), clean_line(name) or None

    def _reply_to(self, msg: email.message.Message) -> str | None:
        pairs = self._addresses(msg, "reply-to")
        if not pairs:
            return None
        for _, address in pairs:
            bare = _bare_address(address)
            if bare:
                return bare
        self.problem("The Reply-To header has no usable address.")
        return None

    def _date(self, msg: email.message.Message) -> dt.datetime | None:
        try:
            header = msg.get("date")
            when = None if header is None else getattr(header, "datetime", None)
        except Exception:  # e.g. a year out of range: try the lenient parser
            header, when = "", None
            try:
                when = email.utils.parsedate_to_datetime(_raw_header(msg, "date") or "")
            except Exception:
                when = None
        if header is None:
            return None
        if not isinstance(when, dt.datetime):
            raw = _raw_header(msg, "date") or ""
            self.problem(f"The Date header could not be read: {_snippet(raw)!r}.")
            return None
        # "-0000" means "UTC, origin zone unknown" (RFC 5322 3.3): still a UTC instant.
        return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)

    # -------------------------------------------------------------------- parts

    def _cids_referenced_from_html(self, root: email.message.Message) -> set[str]:
        """Content-IDs that some HTML body shows inline (a signature logo, a pasted image)."""
        found: set[str] = set()
        stack = [(root, 0)]
        while stack:
            part, depth = stack.pop()
            if depth > self.limits.max_depth:
                continue
            if part.is_multipart():
                stack.extend((c, depth + 1) for c in _children(part) if _is_message(c))
            elif "html" in (_raw_header(part, "content-type") or "").lower():  # cheap test first
                if _safe_content_type(part) != "text/html":
                    continue
                try:
                    html = part.get_payload(decode=True)
                except Exception:
                    continue
                if isinstance(html, bytes):
                    for match in _CID_REFERENCE.finditer(html):
                        cid = urllib.parse.unquote(match.group(1).decode("latin-1"))
                        found.add(cid.strip("<>").lower())
        return found

    def _walk(self, part: email.message.Message, depth: int, forwarded: bool) -> None:
        if self.overflowed:
            return
        if depth > self.limits.max_depth:
            self.cut_at_depth += 1
            self.problem(
                f"Parts nested more than {self.limits.max_depth} levels deep were not read."
            )
            return
        self._note_defects(part)
        content_type = _safe_content_type(part)
        if part.is_multipart():
            payload = _children(part)
            if content_type == "multipart/encrypted":
                self.problem("The message is encrypted; its attachments could not be read.")
            if content_type in FORWARDED_TYPES:
                self._forwarded_part(part, payload, depth)
            elif content_type.startswith("multipart/"):
                for child in payload:
                    if _is_message(child):
                        self._walk(child, depth + 1, forwarded)
            # other message/* types (delivery-status, external-body) hold no documents
            return
        if content_type.startswith("multipart/"):
            self.problem(
                "A multipart part has no boundary between its parts; its contents were not read."
            )
            return
        try:
            self._leaf(part, content_type, forwarded, depth)
        except Exception as exc:  # keep going with the other parts
            self.problem(f"A part of type {content_type} could not be read ({type(exc).__name__}).")

    def _leaf(
        self, part: email.message.Message, content_type: str, forwarded: bool, depth: int
    ) -> None:
        if content_type in SIGNATURE_TYPES:
            return
        disposition = _safe_disposition(part)
        filename = self._filename(part)
        label = filename or f"a part of type {content_type}"
        is_body = content_type.startswith("text/") and not filename and disposition != "attachment"
        decoded = self._decode(part, label)
        if is_body and not _looks_like_pdf(decoded.data):
            return
        if content_type.startswith("image/") and self._is_inline_image(part, disposition, decoded):
            return
        if content_type in ("application/pkcs7-mime", "application/x-pkcs7-mime"):
            self.problem("The message is S/MIME encrypted or signed; its contents were not read.")
        origin = (
            "forwarded" if forwarded else ("inline" if disposition == "inline" else "attachment")
        )
        added_before = len(self.attachments)
        if content_type in TNEF_TYPES or (filename or "").lower() == "winmail.dat":
            self._add_tnef(filename, content_type, decoded, origin)
        elif (filename or "").lower().endswith(".eml") and not decoded.truncated:
            # A forwarded email saved as a file: its attachments are the documents.
            self._forwarded_bytes(decoded.data, depth, filename)
        else:
            self._add(filename, content_type, decoded, origin)
        if len(self.attachments) > added_before:
            _release(part)

    def _forwarded_part(self, part: email.message.Message, payload: list[Any], depth: int) -> None:
        """A message/rfc822 part: an email forwarded as an attachment."""
        encoding = (self._header_text(part, "content-transfer-encoding") or "").lower()
        if encoding in ("base64", "quoted-printable") and payload and _is_message(payload[0]):
            # The parser took the encoded text for the message: decode it, read it again.
            carrier = email.message.Message(policy=email.policy.compat32)
            carrier["Content-Transfer-Encoding"] = encoding
            carrier.set_payload(_text_as_received(payload[0]))
            data = carrier.get_payload(decode=True)
            self._forwarded_bytes(data if isinstance(data, bytes) else b"", depth, None)
        elif payload and _is_message(payload[0]):
            self._forwarded(payload[0], depth, None, None)

    def _forwarded_bytes(self, data: bytes, depth: int, filename: str | None) -> None:
        """Bytes that are themselves an email (an .eml file, a decoded forward)."""
        try:
            inner = _parse_bytes(data)
        except Exception as exc:  # e.g. nested too deeply for the parser: keep the file
            self.problem(f"A forwarded message could not be read ({type(exc).__name__}).")
            size = len(data)
            too_big = size > self.limits.max_attachment_bytes
            decoded = _Decoded(b"" if too_big else data, size, too_big)
            self._add(filename, "message/rfc822", decoded, "forwarded")
            return
        self.referenced_cids |= self._cids_referenced_from_html(inner)
        self._forwarded(inner, depth, data, filename)

    def _forwarded(
        self, inner: email.message.Message, depth: int, raw: bytes | None, filename: str | None
    ) -> None:
        """Read a forwarded email's attachments; when it has none, the email is the file.

        Attorneys forward the court's NEF emails themselves; kept as a file, such an email
        gets a clear "not a PDF" answer instead of silently counting as nothing.
        """
        attachments_before, cuts_before = len(self.attachments), self.cut_at_depth
        self._walk(inner, depth + 1, forwarded=True)
        if len(self.attachments) > attachments_before or self.overflowed:
            return
        if self.cut_at_depth > cuts_before:  # what it holds was not read, not found empty
            return
        if raw is None:
            try:
                raw = inner.as_bytes(policy=email.policy.compat32.clone(max_line_length=0))
            except Exception:  # the generator refused it: keep what can be recovered
                raw = _text_as_received(inner).encode("utf-8", "surrogateescape")
        if filename is None:
            subject = re.sub(r"[/\\]", "-", self._header_text(inner, "subject") or "")
            filename = clean_filename(subject + ".eml") if subject else None
        too_big = len(raw) > self.limits.max_attachment_bytes
        decoded = _Decoded(b"" if too_big else raw, len(raw), too_big)
        self._add(filename, "message/rfc822", decoded, "forwarded")

    def _is_inline_image(
        self, part: email.message.Message, disposition: str | None, decoded: _Decoded
    ) -> bool:
        """A small image shown in the body (a signature logo) rather than sent as a file."""
        if decoded.size > self.limits.max_signature_image_bytes:
            return False
        if disposition == "inline":
            return True
        cid = self._header_text(part, "content-id") or ""
        return bool(cid) and cid.strip("<>").lower() in self.referenced_cids

    def _filename(self, part: email.message.Message) -> str | None:
        try:
            name = part.get_filename()
        except Exception:  # the modern header parser choked: read the parameters as compat32
            name = _compat32_filename(part)
            if name is None:
                self.problem("A part's file name could not be read.")
        return clean_filename(name) if isinstance(name, str) else None

    def _decode(self, part: email.message.Message, label: str) -> _Decoded:
        """The part's bytes, or only its size when over the limit (then decoded at most once)."""
        limit = self.limits.max_attachment_bytes
        encoding = (self._header_text(part, "content-transfer-encoding") or "").lower()
        if encoding == "base64":
            raw = _body_text(part)
            estimate = _base64_decoded_size(raw)
            if estimate > limit:
                return _Decoded(b"", estimate, True)
            clean = _clean_base64(part, raw)
            del raw
            if clean is not None:
                too_big = len(clean) > limit
                return _Decoded(b"" if too_big else clean, len(clean), too_big)
        defects_before = len(part.defects)
        try:
            data = part.get_payload(decode=True)
        except Exception:  # keep the bytes as received rather than nothing
            self.problem(f"{label}: its transfer encoding could not be undone; kept as received.")
            data = _body_text(part).encode("utf-8", "surrogateescape")
        if not isinstance(data, bytes):
            data = b""
        if any(isinstance(d, _BASE64_DEFECTS) for d in part.defects[defects_before:]):
            self.problem(f"{label}: the base64 encoding is damaged; kept what could be decoded.")
        if len(data) > limit:
            return _Decoded(b"", len(data), True)
        return _Decoded(data, len(data), False)

    def _add(self, filename: str | None, content_type: str, decoded: _Decoded, origin: str) -> None:
        if len(self.attachments) >= self.limits.max_attachments:
            self.overflowed = True
            return
        if filename is None:
            number = len(self.attachments) + 1
            filename = f"attachment-{number}{sniffed_extension(decoded.data, content_type)}"
        if decoded.truncated:
            self.problem(
                f"{filename} is {decoded.size} bytes, over the limit of"
                f" {self.limits.max_attachment_bytes}; it was not read."
            )
        self.attachments.append(
            Attachment(
                filename=filename,
                declared_type=content_type,
                data=decoded.data,
                size=decoded.size,
                truncated=decoded.truncated,
                origin=origin,
            )
        )

    def _add_tnef(
        self, filename: str | None, content_type: str, decoded: _Decoded, origin: str
    ) -> None:
        """Outlook's winmail.dat: the files inside it, or the file itself when unreadable."""
        contents = unpack_tnef(decoded.data) if not decoded.truncated else None
        if contents is None or not contents.files:
            if contents is not None:
                for text in contents.problems:
                    self.problem(text)
            self._add(filename or "winmail.dat", content_type, decoded, origin)
            return
        for text in contents.problems:
            self.problem(text)
        for inner in contents.files:
            name = clean_filename(inner.name) if inner.name else None
            guessed = mimetypes.guess_type(name or "", strict=False)[0]
            size = len(inner.data)
            too_big = size > self.limits.max_attachment_bytes
            self._add(
                name,
                guessed or "application/octet-stream",
                _Decoded(b"" if too_big else inner.data, size, too_big),
                "tnef",
            )

    def _note_defects(self, part: email.message.Message) -> None:
        """The parser's complaints about the structure, in its own plain words."""
        for defect in part.defects:
            if isinstance(defect, email.errors.HeaderDefect):
                continue  # header trouble is reported where the header is read
            doc = (type(defect).__doc__ or type(defect).__name__).strip().splitlines()[0]
            self.problem(f"The message structure is damaged: {doc.rstrip('.')}.")


# ----------------------------------------------------------- safe stdlib reads


def _is_message(obj: object) -> TypeGuard[email.message.Message]:
    return isinstance(obj, email.message.Message)


def _parse_bytes(data: bytes) -> email.message.Message:
    """`email.message_from_bytes(data, policy=default)`, without its copies of the message.

    The stdlib decodes the whole message into one text and reads it through a StringIO
    (four bytes a character) to feed its parser 8192 characters at a time: five times
    the message on top of the bytes. Feeding the parser the same 8192-byte slices, each
    decoded as it goes, builds the same tree from the same input.
    """
    parser = email.parser.BytesFeedParser(policy=_POLICY)
    for start in range(0, len(data), _FEED_CHUNK):
        parser.feed(data[start : start + _FEED_CHUNK])
    return parser.close()


def _clean_base64(part: email.message.Message, text: str) -> bytes | None:
    """`part.get_payload(decode=True)` for clean base64 text, decoded without copies.

    The stdlib encodes the text to bytes, splits those into lines and joins them again
    before decoding: three more copies of the part, and lines that cost more than their
    characters. When the text is clean (the base64 alphabet, line ends, padding only at
    the end, a length in whole quads) the stdlib decodes it strictly and notes no defect,
    and binascii decodes the text itself to the same bytes, skipping the line ends. Any
    other text gets None: the caller lets the stdlib decode it, defects and all.
    """
    try:  # the stdlib's own test for base64, as get_payload makes it
        if part.is_multipart() or str(part.get("content-transfer-encoding", "")).lower() != (
            "base64"
        ):
            return None
    except Exception:
        return None
    if not _CLEAN_BASE64.fullmatch(text):
        return None
    if (len(text) - text.count("\r") - text.count("\n")) % 4:
        return None  # the stdlib pads it and notes a defect
    return binascii.a2b_base64(text)


def _release(part: email.message.Message) -> None:
    """Let go of a leaf's text once its bytes are in an attachment: the parsed tree of a
    large email would otherwise hold every part twice (as text, and as bytes) until the
    end. Safe because a subtree that gave an attachment is never written out again
    (`_Reader._forwarded` keeps a forwarded email as a file only when it gave none)."""
    if not part.is_multipart():
        part.set_payload("")


def _raw_header(msg: email.message.Message, name: str) -> str | None:
    """The first value of a header as written (folding kept), without any parsing."""
    for key, value in msg.raw_items():
        if key.lower() == name:
            return str(value)
    return None


def _authentication_results(msg: email.message.Message) -> tuple[str, ...]:
    """Every Authentication-Results value as written, on one clean line each."""
    found = []
    for key, value in msg.raw_items():
        if key.lower() == "authentication-results":
            found.append(clean_line(_unsurrogate(str(value)))[:_MAX_AUTH_RESULT_CHARS])
            if len(found) == _MAX_AUTH_RESULTS:
                break
    return tuple(found)


def _text_as_received(msg: email.message.Message) -> str:
    """A parsed message's text as close to its source as the parser lets us get back."""
    body = _body_text(msg)
    if msg.is_multipart():  # it parsed into parts: regenerate, folding kept
        compat = email.policy.compat32.clone(max_line_length=0)
        return msg.as_bytes(policy=compat).decode("ascii", "surrogateescape")
    headers = "".join(f"{name}: {value}\n" for name, value in msg.raw_items())
    # When a line that is no header ended the headers, it already begins the body.
    ended_early = any(
        isinstance(d, email.errors.MissingHeaderBodySeparatorDefect) for d in msg.defects
    )
    return headers + ("" if ended_early or not headers else "\n") + body


def _children(part: email.message.Message) -> list[Any]:
    payload = part.get_payload()  # a list for multiparts: returned as is, nothing decoded
    return payload if isinstance(payload, list) else []


def _body_text(part: email.message.Message) -> str:
    """A leaf's body as received, transfer encoding and all; "" for a multipart."""
    if part.is_multipart():
        return ""
    try:
        body = part.get_payload()
    except Exception:  # 8-bit bytes and a charset parameter Python rejects
        body = getattr(part, "_payload", "")  # the stored text, undecoded
    return body if isinstance(body, str) else ""


def _safe_content_type(part: email.message.Message) -> str:
    try:
        return part.get_content_type()
    except Exception:  # unreadable Content-Type: read the bare type from the raw value
        raw = _raw_header(part, "content-type") or ""
        bare = clean_line(raw).split(";")[0].strip().lower()
        return (
            bare if re.fullmatch(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+", bare) else "text/plain"
        )


def _safe_disposition(part: email.message.Message) -> str | None:
    try:
        return part.get_content_disposition()
    except Exception:  # fall back to the first word of the raw value
        raw = _raw_header(part, "content-disposition") or ""
        word = clean_line(raw).split(";")[0].strip().lower()
        return word or None


def _compat32_filename(part: email.message.Message) -> str | None:
    """The file name read by the old (compat32) parameter parser."""
    old = email.message.Message(policy=email.policy.compat32)
    for header in ("content-disposition", "content-type"):
        raw = _raw_header(part, header)
        if raw is not None:
            old[header] = _unsurrogate(raw)
    try:
        name = old.get_filename()
    except Exception:
        return None
    return _decode_words(name) if isinstance(name, str) else None


def _compat32_addresses(raw: str) -> list[tuple[str, str]]:
    """(display name, address) pairs by the old parser, encoded-words kept out of its way.

    An encoded display name may hide "@", "," or ":" (say "=?utf-8?q?Bcc:_x@evil?=");
    the old parser would read those as address syntax, so each encoded-word is swapped
    for a plain token first and decoded only once the addresses are split.
    """
    words: list[str] = []

    def hide(match: re.Match[str]) -> str:
        words.append(match.group(0))
        return f"encodedword{len(words) - 1}z"

    def restore(text: str) -> str:
        return re.sub(r"encodedword(\d+)z", lambda m: words[int(m.group(1))], text)

    pairs = email.utils.getaddresses([_ENCODED_WORD.sub(hide, raw)])
    return [(_decode_words(restore(name)), restore(address)) for name, address in pairs]


def _base64_decoded_size(encoded: str) -> int:
    """How many bytes base64 text decodes to, counted without decoding it."""
    chars = len(encoded) - sum(encoded.count(c) for c in " \t\r\n") - encoded.count("=")
    return chars * 3 // 4
