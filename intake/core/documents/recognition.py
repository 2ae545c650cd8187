"""Is a readable PDF the letter of acknowledgment? Recognised by what it is. Pure.

Not by a mention of CM/ECF: a motion's certificate of service, a training certificate
and a cover letter all mention it. The letter is written to this court about the
attorney's own CM/ECF account or the training waiver, and makes the court's statements.
The answer is `letter`, `maybe` (a clerk reads it: the request is `needs_review`) or
`other`, with the reason in plain words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from intake.core.documents.letter_text import Line, Sentence
from intake.core.model import Affirmation, AffirmationState
from intake.core.policy.rules import LetterPolicy, OtherKind

Kind = Literal["letter", "maybe", "other"]


@dataclass(frozen=True)
class Recognised:
    kind: Kind
    reason: str


def _any(phrases: tuple[str, ...], texts: Sequence[str]) -> str | None:
    """The first text one of `phrases` matches (lines are matched with ^ and $ anchors)."""
    if not phrases:
        return None
    pattern = re.compile("|".join(f"(?:{p})" for p in phrases), re.IGNORECASE | re.MULTILINE)
    return next((t for t in texts if pattern.search(t)), None)


def _other_kind(policy: LetterPolicy, texts: Sequence[str]) -> tuple[OtherKind, str] | None:
    """The look-alike kind whose phrase comes first in the PDF (a motion's caption comes
    before the certificate of service at its end), with the text it matched."""
    found = []
    for other in policy.recognition.others:
        hit = _any(other.phrases, texts)
        if hit:
            found.append((texts.index(hit), other, hit))
    if not found:
        return None
    _, kind, hit = min(found, key=lambda f: f[0])
    return kind, hit


def recognise(
    lines: Sequence[Line],
    sentences: Sequence[Sentence],
    affirmations: Sequence[Affirmation],
    policy: LetterPolicy,
) -> Recognised:
    rec = policy.recognition
    said = sum(a.state is AffirmationState.FOUND for a in affirmations)
    addressed = sum(a.state is not AffirmationState.MISSING for a in affirmations)
    texts = [line.text for line in lines if line.text] + [s.text for s in sentences]
    other = _other_kind(policy, texts)
    # The attorney's own account: a sentence about it in the first person ("I ask for
    # a waiver", "my CM/ECF account"), not the court's reply ("your request").
    # A firm's "we" speaks of the account too, though it is not the attorney's statement.
    voices = (*policy.scope.speaker, r"\b(?:we|our)\b")
    speaking = [s.text for s in sentences if _any(voices, [s.text])]
    about = _any(rec.about, speaking)
    form = _any(rec.letter_form, texts)
    total = len(affirmations)
    if other is not None:
        kind, hit = other
        # Every statement made, in the shape of a letter: the letter, whatever case or
        # caption it names (a pro hac vice attorney's "Re: In re ..., Case No. ...").
        if (said >= max(3, total - 1) and about) or (said == total and form):
            return Recognised("letter", f"it makes {said} of the {total} statements")
        # The attorney's letter about CM/ECF access that also names a case (a pro hac
        # vice attorney's "Re: In re ..., Case No. ...") or bears a caption: it speaks of
        # the account, the waiver or the acknowledgment (in its title, too), has the shape
        # of a letter or declaration, speaks in the first person and of two statements or
        # more, even if it confirms none (check boxes whose marks are not in the text). A
        # clerk decides.
        letter_like = form and speaking and addressed >= 2 and _any(rec.about, texts)
        if said or (about and form) or letter_like:
            return Recognised(
                "maybe",
                f"it reads as {kind.kind} (\u201c{_short(hit)}\u201d) but speaks of the "
                "attorney's CM/ECF account or makes some of the statements",
            )
        return Recognised("other", f"it is {kind.kind} (\u201c{_short(hit)}\u201d)")
    if said >= 2:
        return Recognised("letter", f"it makes {said} of the {total} statements")
    if about and form:
        if said == 0 and _any(rec.cover_letter, texts):
            return Recognised(
                "other",
                "it is a cover letter: it sends documents and makes none of the statements",
            )
        return Recognised("letter", f"a letter about \u201c{_short(about)}\u201d")
    if about or said or addressed >= 2:
        return Recognised(
            "maybe",
            "it speaks of CM/ECF or the statements, but does not read as the attorney's letter",
        )
    return Recognised(
        "other", "it does not speak of the attorney's CM/ECF account or the training waiver"
    )


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
