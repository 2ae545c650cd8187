"""Text tables for a terminal: columns that fit a width, cells wrapped, never cut. Pure.

A cell too long for its column wraps onto the row's next lines at spaces; nothing is
dropped. Text that must stay on one line (a person's name, "claim 3") is passed through
`keep_together`, which joins it with no-break spaces that only the output turns back
into spaces.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from intake.core.display import displayable

NO_BREAK = "\u00a0"  # textwrap splits on ASCII whitespace only
GAP = "  "


def keep_together(text: str) -> str:
    """`text` as one unbreakable word for the table (shown with ordinary spaces)."""
    return NO_BREAK.join(text.split())


def _longest_word(cell: str) -> int:
    return max((len(word) for word in cell.split()), default=0)


def column_widths(
    rows: Sequence[Sequence[str]], width: int, *, indent: int = 0, floor: int = 8
) -> list[int]:
    """Widths that fit `width` when they can: the widest column gives way first, each
    down to its longest word (or `floor`, whichever is larger: a column never gets so
    narrow that a word breaks while another column has room)."""
    count = len(rows[0])
    widths = [max(1, *(len(row[c]) for row in rows)) for c in range(count)]
    least = [min(widths[c], max(_longest_word(row[c]) for row in rows)) for c in range(count)]
    least = [max(min(widths[c], floor), least[c], 1) for c in range(count)]
    budget = width - indent - len(GAP) * (count - 1)
    while sum(widths) > budget:
        shrinkable = [c for c in range(count) if widths[c] > least[c]]
        if not shrinkable:
            # Even the longest words do not fit: the widest columns break their words.
            shrinkable = [c for c in range(count) if widths[c] > floor]
            if not shrinkable:
                break
            least = [min(least[c], floor) for c in range(count)]
        widest = max(shrinkable, key=lambda c: widths[c])
        widths[widest] -= 1
    return widths


def _wrap(cell: str, width: int) -> list[str]:
    lines = textwrap.wrap(cell, width, break_long_words=True, break_on_hyphens=False)
    return lines or [""]


def format_table(rows: Sequence[Sequence[str]], width: int = 100, *, indent: int = 2) -> str:
    """The rows (the first is the header) as aligned text within `width` columns.

    Cells hold what strangers wrote (names, subjects, file names): they are shown without
    terminal controls or bidi overrides, and measured as shown."""
    if not rows:
        return ""
    rows = [[displayable(cell) for cell in row] for row in rows]
    widths = column_widths(rows, width, indent=indent)
    out: list[str] = []
    for row in rows:
        cells = [_wrap(cell, widths[c]) for c, cell in enumerate(row)]
        for line in range(max(len(c) for c in cells)):
            parts = [
                (cells[c][line] if line < len(cells[c]) else "").ljust(widths[c])
                for c in range(len(row))
            ]
            out.append((" " * indent + GAP.join(parts)).rstrip().replace(NO_BREAK, " "))
    return "\n".join(out)


def wrap_line(text: str, width: int = 100, *, indent: str = "", hanging: str = "") -> str:
    """One long line as a paragraph: `indent` on the first line, `hanging` after it."""
    lines = textwrap.wrap(
        text,
        width,
        initial_indent=indent,
        subsequent_indent=hanging,
        break_long_words=False,
        break_on_hyphens=False,
    )
    return "\n".join(line.replace(NO_BREAK, " ") for line in lines) or indent.rstrip()
