"""Check-box forms, known letter-wide: which items are marked, and which cannot be read. Pure.

A form's boxes may be glyphs in the text ("[X]", "☐", "☒", "✔"), an answer column
("Yes" / "No"), typed initials beside each item ("JQD"), or shapes drawn on the page
that leave nothing in the text. Whether the letter is a form is read from the whole
letter (its instruction, wherever it sits: "Check each statement that applies", "Place an
X in the box", an "Initials" column; `scope.form_signals`), not only from a lead-in. In a
form, a sentence whose mark the text does not show is `unseen_box`: it cannot be read
as ticked, and a clerk looks at the boxes. Typed initials mark an item when the same
initials mark at least two items (one upper-case word at an item's edge is a name).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from intake.core.documents.letter_text import Sentence
from intake.core.policy.rules import Scope

_INITIALS = r"(?:[A-Z]\.?\s?){1,3}[A-Z]\.?"
# Before the item, after its row number in a table ("1 JQD I have read ...").
_LEADING = re.compile(rf"^(?:\d{{1,2}}[.)]?\s+)?({_INITIALS})\s+(?=[A-Z(])")
# After the item, or after the blank line they are typed on ("... them. ______ JQD").
_TRAILING = re.compile(rf"(?<=[.;,)_])\s+({_INITIALS})$")
_ALONE = re.compile(rf"^({_INITIALS})$")
_BLANK_END = re.compile(r"\s_{3,}\s*$")


def _signal(scope: Scope, sentences: Sequence[Sentence]) -> bool:
    if not scope.form_signals:
        return False
    pattern = re.compile("|".join(f"(?:{p})" for p in scope.form_signals), re.I | re.M)
    texts = {s.text for s in sentences} | {s.lead_in for s in sentences if s.lead_in}
    return any(pattern.search(t) for t in texts)


def _token(text: str, scope: Scope) -> tuple[str, str] | None:
    """The initials at an item's edge, and where: ("JQD", "start" | "end" | "alone")."""
    for where, pattern in (("alone", _ALONE), ("start", _LEADING), ("end", _TRAILING)):
        match = pattern.search(text)
        if match:
            token = re.sub(r"[.\s]", "", match.group(1))
            not_initials = re.compile("|".join(scope.not_initials)) if scope.not_initials else None
            if not_initials and not_initials.match(token):
                return None
            return token, where
    return None


def mark_forms(sentences: Sequence[Sentence], scope: Scope) -> list[Sentence]:
    """The sentences, each item of a check-box form with its mark as the text shows it,
    or `unseen_box` when the text does not show it."""
    if not _signal(scope, sentences):
        return list(sentences)
    tokens = {s.index: _token(s.text, scope) for s in sentences}
    counts = Counter(t[0] for t in tokens.values() if t)
    initials = {i for i, t in tokens.items() if t and counts[t[0]] >= 2}
    out: list[Sentence] = []
    for sentence in sentences:
        token = tokens[sentence.index]
        if sentence.index in initials and token and token[1] == "alone":
            # An initials column read as its own line marks the item above it.
            if out and out[-1].box is None:
                out[-1] = replace(out[-1], box=True, unseen_box=False)
            continue
        box = sentence.box
        if box is None and sentence.index in initials and not sentence.unseen_box:
            box = True
        elif box is None and _BLANK_END.search(sentence.text):
            box = False  # an initials line left blank: "... my signature. ______"
        out.append(replace(sentence, box=box))
    # Every sentence whose mark the text does not show is unseen: in a form, a statement
    # is the attorney's only when its box is ticked (a blank initials cell, an empty drawn
    # box and a box drawn ticked all leave the same text).
    return [replace(s, unseen_box=s.unseen_box or s.box is None) for s in out]
