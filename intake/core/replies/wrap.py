"""The plain-text reply laid out for a mail client: short lines, tidy blank lines. Pure.

Templates write each paragraph and list item on one line, so a court can edit the
wording without re-flowing it by hand; many mail clients show plain text as sent, so a
long line would run off the screen or be broken mid-word by the client. Here every
line longer than the width is wrapped at spaces, a list item's continuation lines
hang under its text, and runs of blank lines become one.
"""

from __future__ import annotations

import re
import textwrap

TEXT_WIDTH = 76

# Leading space, then an optional list marker: "- ", "* " or "12. ".
_ITEM = re.compile(r"^(\s*)((?:[-*]|\d{1,2}\.)\s+)?")
# A short quoted phrase ("/s/ Your Name", "Debtors Attorney") stays on one line.
_SHORT_QUOTE = re.compile(r'"[^"\n]{1,30}"')
_KEEP = "\x00"  # stands for a space that must not break while wrapping


def _wrap_line(line: str, width: int) -> list[str]:
    if len(line) <= width:
        return [line]
    match = _ITEM.match(line)
    lead = match.group(0) if match else ""
    hang = " " * len(lead)
    body = _SHORT_QUOTE.sub(lambda m: m.group(0).replace(" ", _KEEP), line[len(lead) :])
    wrapped = textwrap.wrap(
        body,
        width=width,
        initial_indent=lead,
        subsequent_indent=hang,
        # A URL, an email address or a case number such as 24-11562-TBM stays whole,
        # even if it alone is longer than the width.
        break_long_words=False,
        break_on_hyphens=False,
    )
    return [part.replace(_KEEP, " ") for part in wrapped] or [line]


def wrap_text(text: str, width: int = TEXT_WIDTH) -> str:
    """`text` with no line over `width` (unless one word is longer), no trailing
    spaces, no two blank lines in a row, no blank lines at the start, one final newline."""
    lines: list[str] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line and (not lines or not lines[-1]):
            continue  # a blank line at the start, or a second one in a row
        lines.extend(_wrap_line(line, width))
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"
