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
    AnswerWords,
    Line,
    Sentence,
    clean_line,
    pdf_lines,
    sentences_of,
    split_sentences,
)
from intake.core.documents.names import PARTICLES, same_person
from intake.core.documents.recognition import Recognised, recognise
from intake.core.documents.statements import read_affirmations
from intake.core.model import Evidence, FactState, LetterFacts, PdfText
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

# Surname particles (names.PARTICLES: "de los Santos", "ter Horst", "Nuno e Silva"), and
# the Irish "Ní" / "Nic" / "Ó".
_NAME_PARTICLES = PARTICLES | _word_set("ní nic ó ua")
# An elided particle written in lower case: "d'Alessandro", "dell'Orto", "l'Estrange".
_ELIDED = re.compile(r"^(?:d|l|dell|dall|degli)['’][A-Z]")
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
# Words of _NOT_NAME_WORDS that are also surnames ("Jude Law", "Ellen Page"): after "/s/",
# where a name is expected, they do not make a line a firm's or an address.
_SURNAME_TOO = _word_set("law page court street bar box best")
_NAME_TOKEN = re.compile(r"^(?:[^\W\d_]\.|[^\W\d_](?:[^\W\d_]|['\-])*\.?)$")

# "/s/ Name", "Electronically signed: Name", and the stamps of signing software:
# "Digitally signed by Name Date: 2026.03.03", "DocuSigned by:", "Signed by: Name".
_SLASH_S = re.compile(
    r"(?:(?:^|(?<=[\s:]))/?s/|\b(?:electronically|digitally|e-)\s?signed(?:\s+by)?\s*:|"
    r"\b(?:digitally|electronically) signed by\b|\bdocu-?signed by\s*:?|^signed by\s*:)\s*(.*)$",
    re.I,
)
# What may follow the name on a signature line: a separator and a role, a date.
_AFTER_NAME = re.compile(
    r"\s+(?:[|\u2013\u2014]|-{1,2})\s+.*$|\s+\d{1,2}/\d{1,2}/\d{2,4}.*$|\s+\d{4}[.-]\d\d[.-]\d\d.*$|"
    r"\s+(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b.*$|"
    r"\s+(?:attorney|counsel|trustee|partner|associate)\b.*$",
    re.I,
)


def _signed_rest(text: str) -> str:
    """The name part of what follows "/s/": "Jane Roe (Cal. Bar No. 1) | Counsel" -> "Jane Roe"."""
    text = re.sub(r"\([^)]*\)?", " ", text)
    text = _NEXT_FIELD.sub("", text)
    # A rule after the name, as typed or as OCR reads a drawn one ("Jane Roe ____", "-_-").
    text = re.sub(r"(?:\s+[-_~=]+)+\s*$", "", text)
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


def looks_like_name(text: str, *, signed: bool = False) -> bool:
    """A person's name: two to six words, capitalized (or particles), no firm/address words.

    `signed`: the text follows "/s/", where a name is expected, so a word that is a
    surname as often as a firm's or an address's ("Law", "Page") does not disqualify it."""
    words = text.replace(",", " ").split()
    if not 2 <= len(words) <= 6:
        return False
    if not words[0][:1].isupper():
        return False
    for position, word in enumerate(words):
        bare = word.lower().rstrip(".")
        if bare == "st" and word[:1].isupper() and position < len(words) - 1:
            continue  # "Mary St. Clair", not "Main St"
        if bare in _NAME_PARTICLES and position > 0:
            continue
        if bare in _NOT_NAME_WORDS and not (signed and bare in _SURNAME_TOO and position > 0):
            return False
        if _ELIDED.match(word):
            continue
        if not _NAME_TOKEN.match(word) or not word[:1].isupper():
            return False
    return True


@dataclass(frozen=True)
class Signature:
    state: FactState
    name: str | None
    evidence: Evidence | None
    line_index: int | None  # where the signature starts, to find its bar number
    reason: str | None = None  # why it is unclear or absent, for the clerk

    @property
    def signed(self) -> bool:
        return self.state is FactState.FOUND


