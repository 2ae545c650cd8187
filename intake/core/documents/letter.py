"""The letter of acknowledgment: is this PDF one, who signed it, what does it affirm. Pure.

The statements and what recognises a letter are the court's policy (`rules/letter.toml`).
`letter_text` turns PDF text into sentences and clauses, `statements` reads each
affirmation as found / missing / unclear, `recognition` decides whether the PDF is the
letter at all and whether it is the attorney's own; this module reads the signature
and puts the facts together.

What counts as signed (what a clerk accepts on a letter sent by email):
- a `/s/ Name` line (the court's electronic signature), also inside a form's
  "Signature: /s/ Name   Date: ..." line, or
- a signature block: a closing line ("Sincerely,", "Respectfully submitted,", "Very truly
  yours,", "Regards,", "Thank you,"...) followed within a few lines by a name line, or a
  signature rule ("_______", "By: ______") followed by a name line. A handwritten or
  image signature has no text; the typed name under the closing is what remains of it.
A letter with neither is unsigned, even when it names the attorney elsewhere ("Name:"
field, "I, Jane Doe, affirm", a letterhead "Jane Doe, Esq."): the name is still read from
there so that the reply can address the attorney and the NEFs can be checked against it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from intake.core.documents.letter_text import (
    Line,
    Sentence,
    clean_line,
    pdf_lines,
    sentences_of,
    split_sentences,
)
from intake.core.documents.names import same_person
from intake.core.documents.recognition import Recognised, recognise
from intake.core.documents.statements import read_affirmations
from intake.core.model import Evidence, LetterFacts, PdfText
from intake.core.policy.rules import LetterPolicy

__all__ = [
    "clean_line",
    "clean_signed_name",
    "looks_like_letter",
    "looks_like_name",
    "read_letter",
    "recognise_letter",
    "split_sentences",
]


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# ------------------------------------------------------------------ signature and name

_NAME_PARTICLES = _word_set("de del della da di van von der den la le du dos das bin al y st")
# Words that show a line is a firm, an address, a court or a title, not a person.
_NOT_NAME_WORDS = _word_set(
    """attorney attorneys law lawyer office offices court clerk bankruptcy district llp llc
    pc plc inc group firm associates street st suite avenue ave road blvd floor box
    california re dear sincerely respectfully regards counsel the of and for at united
    states state bar no number email e-mail phone tel telephone fax dated date page
    training ecf cm/ecf request waiver letter northern southern eastern central western
    partner associate esq esquire signature by name thank thanks you yours truly very
    debtor debtors creditor creditors plaintiff defendant trustee"""
)
_NAME_TOKEN = re.compile(r"^(?:[^\W\d_]\.|[^\W\d_](?:[^\W\d_]|['\-])*\.?)$")

_SLASH_S = re.compile(
    r"(?:(?:^|(?<=[\s:]))/?s/|\b(?:electronically|digitally|e-)\s?signed(?:\s+by)?\s*:)\s*(.*)$",
    re.I,
)
# What may follow the name on a signature line: a separator and a role, a date.
_AFTER_NAME = re.compile(
    r"\s+(?:[|\u2013\u2014]|-{1,2})\s+.*$|\s+\d{1,2}/\d{1,2}/\d{2,4}.*$|"
    r"\s+(?:attorney|counsel|trustee|partner|associate)\b.*$",
    re.I,
)


def _signed_rest(text: str) -> str:
    """The name part of what follows "/s/": "Jane Roe (Cal. Bar No. 1) | Counsel" -> "Jane Roe"."""
    text = re.sub(r"\([^)]*\)?", " ", text)
    text = _NEXT_FIELD.sub("", text)
    return _AFTER_NAME.sub("", text).strip()


# A form's next field on the signature's line: "Signature: /s/ Jane Doe   Date: 3/4/2025".
_NEXT_FIELD = re.compile(
    r"\s+(?:date[d]?|(?:state\s+|cal(?:ifornia)?\.?\s+)?bar\b|s\.?b\.?n\.?|e-?mail|phone|"
    r"telephone|tel|fax|firm|title|address|print(?:ed)?\s+name|on\s+(?:[A-Z][a-z]+\s+\d|\d))"
    r"\b\s*[:#.]?.*$",
    re.I,
)
_CLOSING_WORDS = (
    r"(?:sincerely(?: yours)?|respectfully(?: yours| submitted)?|very truly yours|"
    r"yours (?:truly|sincerely|faithfully|very truly)|truly yours|cordially(?: yours)?|"
    r"(?:best|kind|warm|warmest|with best) regards|regards|best|thank you|thanks|"
    r"with thanks|many thanks)"
)
_CLOSING = re.compile(rf"^{_CLOSING_WORDS}\s*[,.]?$", re.I)
# Some extractions put the closing and the typed name on one line.
_CLOSING_AND_NAME = re.compile(rf"^{_CLOSING_WORDS}\s*,\s*(.+)$", re.I)
_RULE = re.compile(r"^(?:(?:signature|signed|by)\s*:?\s*)?_{5,}\s*$", re.I)
_NAME_FIELD = re.compile(
    r"^(?:attorney(?:'s)?\s+|printed\s+|print\s+|full\s+|typed\s+)?name\s*:\s*(.+)$", re.I
)
_I_NAME = re.compile(r"\b(?:I|[Tt]he undersigned),\s+([^,]{3,60}),\s")
_BAR_NUMBER = re.compile(
    r"(?:\bC?S\.?B\.?N\.?|\bBar(?:\s+of\s+[A-Z][a-z]+)?\s*(?:No\.?|Number|Num\.?|#|ID|I\.D\.))"
    r"\s*[:#.]?\s*(\d{3,8})\b",
    re.I,
)
_CREDENTIAL_LINE = re.compile(r"^(?:attorneys? at law|counsel(?:or)? at law|esq\.?)$", re.I)
_CLOSING_REACH = 5  # lines after a closing in which the typed name may sit
_RULE_REACH = 2


def clean_signed_name(text: str) -> str:
    """The name in a signature line: "Jane A. Doe, Esq. (SBN 123456)" → "Jane A. Doe"."""
    text = _BAR_NUMBER.sub("", text)
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]", "", text)
    text = re.sub(r"^by\s*:\s*", "", text.strip(), flags=re.I)
    parts = [p.strip() for p in text.split(",")]
    if len(parts) >= 2 and len(parts[0].split()) == 1:
        # "Doe, Jane A." (as in a docket): the name in reading order.
        swapped = f"{parts[1]} {parts[0]}"
        if looks_like_name(swapped):
            return " ".join(swapped.split())
    kept = [parts[0]]
    # Keep a generational suffix ("Jane Doe, Jr."), drop titles and roles after a comma.
    kept += [p for p in parts[1:2] if re.fullmatch(r"(?:jr|sr|ii|iii|iv)\.?", p, re.I)]
    name = ", ".join(kept)
    name = re.sub(r"[\s,]+(?:esq\.?|esquire)$", "", name, flags=re.I)
    return " ".join(name.split()).strip(" ,;-")


def looks_like_name(text: str) -> bool:
    """A person's name: two to six words, capitalized (or particles), no firm/address words."""
    words = text.replace(",", " ").split()
    if not 2 <= len(words) <= 6:
        return False
    if not words[0][:1].isupper():
        return False
    for word in words:
        bare = word.lower().rstrip(".")
        if bare in _NOT_NAME_WORDS:
            return False
        if bare in _NAME_PARTICLES:
            continue
        if not _NAME_TOKEN.match(word) or not word[:1].isupper():
            return False
    return True


