"""What drawing a clerk's PDF packet gives back (`packet.py` draws it).

Apart from `packet.py` so that the poll, which only passes packets on, does not import
reportlab and pypdf (~0.1 s of CPU at start-up) unless it draws one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Merged:
    filename: str
    pages: int  # merged into the packet
    total_pages: int = 0  # the document has (more than `pages` when cut)


@dataclass(frozen=True)
class Skipped:
    filename: str
    reason: str


@dataclass(frozen=True)
class Packet:
    pdf: bytes
    cover_pages: int
    merged: tuple[Merged, ...]
    skipped: tuple[Skipped, ...]
    active_content_removed: int = 0  # scripts, launch actions... taken out