def _name_after(lines: Sequence[Line], start: int, reach: int) -> tuple[int, str] | None:
    seen = 0
    for index in range(start, len(lines)):
        text = lines[index].text
        if not text or _RULE.match(text) or re.fullmatch(r"(?:by|signature)\s*:?", text, re.I):
            continue
        seen += 1
        if seen > reach:
            return None
        name = clean_signed_name(_AFTER_NAME.sub("", text))
        if looks_like_name(name):
            return index, name
    return None


# What stands where a name should be in a template nobody filled in: "[Name]",
# "<Attorney Name>", "Your Name", "NAME OF ATTORNEY", "XXXX", "____".
_PLACEHOLDER = re.compile(
    r"^\W*(?:(?:your|attorney(?:'s)?|typed|printed|print|full|signer(?:'s)?)\s+)?"
    r"(?:full\s+)?name(?:\s+of\s+(?:the\s+)?(?:attorney|signer|counsel))?\W*$|"
    r"^\W*(?:attorney|signature|signer|counsel|name here|sign here)\W*$|"
    r"^\W*x{3,}\W*$|^[\s_.\-]{3,}$|^\[[^\]]*\]$|^<[^>]*>$",
    re.I,
)
# A signature line left blank: "Signature: ________   Date: ______", "By: ______".
_BLANK_LINE = re.compile(r"^(?:(?:attorney(?:'s)?\s+)?signature|signed|by)\s*:?\s*_{3,}", re.I)
# A form's labelled field under a signature line ("Name: Jane Doe", "Date: ...").
_FIELD = re.compile(
    r"^(?:(?:attorney(?:'s)?\s+|printed\s+|print\s+|full\s+|typed\s+)?name|date[d]?|title|firm|"
    r"bar\s+(?:no|number)|e-?mail|phone)\s*:",
    re.I,
)
# A line that is prose, not part of a signature block: the letter's body ends with it.
_PROSE_WORDS = 7
# Lines that may follow a closing and are no signature: copies, enclosures, page numbers.
_AFTER_CLOSE = re.compile(
    r"^(?:cc|bcc|c:|enc(?:l(?:osures?)?)?\.?|attachments?|page \d+(?: of \d+)?|\d+)\b.*$|"
    r"^-\s*\d+\s*-$|^$",
    re.I,
)
# Closing words anywhere in a line: a two-column page may put the closing beside other text.
_CLOSING_INSIDE = re.compile(rf"(?:^|\s){_CLOSING_WORDS}\s*,", re.I)


def _is_placeholder(text: str) -> bool:
    return bool(_PLACEHOLDER.match(text.strip()))


def _found_signature(lines: Sequence[Line]) -> Signature | None:
    """A signature found (`/s/ Name`, a closing over a typed name, a rule over a typed
    name) or, where something other than a name stands at the signature place, one
    that is unclear or a placeholder."""
    doubt: Signature | None = None
    blank: set[int] = set()  # "/s/ ______": an e-signature left unfilled
    for index in range(len(lines) - 1, -1, -1):
        match = _SLASH_S.search(lines[index].text)
        if not match:
            continue
        raw = _signed_rest(match.group(1))
        if raw and _is_placeholder(raw):
            # A typed name under it is the template's printed name, not a signature.
            blank.add(index)
            if doubt is None:
                doubt = Signature(
                    FactState.ABSENT, None, None, index,
                    f"the signature line is not filled in: “{lines[index].text}”",
                )  # fmt: skip
            continue
        rest = clean_signed_name(raw)
        name: str | None = rest if looks_like_name(rest, signed=True) else None
        if name is None:
            # "/s/" alone, or followed by what is no name: the typed name may be below.
            after = _name_after(lines, index + 1, 1)
            name = after[1] if after else None
        if name:
            text = lines[index].text if rest else f"{lines[index].text} {name}"
            evidence = Evidence(text=text, page=lines[index].page)
            return Signature(FactState.FOUND, name, evidence, index)
        if (doubt is None or doubt.state is FactState.ABSENT) and rest:
            doubt = Signature(
                FactState.UNCLEAR, None, None, index,
                f"signed “{lines[index].text}”, which does not read as a name",
            )  # fmt: skip
    for index in range(len(lines) - 1, -1, -1):
        text = lines[index].text
        same_line = _CLOSING_AND_NAME.match(text)
        if same_line and looks_like_name(name := clean_signed_name(same_line.group(1))):
            evidence = Evidence(text=text, page=lines[index].page)
            return Signature(FactState.FOUND, name, evidence, index)
        if _CLOSING.match(text):
            found = _name_after(lines, index + 1, _CLOSING_REACH)
        elif _RULE.match(text) or _BLANK_LINE.match(text):
            found = _name_after(lines, index + 1, _RULE_REACH)
        else:
            continue
        if found and not any(index < b <= found[0] for b in blank):
            at, name = found
            # Show "Very truly yours, Jane Doe" rather than the rule between them.
            start = next(
                (i for i in range(index, max(index - 4, -1), -1) if _CLOSING.match(lines[i].text)),
                index,
            )
            evidence = Evidence(
                text=f"{lines[start].text} {lines[at].text}", page=lines[start].page
            )
            return Signature(FactState.FOUND, name, evidence, start)
    return doubt