@dataclass(frozen=True)
class Signature:
    signed: bool
    name: str | None
    evidence: Evidence | None
    line_index: int | None  # where the signature starts, to find its bar number


def _name_after(lines: Sequence[Line], start: int, reach: int) -> tuple[int, str] | None:
    seen = 0
    for index in range(start, len(lines)):
        text = lines[index].text
        if not text or _RULE.match(text) or re.fullmatch(r"(?:by|signature)\s*:?", text, re.I):
            continue
        seen += 1
        if seen > reach:
            return None
        name = clean_signed_name(text)
        if looks_like_name(name):
            return index, name
    return None


def find_signature(lines: Sequence[Line]) -> Signature:
    """The last `/s/` line, else the last closing or signature rule followed by a name."""
    for index in range(len(lines) - 1, -1, -1):
        match = _SLASH_S.search(lines[index].text)
        if not match:
            continue
        rest = clean_signed_name(_signed_rest(match.group(1)))
        name: str | None = rest if looks_like_name(rest) else None
        if name is None:
            # "/s/" alone, or followed by what is no name: the typed name may be below.
            after = _name_after(lines, index + 1, 1)
            name = after[1] if after else None
        if rest or name:
            text = lines[index].text if rest else f"{lines[index].text} {name}"
            evidence = Evidence(text=text, page=lines[index].page)
            return Signature(True, name, evidence, index)
    for index in range(len(lines) - 1, -1, -1):
        text = lines[index].text
        same_line = _CLOSING_AND_NAME.match(text)
        if same_line and looks_like_name(name := clean_signed_name(same_line.group(1))):
            evidence = Evidence(text=text, page=lines[index].page)
            return Signature(True, name, evidence, index)
        if _CLOSING.match(text):
            found = _name_after(lines, index + 1, _CLOSING_REACH)
        elif _RULE.match(text):
            found = _name_after(lines, index + 1, _RULE_REACH)
        else:
            continue
        if found:
            at, name = found
            # Show "Very truly yours, Jane Doe" rather than the rule between them.
            start = next(
                (i for i in range(index, max(index - 4, -1), -1) if _CLOSING.match(lines[i].text)),
                index,
            )
            evidence = Evidence(
                text=f"{lines[start].text} {lines[at].text}", page=lines[start].page
            )
            return Signature(True, name, evidence, start)
    return Signature(False, None, None, None)


