"""Text fit to show in a terminal or a page, whatever a stranger put in it. Pure.

Names, subjects and PDF text come from anyone: an ESC or CSI sequence would drive the
operator's terminal (rewrite the screen, change the title, hide lines), a carriage
return would print over what came before, and a bidirectional override (U+202E) would
show "gpj.exe" as "exe.jpg" on a clerk's page. Everything printed by a command or put in
a page passes through `displayable`: control characters (C0 and C1) and the invisible
format characters (bidi embeddings, overrides and isolates, zero-width marks) are
removed; only the zero-width joiners that some scripts need to render are kept.
"""

from __future__ import annotations

import unicodedata
from typing import Any

# Zero-width (non-)joiners shape Arabic, Persian and Indic text: kept.
_KEEP_FORMAT = frozenset({"\u200c", "\u200d"})


def _replacement(ch: str, multiline: bool) -> str | None:
    """What a character becomes (None: itself)."""
    if ch == "\n":
        return None if multiline else " "
    if ch == "\t":
        return None if multiline else " "
    category = unicodedata.category(ch)
    if category == "Cc":
        return ""
    if category == "Cf":
        return None if ch in _KEEP_FORMAT else ""
    if category in ("Zl", "Zp"):
        return "\n" if multiline else " "
    if category == "Cs":  # a lone surrogate: undecodable bytes smuggled through
        return "\ufffd"
    return None


def displayable(text: str, *, multiline: bool = False) -> str:
    """`text` without terminal controls, CR, bidi overrides or other invisible formats.

    `multiline` keeps line feeds and tabs (a table, a report); otherwise they become
    spaces. Ordinary text comes back unchanged (the same object, cheaply).
    """
    if text.isprintable() and "\t" not in text:
        return text
    out: list[str] = []
    for ch in text:
        if ch.isprintable():
            out.append(ch)
            continue
        swap = _replacement(ch, multiline)
        out.append(ch if swap is None else swap)
    return "".join(out)


def displayable_lines(text: str) -> str:
    """A multi-line report made displayable line by line (tabs become spaces)."""
    return "\n".join(displayable(line) for line in text.split("\n"))


def displayable_data(value: Any) -> Any:
    """Every string inside a JSON-like value made displayable (keys too), lines kept."""
    if isinstance(value, str):
        return displayable(value, multiline=True)
    if isinstance(value, dict):
        return {displayable_data(k): displayable_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [displayable_data(v) for v in value]
    return value