def _signature_place(lines: Sequence[Line], scanned: bool) -> Signature:
    """No signature was found: is it surely absent, or may the text just not show it?

    Absent only when nothing stands where the attorney signs: a closing with nothing
    under it, a blank signature line, a placeholder, or a letter that ends with no name
    at all. A pen signature leaves only the typed name, or nothing, in the text: a
    closing over a firm's name, a typed name with no closing, a "Name:" field, a closing
    set beside other text (two columns) may all be a pen-signed letter, and a clerk looks."""
    if scanned:
        return Signature(
            FactState.UNCLEAR, None, None, None,
            "the letter is a scan: a handwritten signature leaves no text to read",
        )  # fmt: skip
    texts = [line.text for line in lines]
    for index in range(len(texts) - 1, -1, -1):
        if _BLANK_LINE.match(texts[index]) or _RULE.match(texts[index]):
            typed = next((t for t in texts[index + 1 :] if t), "")
            if typed and not (_FIELD.match(typed) or _is_placeholder(typed)):
                # Something typed under the line that is no name we can read.
                return Signature(
                    FactState.UNCLEAR, None, None, index,
                    f"under the signature line stands “{typed}”, which does not read as a name",
                )  # fmt: skip
            return Signature(
                FactState.ABSENT, None, None, index,
                f"the signature line is blank: “{texts[index]}”",
            )  # fmt: skip
        if _CLOSING.match(texts[index]):
            under = [t for t in texts[index + 1 :] if not _AFTER_CLOSE.match(t)]
            if not under:
                return Signature(
                    FactState.ABSENT, None, None, index,
                    f"nothing is written under the closing “{texts[index]}”",
                )  # fmt: skip
            if _is_placeholder(under[0]):
                return Signature(
                    FactState.ABSENT, None, None, index,
                    f"under the closing stands a placeholder: “{under[0]}”",
                )  # fmt: skip
            return Signature(
                FactState.UNCLEAR, None, None, index,
                f"under the closing “{texts[index]}” no name reads as a signature "
                f"(“{under[0]}”): the letter may be signed by hand",
            )  # fmt: skip
    prose = [i for i, t in enumerate(texts) if len(t.split()) >= _PROSE_WORDS]
    tail = texts[prose[-1] + 1 :] if prose else texts
    tail = [t for t in tail if t]
    if any(_CLOSING_INSIDE.search(t) for t in texts[-12:]):
        return Signature(
            FactState.UNCLEAR, None, None, None,
            "a closing is set beside other text (columns?): the signature under it cannot be read",
        )  # fmt: skip
    named = [t for t in tail if looks_like_name(clean_signed_name(_NAME_FIELD.sub(r"\1", t)))]
    if named:
        return Signature(
            FactState.UNCLEAR, None, None, None,
            f"the letter ends with the name “{named[-1]}” but no closing, /s/ or signature "
            "line: it may be signed by hand",
        )  # fmt: skip
    hint = _block_hint(texts[-12:])
    if hint:
        return Signature(
            FactState.UNCLEAR, None, None, None,
            f"the letter ends with what may be a signature block (“{hint}”) but no closing, "
            "/s/ or name that reads as a signature",
        )  # fmt: skip
    if tail and all(_is_placeholder(t) for t in tail[-1:]):
        return Signature(
            FactState.ABSENT, None, None, None, f"the letter ends with a placeholder: “{tail[-1]}”"
        )
    return Signature(
        FactState.ABSENT, None, None, None,
        "the letter ends with no signature: no closing, no /s/, no name",
    )  # fmt: skip