def name_without_signature(lines: Sequence[Line], sentences: Sequence[Sentence]) -> str | None:
    """The attorney's name from elsewhere: a "Name:" field, "I, Jane Doe, affirm...",
    or a credentialed line ("Jane Doe, Esq.", a name above "Attorney at Law" or a bar
    number)."""
    for line in lines:
        field = _NAME_FIELD.match(line.text)
        if field and looks_like_name(name := clean_signed_name(field.group(1))):
            return name
    for sentence in sentences:
        said = _I_NAME.search(sentence.text)
        if said and looks_like_name(name := clean_signed_name(said.group(1))):
            return name
    for index, line in enumerate(lines):
        following = lines[index + 1].text if index + 1 < len(lines) else ""
        credentialed = (
            re.search(r",?\s*esq\.?$", line.text, re.I)
            or _BAR_NUMBER.search(line.text)
            or _CREDENTIAL_LINE.match(following)
            or _BAR_NUMBER.match(following)
        )
        if credentialed and looks_like_name(name := clean_signed_name(line.text)):
            return name
    return None


def find_bar_number(lines: Sequence[Line], after: int | None) -> str | None:
    """The bar number near the signature, else the first one in the letter (letterhead)."""
    ordered = [*lines[after:], *lines[:after]] if after is not None else list(lines)
    for line in ordered:
        match = _BAR_NUMBER.search(line.text)
        if match:
            return match.group(1)
    return None


# ------------------------------------------------------------------ whose letter


@dataclass(frozen=True)
class Authorship:
    own: bool
    attorney: str | None = None  # the attorney a letter on someone's behalf names
    evidence: Evidence | None = None


