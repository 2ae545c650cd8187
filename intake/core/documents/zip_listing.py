"""The names a ZIP archive lists, read from its central directory with explicit caps.

Only to say what an attached archive holds ("a ZIP archive holding 7 PDF files"); no
member is ever decompressed. Not `zipfile`: it builds an object for every entry the
directory declares (a 25 MB attachment can list ~500,000, several hundred MB of
objects in the daemon's own process) and follows the offsets it is given. Here the
cost is bounded whatever the bytes say:

- the end-of-directory record is looked for in the last 64 KiB + 22 bytes only (where
  the format puts it: a 22-byte record and a comment of at most 65,535 bytes);
- at most `MAX_ENTRIES` entries are examined, however many the archive declares
  (a ZIP64 record may declare 2^64);
- of each name at most `MAX_NAME_BYTES` bytes are kept (its start and its end, where
  the folder and the extension are); the rest, and every extra field and comment, is
  skipped by its length without being read;
- a directory that does not lie inside the file before its end record, or an entry
  that runs past the directory, makes the archive damaged, never an exception.

So at most ~64 KiB + `MAX_ENTRIES` x (46 + `MAX_NAME_BYTES`) bytes (~1.1 MB) are
examined and `MAX_ENTRIES` short names kept, in time linear in that.
Format: PKWARE APPNOTE.TXT 4.3.12 (central directory header), 4.3.14-4.3.16 (ZIP64
end records), 4.3.16 (end of central directory record).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAX_ENTRIES = 1000
MAX_NAME_BYTES = 1024

_END = b"PK\x05\x06"
_END_SIZE = 22
_MAX_COMMENT = 0xFFFF
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_LOCATOR_SIZE = 20
_ZIP64_END = b"PK\x06\x06"
_ZIP64_END_SIZE = 56
_ENTRY = b"PK\x01\x02"
_ENTRY_SIZE = 46
_UTF8_FLAG = 0x800


@dataclass(frozen=True)
class ZipListing:
    """What the directory says: the names examined (at most `MAX_ENTRIES`), how many
    entries it declares, and whether it could be read at all."""

    names: tuple[str, ...] = ()
    declared: int = 0
    damaged: bool = False

    @property
    def complete(self) -> bool:
        """Every declared entry was examined."""
        return not self.damaged and len(self.names) >= self.declared


_DAMAGED = ZipListing(damaged=True)


@dataclass(frozen=True)
class _Directory:
    start: int
    size: int
    entries: int


def list_zip(data: bytes) -> ZipListing:
    """The archive's names as its central directory lists them, within the caps above.
    Never raises for bad input: an archive that cannot be read is `damaged`."""
    view = memoryview(data)
    directory = _find_directory(view)
    if directory is None:
        return _DAMAGED
    names: list[str] = []
    position, end = directory.start, directory.start + directory.size
    for _ in range(min(directory.entries, MAX_ENTRIES)):
        if position + _ENTRY_SIZE > end or view[position : position + 4] != _ENTRY:
            return _DAMAGED
        flags, name_length, extra_length, comment_length = _entry_lengths(view, position)
        name_start = position + _ENTRY_SIZE
        position = name_start + name_length + extra_length + comment_length
        if position > end:
            return _DAMAGED
        names.append(_name(view, name_start, name_length, flags))
    return ZipListing(names=tuple(names), declared=directory.entries)


def _entry_lengths(view: memoryview, position: int) -> tuple[int, int, int, int]:
    (flags,) = struct.unpack_from("<H", view, position + 8)
    lengths: tuple[int, int, int] = struct.unpack_from("<HHH", view, position + 28)
    return flags, *lengths


def _name(view: memoryview, start: int, length: int, flags: int) -> str:
    """The name, or its start and end when longer than `MAX_NAME_BYTES`."""
    if length <= MAX_NAME_BYTES:
        raw = bytes(view[start : start + length])
    else:
        half = MAX_NAME_BYTES // 2
        raw = (
            bytes(view[start : start + half])
            + b"..."
            + bytes(view[start + length - half : start + length])
        )
    return raw.decode("utf-8" if flags & _UTF8_FLAG else "cp437", "replace")


def _find_directory(view: memoryview) -> _Directory | None:
    """Where the central directory is, from the last end record whose comment ends the
    file; None when there is none or it points outside the bytes before it."""
    size = len(view)
    window_start = max(0, size - _END_SIZE - _MAX_COMMENT)
    data = view[window_start:].tobytes()
    at = len(data)
    while (at := data.rfind(_END, 0, at)) >= 0:
        end_at = window_start + at
        if end_at + _END_SIZE > size:
            continue
        fields = struct.unpack_from("<4s4H2LH", view, end_at)
        entries, directory_size, directory_offset, comment_length = fields[4:8]
        if end_at + _END_SIZE + comment_length != size:
            continue  # an end record inside a comment or a member, not the file's own
        if entries == 0xFFFF or 0xFFFFFFFF in (directory_size, directory_offset):
            # ZIP64 values, when its locator is there; else an archive of exactly
            # 65,535 entries, whose classic record says so.
            zip64 = _zip64_directory(view, end_at)
            locator_at = max(end_at - _ZIP64_LOCATOR_SIZE, 0)
            locator = view[locator_at : locator_at + 4]
            if zip64 is not None or locator == _ZIP64_LOCATOR:
                return zip64
        return _placed(view, end_at, directory_offset, directory_size, entries)
    return None


def _zip64_directory(view: memoryview, end_at: int) -> _Directory | None:
    locator_at = end_at - _ZIP64_LOCATOR_SIZE
    if locator_at < 0 or view[locator_at : locator_at + 4] != _ZIP64_LOCATOR:
        return None
    (record_at,) = struct.unpack_from("<Q", view, locator_at + 8)
    if record_at + _ZIP64_END_SIZE > locator_at or view[record_at : record_at + 4] != _ZIP64_END:
        return None
    entries, directory_size, directory_offset = struct.unpack_from("<3Q", view, record_at + 32)
    return _placed(view, record_at, directory_offset, directory_size, entries)


def _placed(
    view: memoryview, before: int, offset: int, size: int, entries: int
) -> _Directory | None:
    """The directory where its offset says, or (bytes prepended to the archive, as a
    self-extracting one has) right before the end records; None when neither holds."""
    for start in (offset, before - size):
        if (
            start >= 0
            and start + size <= before
            and (entries == 0 or view[start : start + 4] == _ENTRY)
        ):
            return _Directory(start, size, entries)
    return None