# What a signature block holds besides the name: a bar number, "Esq.", a title, contacts.
_BLOCK_MARK = re.compile(
    r"\besq\.?(?:uire)?\b|\b(?:trial |staff |senior |assistant |deputy |special )?"
    r"(?:attorney|counsel)\b(?! general)|@[\w-]+\.\w|"
    r"\(\d{3}\)\s?\d{3}-\d{4}|\b\d{3}[.-]\d{3}[.-]\d{4}\b",
    re.I,
)


def _block_hint(texts: Sequence[str]) -> str | None:
    """A line near the end that shows a signature block (a bar number, "Esq.", a short
    title line, an email or a phone), or that begins or ends with a name: a two-column
    page may run the name into the other column's text."""
    for text in reversed(texts):
        if not text:
            continue
        words = text.split()
        if _BAR_NUMBER.search(text) or (len(words) < _PROSE_WORDS and _BLOCK_MARK.search(text)):
            return text
        for size in (4, 3, 2):
            if len(words) > size and (
                looks_like_name(" ".join(words[:size])) or looks_like_name(" ".join(words[-size:]))
            ):
                return text
    return None


def find_signature(lines: Sequence[Line], scanned: bool = False) -> Signature:
    """The signature: found (the last `/s/ Name`, else the last closing or signature
    rule over a typed name), unclear, or absent (see `_signature_place`)."""
    found = _found_signature(lines)
    if found is not None:
        return found
    if scanned:
        inked = _inked_field(lines) or _inked_name(lines)
        if inked is not None:
            return inked
    return _signature_place(lines, scanned)


def _ink_over(lines: Sequence[Line], index: int) -> bool:
    """A pen stroke over the line: ink OCR read as no words, or a line of junk only."""
    if lines[index].inked:
        return True
    above = [line for line in lines[max(0, index - 3) : index] if line.text][-1:]
    return any(line.doubts and all(line.doubts) for line in above)


def _inked_name(lines: Sequence[Line]) -> Signature | None:
    """On a scan, a typed name after the letter's last sentence with a pen stroke over it
    (a hand signature over the typed name, with no closing or field the text shows)."""
    texts = [line.text for line in lines]
    # The letter's last sentence: a long line that ends one (a title under the name, as
    # long as it may be, ends with no period).
    prose = [
        i
        for i, t in enumerate(texts)
        if len(t.split()) >= _PROSE_WORDS and t.rstrip().endswith((".", "!", "?", ":"))
    ]
    for index in range(len(lines) - 1, prose[-1] if prose else -1, -1):
        name = clean_signed_name(lines[index].text)
        if lines[index].text and looks_like_name(name) and _ink_over(lines, index):
            evidence = Evidence(text=lines[index].text, page=lines[index].page)
            return Signature(FactState.FOUND, name, evidence, index)
    return None


_FIELD_ALONE = re.compile(r"^(?:by|signature|signed)\s*:?$", re.I)


def _inked_field(lines: Sequence[Line]) -> Signature | None:
    """On a scan, a signature field ("By:") whose drawn line OCR has lost, with a typed name
    under it and, on or just over it, ink OCR cannot read as words (every word doubtful):
    the pen stroke. Without that ink the field may be blank: not found here."""
    for index in range(len(lines) - 1, -1, -1):
        if not _FIELD_ALONE.match(lines[index].text):
            continue
        above = [line for line in lines[max(0, index - 3) : index] if line.text][-1:]
        if not any(line.doubts and all(line.doubts) for line in above):
            continue
        found = _name_after(lines, index + 1, _RULE_REACH)
        if found:
            at, name = found
            evidence = Evidence(
                text=f"{lines[index].text} {lines[at].text}", page=lines[index].page
            )
            return Signature(FactState.FOUND, name, evidence, index)
    return None


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
    state: FactState
    attorney: str | None = None  # the attorney a letter on someone's behalf names
    evidence: Evidence | None = None
    reason: str | None = None

    @property
    def own(self) -> bool:
        """Taken for the attorney's own (found, or unclear and left to a clerk)."""
        return self.state is not FactState.ABSENT


