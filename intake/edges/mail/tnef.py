"""Outlook's winmail.dat (TNEF) → the files inside it. Pure, and bounded on hostile input.

tnefparse reads the format, but it trusts the counts written in the stream: a forged
property count makes it spin for hours, and attributes in an unexpected order make it
raise. So we first walk the stream's outer layer ourselves, keep only the attributes
that describe attached files, check that every MAPI property block among them agrees
with its own length, and hand tnefparse only that filtered stream.

TNEF layout (MS-OXTNEF 2.1): a 4-byte signature, a 2-byte key, then attributes, each
    level (1 byte) | id (2) | type (2) | length (4) | data (length) | checksum (2)
all little-endian. Every attached file starts with an attAttachRendData attribute at
the attachment level; its name and bytes follow in attAttachTitle / attAttachData, and
its long name in the MAPI properties of attAttachment.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import tnefparse

TNEF_SIGNATURE = 0x223E9F78
_HEADER = struct.Struct("<BHHI")  # level, id, type, length
_HEADER_SIZE = _HEADER.size  # 9
_CHECKSUM_SIZE = 2

LEVEL_MESSAGE = 0x01
LEVEL_ATTACHMENT = 0x02
ATT_OEM_CODEPAGE = 0x9007
ATT_ATTACH_REND_DATA = 0x9002
ATT_ATTACH_TITLE = 0x8010
ATT_ATTACH_DATA = 0x800F
ATT_ATTACHMENT = 0x9005

# MAPI property types (MS-OXCDATA 2.11.1) and the sizes tnefparse reads for them.
_FIXED_SIZE = {0x0002: 2, 0x000B: 2, 0x0003: 4, 0x0004: 4, 0x000A: 4}
_FIXED_SIZE.update({0x0005: 8, 0x0007: 8, 0x0006: 8, 0x0014: 8, 0x0040: 8, 0x0048: 16})
_VARIABLE = frozenset({0x001E, 0x001F, 0x000D, 0x0102, 0x0000})
_PADDED_SHORT = frozenset({0x0002, 0x000B})
_MULTI_VALUE = 0x1000
_NAMED = 0x8000
# An attachment that is itself an Outlook item starts with this GUID; tnefparse would
# parse it as a whole new, unchecked TNEF stream, so such attachments are left out.
_EMBEDDED_MESSAGE = b"\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"


@dataclass(frozen=True)
class TnefFile:
    name: str | None
    data: bytes


@dataclass(frozen=True)
class TnefContents:
    files: tuple[TnefFile, ...]
    problems: tuple[str, ...]


def unpack_tnef(data: bytes) -> TnefContents:
    """The files attached inside a TNEF stream. Never raises: problems say what was lost."""
    try:
        stream, problems = _filtered_stream(data)
    except (struct.error, ValueError) as exc:
        return TnefContents((), (f"winmail.dat is not a readable Outlook (TNEF) file: {exc}.",))
    if stream is None:
        return TnefContents((), tuple(problems))
    try:
        parsed = tnefparse.TNEF(stream, do_checksum=False)
        files = tuple(_file_of(att) for att in parsed.attachments)
    except Exception as exc:  # tnefparse raises many kinds on odd streams
        problems.append(f"winmail.dat could not be unpacked ({type(exc).__name__}).")
        return TnefContents((), tuple(problems))
    return TnefContents(files, tuple(problems))


def _filtered_stream(data: bytes) -> tuple[bytes | None, list[str]]:
    """The stream reduced to the attributes of attached files, each checked to be sane."""
    if len(data) < 6 or struct.unpack_from("<I", data)[0] != TNEF_SIGNATURE:
        return None, ["winmail.dat does not start with the Outlook (TNEF) signature."]
    problems: list[str] = []
    kept = [data[:6]]
    offset = 6
    in_attachment = False
    while offset < len(data):
        if offset + _HEADER_SIZE > len(data):
            problems.append("winmail.dat ends in the middle of an attribute.")
            break
        level, att_id, _type, length = _HEADER.unpack_from(data, offset)
        end = offset + _HEADER_SIZE + length + _CHECKSUM_SIZE
        if end > len(data):
            problems.append("winmail.dat is cut short; the last attribute was dropped.")
            break
        value = data[offset + _HEADER_SIZE : offset + _HEADER_SIZE + length]
        if level == LEVEL_ATTACHMENT and att_id == ATT_ATTACH_REND_DATA:
            in_attachment = True
        if _keep(level, att_id, value, in_attachment):
            kept.append(data[offset:end])
        elif level == LEVEL_ATTACHMENT and att_id == ATT_ATTACHMENT:
            problems.append(
                "winmail.dat holds attachment details that are damaged or an embedded"
                " Outlook item; those details were not read."
            )
        offset = end
    return b"".join(kept), problems


def _keep(level: int, att_id: int, value: bytes, in_attachment: bool) -> bool:
    if level == LEVEL_MESSAGE:
        return att_id == ATT_OEM_CODEPAGE and len(value) >= 4
    if level != LEVEL_ATTACHMENT or not in_attachment:
        return False
    if att_id in (ATT_ATTACH_REND_DATA, ATT_ATTACH_TITLE, ATT_ATTACH_DATA):
        return True
    return att_id == ATT_ATTACHMENT and _mapi_block_is_sane(value)


def _mapi_block_is_sane(data: bytes) -> bool:
    """Whether tnefparse's MAPI reader would consume this block within its length.

    Mirrors tnefparse.mapi.decode_mapi step by step; every count is checked against
    the bytes left, so neither this walk nor tnefparse's can loop past the data.
    """
    size = len(data)

    def u16(at: int) -> int:
        return int(struct.unpack_from("<H", data, at)[0])

    def u32(at: int) -> int:
        return int(struct.unpack_from("<I", data, at)[0])

    if size < 4:
        return False
    count = u32(0)
    offset = 4
    if count > (size - offset) // 4:
        return False
    for _ in range(count):
        if offset + 4 > size:
            return False
        prop_type, prop_id = u16(offset), u16(offset + 2)
        offset += 4
        if prop_id >= _NAMED:
            if offset + 24 > size:
                return False
            kind = u32(offset + 16)
            offset += 20
            name_length = 4 if kind == 0 else 4 + _padded(u32(offset))
            offset += name_length
        values: int | None = None
        if prop_type & _MULTI_VALUE:
            prop_type ^= _MULTI_VALUE
            if offset + 4 > size:
                return False
            values = u32(offset)
            offset += 4
            if values > (size - offset) // 2:
                return False
        for _ in range(values or 1):
            if prop_type in _FIXED_SIZE:
                offset += _FIXED_SIZE[prop_type]
            elif prop_type in _VARIABLE:
                items = 1
                if not values:  # tnefparse reads a count unless the multi-value count is > 0
                    if offset + 4 > size:
                        return False
                    items = u32(offset)
                    offset += 4
                    if items > (size - offset) // 4:
                        return False
                for _ in range(items):
                    if offset + 4 > size:
                        return False
                    length = _padded(u32(offset))
                    offset += 4
                    if data[offset : offset + len(_EMBEDDED_MESSAGE)] == _EMBEDDED_MESSAGE:
                        return False
                    offset += length
                    if offset > size:
                        return False
            else:
                return False
            if offset > size:
                return False
        if (values or 1) % 2 and prop_type in _PADDED_SHORT:
            offset += 2
    return offset <= size


def _padded(length: int) -> int:
    return length + (-length % 4)


def _file_of(att: object) -> TnefFile:
    data = getattr(att, "data", b"")
    return TnefFile(name=_name_of(att), data=data if isinstance(data, bytes) else b"")


def _name_of(att: object) -> str | None:
    """The long file name when present, else the 8.3 name; None when neither reads."""
    for read in ("long_filename", "name"):
        try:
            value = getattr(att, read)
            name = value() if callable(value) else value
        except Exception:  # a name in an unexpected encoding: try the next one
            continue
        if isinstance(name, bytes):
            name = name.decode("cp1252", errors="replace")
        if isinstance(name, str) and name.strip("\x00 "):
            return name.strip("\x00 ")
    return None