_ON_BEHALF_NAME = re.compile(
    r"\bon behalf of\s+(?:(?:my|our)\s+(?:employer|supervising attorney|attorney),?\s+)?"
    r"(?:attorney\s+|counsel\s+|(?:Mr|Ms|Mrs|Dr)\.?\s+)?((?:[A-Z][\w.'-]*\s+){1,3}[A-Z][\w'-]+)"
)


def authorship(
    lines: Sequence[Line],
    sentences: Sequence[Sentence],
    signature_at: int | None,
    policy: LetterPolicy,
    signer: str | None = None,
) -> Authorship:
    """Whether the letter is the attorney's own: not written "on behalf of" the attorney,
    nor signed by a paralegal or an assistant."""
    rec = policy.recognition
    pattern = (
        re.compile("|".join(f"(?:{p})" for p in rec.on_behalf), re.I) if rec.on_behalf else None
    )
    for sentence in sentences:
        if pattern and pattern.search(sentence.text):
            named = _ON_BEHALF_NAME.search(sentence.text)
            attorney = clean_signed_name(named.group(1)) if named else None
            if attorney and signer and same_person(attorney, signer):
                continue  # "a waiver for attorney Jane Roe", signed by Jane Roe: her own
            return Authorship(
                False,
                attorney if attorney and looks_like_name(attorney) else None,
                Evidence(text=sentence.text, page=sentence.page),
            )
    if signature_at is not None and rec.staff_titles:
        titles = re.compile("|".join(f"(?:{p})" for p in rec.staff_titles), re.I)
        for line in lines[signature_at : signature_at + 5]:
            if titles.search(line.text):
                return Authorship(False, None, Evidence(text=line.text, page=line.page))
    return Authorship(True)


# ------------------------------------------------------------------ the letter


def recognise_letter(pdf: PdfText, policy: LetterPolicy) -> Recognised:
    """Whether a readable PDF (not an NEF) is the letter, may be, or is something else."""
    lines = pdf_lines(pdf, policy.ocr_min_confidence)
    sentences = sentences_of(lines)
    return recognise(lines, sentences, read_affirmations(sentences, policy), policy)


def looks_like_letter(pdf: PdfText, policy: LetterPolicy) -> bool:
    """True when the PDF is (or may be) the letter of acknowledgment."""
    if not pdf.ok or not pdf.pages:
        return False
    return recognise_letter(pdf, policy).kind != "other"


def read_letter(
    pdf: PdfText, policy: LetterPolicy, recognised: Recognised | None = None
) -> LetterFacts:
    """Who signed the letter, with what bar number, which affirmations it makes, and
    whether it is the attorney's own."""
    lines = pdf_lines(pdf, policy.ocr_min_confidence)
    sentences = sentences_of(lines)
    affirmations = read_affirmations(sentences, policy)
    if recognised is None:
        recognised = recognise(lines, sentences, affirmations, policy)
    signature = find_signature(lines)
    name = signature.name or name_without_signature(lines, sentences)
    own = authorship(lines, sentences, signature.line_index, policy, signature.name)
    return LetterFacts(
        attorney_name=name if own.own else own.attorney,
        signed=signature.signed,
        signature_evidence=signature.evidence,
        bar_number=find_bar_number(lines, signature.line_index),
        affirmations=tuple(affirmations),
        own_letter=own.own,
        writer=None if own.own else name,
        own_letter_evidence=own.evidence,
        certain=recognised.kind == "letter",
        recognition=recognised.reason,
        scanned=any(page.source == "ocr" for page in pdf.pages),
        text=letter_text(pdf),
    )


# A letter is a page or three; this bounds what a crafted PDF can put on the clerk's page.
LETTER_TEXT_LIMIT = 12_000


def letter_text(pdf: PdfText) -> str | None:
    """The letter's text as read, page by page, for the clerk's page (bounded)."""
    text = "\n\n".join(page.text.strip() for page in pdf.pages if page.text.strip())
    if not text:
        return None
    return text if len(text) <= LETTER_TEXT_LIMIT else text[:LETTER_TEXT_LIMIT] + " …"