_PERSON = r"((?:[A-Z][\w.'-]*\s+){1,3}[A-Z][\w'-]+)"
# The attorney a writer acts for: "on behalf of (attorney) Jane Roe", "for attorney Jane
# Roe", "at the request of Jane Roe", "Paralegal to Jane Roe".
_FOR_NAME = (
    re.compile(
        r"\bon behalf of\s+(?:(?:my|our)\s+(?:employer|supervising attorney|attorney|boss),?\s+)?"
        rf"(?:attorney\s+|counsel\s+|(?:Mr|Ms|Mrs|Dr)\.?\s+)?{_PERSON}"
    ),
    re.compile(rf"\bfor\s+(?:attorney|counsel|(?:Mr|Ms|Mrs|Dr)\.?)\s+{_PERSON}"),
    re.compile(rf"\b(?:request|direction) of\s+(?:attorney\s+|(?:Mr|Ms|Mrs|Dr)\.?\s+)?{_PERSON}"),
    re.compile(rf"\b(?:to|for)\s+(?:attorney\s+)?{_PERSON}"),
)


# Staff named as the attorney's, in the attorney's voice: "my paralegal", "our assistant".
# A copy sent to staff ("cc: Jordan Pike, Paralegal") is no signature either.
_STAFF_MENTION = re.compile(
    r"\b(?:my|our|the firm'?s)\s+(?:\w+\s+)?(?:paralegal|assistant|secretary|staff)\b|"
    r"^\s*(?:cc|bcc|copy(?: to)?)\s*:",
    re.I,
)


# Words of a client's or an office's name, not a person's: "on behalf of Bayview Credit
# Union" is the attorney's client, and the letter the attorney's own.
_ORGANISATION_WORDS = _word_set(
    """union bank bancorp corporation corp company co inc llc llp lp ltd association trust
    credit capital partners financial finance lending loan loans services service holdings
    fund funding mortgage insurance properties realty investments ventures enterprises
    industries systems county city department agency administration committee board
    authority university college hospital church foundation estate debtor creditor"""
)


# "On behalf of" a client or an office: a run of capitalized words holding one of them.
_FOR_CLIENT = re.compile(
    r"\b[Oo]n behalf of\s+(?:the\s+)?(?:[A-Z][\w.'&-]*,?\s+){0,5}(?i:"
    + "|".join(sorted(_ORGANISATION_WORDS))
    + r")\b"
)


def _acting_for(text: str, patterns: Sequence[re.Pattern[str]]) -> str | None:
    """The person `text` says the writer acts for, if it names one (not a client or an
    office)."""
    for pattern in patterns:
        for match in pattern.finditer(text):
            name = clean_signed_name(match.group(1))
            words = {w.lower().strip(".,") for w in name.split()}
            if looks_like_name(name) and not words & _ORGANISATION_WORDS:
                return name
    return None


def authorship(
    lines: Sequence[Line],
    sentences: Sequence[Sentence],
    signature_at: int | None,
    policy: LetterPolicy,
    signer: str | None = None,
) -> Authorship:
    """Whether the letter is the attorney's own.

    Absent (not the attorney's own, told to the attorney) only when it is plain: a letter
    written for the attorney ("on behalf of", "for attorney X", "at the request of") and
    signed by someone else: a signer who is not the attorney it names, or who signs as
    staff (a paralegal, a legal assistant, an office manager). Any sign of it that falls
    short of that (a mention of acting for someone, a staff title under the signature
    with no one named) is unclear: a clerk reads the letter."""
    rec = policy.recognition
    pattern = (
        re.compile("|".join(f"(?:{p})" for p in rec.on_behalf), re.I) if rec.on_behalf else None
    )
    titles = (
        re.compile("|".join(f"(?:{p})" for p in rec.staff_titles), re.I)
        if rec.staff_titles
        else None
    )
    acting: Sentence | None = None
    named: str | None = None
    for sentence in sentences:
        if pattern and pattern.search(sentence.text):
            attorney = _acting_for(sentence.text, _FOR_NAME[:3])
            if attorney and signer and same_person(attorney, signer):
                continue  # "a waiver for attorney Jane Roe", signed by Jane Roe: her own
            if attorney is None and _FOR_CLIENT.search(sentence.text):
                continue  # "on behalf of Bayview Credit Union", the attorney's client
            acting, named = sentence, attorney
            break
    staff: Line | None = None
    if signature_at is not None and titles:
        # A title in the block itself ("Jordan Pike, Paralegal"), not a sentence after it
        # that names the attorney's staff ("P.S. My paralegal will send the NEFs.").
        block = lines[signature_at : signature_at + 6]
        staff = next(
            (
                line
                for line in block
                if titles.search(line.text)
                and len(line.text.split()) < _PROSE_WORDS
                and not _STAFF_MENTION.search(line.text)
            ),
            None,
        )
    if staff is not None:
        named = named or _acting_for(staff.text, _FOR_NAME)
    says_staff = bool(acting and titles and titles.search(acting.text))
    other_signer = bool(named and signer and not same_person(named, signer))
    if acting is not None and (other_signer or staff is not None or says_staff):
        as_staff = staff is not None or says_staff
        who = "signed by a member of staff" if as_staff else f"signed by {signer}"
        return Authorship(
            FactState.ABSENT,
            named,
            Evidence(text=acting.text, page=acting.page),
            f"written for {named or 'the attorney'} and {who}",
        )
    if staff is not None and named and not (signer and same_person(named, signer)):
        return Authorship(
            FactState.ABSENT,
            named,
            Evidence(text=staff.text, page=staff.page),
            f"signed by a member of staff for {named}",
        )
    if acting is not None:
        return Authorship(
            FactState.UNCLEAR,
            None,
            Evidence(text=acting.text, page=acting.page),
            "the letter speaks of writing for someone, but is not plainly signed by another person",
        )
    if staff is not None:
        return Authorship(
            FactState.UNCLEAR,
            None,
            Evidence(text=staff.text, page=staff.page),
            "a staff title stands in the signature block",
        )
    return Authorship(FactState.FOUND)


# ------------------------------------------------------------------ the letter


def answer_words(policy: LetterPolicy) -> AnswerWords:
    """The policy's words that label a form's drawn answer boxes."""
    return AnswerWords(
        yes=frozenset(w.lower() for w in policy.scope.answer_yes),
        no=frozenset(w.lower() for w in policy.scope.answer_no),
    )


def recognise_letter(pdf: PdfText, policy: LetterPolicy) -> Recognised:
    """Whether a readable PDF (not an NEF) is the letter, may be, or is something else."""
    lines = pdf_lines(
        pdf, policy.ocr_min_confidence, answer_words(policy), policy.ocr_min_word_confidence
    )
    sentences = sentences_of(lines)
    name = _attorney_name(pdf, lines, sentences)
    return recognise(lines, sentences, read_affirmations(sentences, policy, name), policy)


def _attorney_name(
    pdf: PdfText, lines: Sequence[Line], sentences: Sequence[Sentence]
) -> str | None:
    """The signer's name, else the attorney's name from elsewhere in the letter."""
    scanned = any(page.source == "ocr" for page in pdf.pages)
    return find_signature(lines, scanned).name or name_without_signature(lines, sentences)


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
    lines = pdf_lines(
        pdf, policy.ocr_min_confidence, answer_words(policy), policy.ocr_min_word_confidence
    )
    sentences = sentences_of(lines)
    scanned = any(page.source == "ocr" for page in pdf.pages)
    signature = find_signature(lines, scanned)
    name = signature.name or name_without_signature(lines, sentences)
    # The attorney's own name may be the speaker: "Ms. Doe has read ...", signed Jane Doe.
    affirmations = read_affirmations(sentences, policy, name)
    if recognised is None:
        recognised = recognise(lines, sentences, affirmations, policy)
    own = authorship(lines, sentences, signature.line_index, policy, signature.name)
    return LetterFacts(
        attorney_name=name if own.own else own.attorney,
        signed=signature.signed,
        signature=signature.state,
        signature_reason=signature.reason,
        authorship=own.state,
        authorship_reason=own.reason,
        signature_evidence=signature.evidence,
        bar_number=find_bar_number(lines, signature.line_index),
        affirmations=tuple(affirmations),
        own_letter=own.own,
        writer=None if own.own else name,
        own_letter_evidence=own.evidence,
        certain=recognised.kind == "letter",
        recognition=recognised.reason,
        scanned=scanned,
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
