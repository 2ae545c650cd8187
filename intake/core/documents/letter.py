"""The letter of acknowledgment: is this PDF one, who signed it, what does it affirm. Pure.

The affirmations and the wording that recognizes a letter are the court's policy
(`rules/letter.toml`); this module only turns PDF text into sentences a wording can be
matched against, and reads the signature.

PDF text is not prose: lines are broken mid-sentence, words are hyphenated at line ends,
list items carry bullets or numbers, and letterheads, addresses and signature blocks are
lines without punctuation. `split_sentences` joins wrapped lines (a line much shorter than
a full line of the body, a line ending in a colon, a header line "Re: ..." or a bare link
ends a block; a bullet or number starts one), undoes end-of-line hyphenation, and splits
blocks at sentence ends that are not abbreviations ("L.R.", "U.S.", "No.", initials). A
list item remembers the lead-in that introduced it ("I affirm that:"), so "1. Have read
and will comply with..." is read as the attorney's own statement.

What counts as signed (what a clerk accepts on a letter sent by email):
- a `/s/ Name` line (the court's electronic signature), or
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
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from intake.core.model import Affirmation, Evidence, LetterFacts, PdfText
from intake.core.policy.rules import LetterPolicy, Wording

# ------------------------------------------------------------------ text clean-up


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\ufeff": "",
        "\t": " ",
    }
)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def clean_line(line: str) -> str:
    """Compatibility forms folded (ligatures, wide characters, no-break spaces),
    typographic quotes and dashes made plain, control characters (a bullet glyph may
    come out as one) dropped, white space folded."""
    text = unicodedata.normalize("NFKC", line).translate(_CHAR_MAP).rstrip()
    if text.endswith("\u00ad"):
        text = text[:-1] + "-"  # a soft hyphen at the line end: a word broken here
    text = _CONTROL.sub("", text.replace("\u00ad", ""))
    return " ".join(text.split())


# ------------------------------------------------------------------ lines

_PAGE_NUMBER = re.compile(r"^(?:page\s*\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?|-\s*\d{1,3}\s*-)$", re.I)
# A bare number: a page number at the top or bottom of a page, a list marker elsewhere
# (some extractions print "1" and the item's text as separate lines or without a dot).
_BARE_NUMBER = re.compile(r"^\d{1,3}(?:\s+(?=[A-Z])|$)")
# Bullets as extracted: symbols, private-use glyphs of symbol fonts, pdfplumber's
# "(cid:127)" for a glyph without a character, Word's "o" for a second-level bullet.
_BULLET = re.compile(r"^(?:[•◦▪▫●○■□‣⁃∙·*>\-]|[\ue000-\uf8ff]|\(cid:\d+\)|o(?=\s+[A-Z]))\s*")
_NUMBER_MARK = re.compile(
    r"^(?:\(?\d{1,2}[.)]|\(\d{1,2}\)|\(?[a-h][.)]|\([a-h]\)|\((?:i{1,3}|iv|vi{0,3}|ix|x)\))(?:\s+|$)"
)
_ENDS_BLOCK = re.compile(r"[:]$")
# A letter's or an email's header line, a bare link or address, stands alone however long.
_HEADER_LINE = re.compile(
    r"^(?:re|subject|regarding|attn|attention|to|from|sent|date|cc)\s*:|"
    r"^(?:https?://|www\.)\S+$|^\S+@\S+$",
    re.I,
)


@dataclass(frozen=True)
class Line:
    text: str
    page: int


def pdf_lines(pdf: PdfText) -> list[Line]:
    """The cleaned lines of every page, blank lines kept as paragraph breaks, page
    numbers ("Page 2 of 3", "- 2 -", a bare number as the page's first or last line)
    dropped."""
    out: list[Line] = []
    for page in pdf.pages:
        lines = [clean_line(raw) for raw in page.text.splitlines()]
        filled = [i for i, text in enumerate(lines) if text]
        edges = {filled[0], filled[-1]} if filled else set()
        for index, text in enumerate(lines):
            if _PAGE_NUMBER.match(text) or (index in edges and text.isdigit()):
                continue
            out.append(Line(text, page.number))
    return out


def _marker(text: str, previous: str) -> re.Match[str] | None:
    """The list marker that starts `text`, if it starts a list item.

    A bare number ("1 I have read") only counts after a line that ends a sentence or a
    lead-in, and "(a)" after "Civil L.R. 11-1" is the rule's subsection, not an item."""
    mark = _NUMBER_MARK.match(text) or _BULLET.match(text)
    if mark and mark.group(0).startswith("(") and previous[-1:].isdigit():
        return None
    if mark is None and (not previous or previous.endswith((".", ":", ";"))):
        mark = _BARE_NUMBER.match(text)
    return mark


# ------------------------------------------------------------------ blocks


@dataclass
class _Block:
    lines: list[str]
    page: int
    is_item: bool

    @property
    def text(self) -> str:
        """The block's lines joined, undoing hyphenation at the breaks."""
        out = [self.lines[0]]
        for line in self.lines[1:]:
            tail = out[-1][-2:]
            if len(tail) == 2 and tail[1] == "-" and tail[0].isalpha() and line[:1].islower():
                out[-1] = out[-1][:-1]  # "proce-" + "dures"
            elif not (
                (tail[-1:] == "-" and tail[:1].isdigit() and line[:1].isdigit())  # "11-" "1(a)"
                or tail[-1:] == "/"  # "CM/" + "ECF"
            ):
                out.append(" ")
            out.append(line)
        return "".join(out)


def _text_width(lines: Sequence[Line]) -> int:
    """The length of a full line of the body text: the 90th percentile of line lengths,
    so that one long URL or a run of short address lines does not set it."""
    lengths = sorted(len(line.text) for line in lines if line.text)
    return lengths[int((len(lengths) - 1) * 0.9)] if lengths else 0


def _blocks(lines: Sequence[Line]) -> list[_Block]:
    """Paragraphs, list items and stand-alone lines (headings, addresses, signatures)."""
    width = _text_width(lines)
    # A line shorter than this that does not end a word mid-sentence is a line of its
    # own (a heading, an address line) or a paragraph's last line.
    short = width * 0.6 if width >= 40 else 0
    blocks: list[_Block] = []
    current: _Block | None = None
    previous = ""
    pending_item = False  # a marker alone on its line ("1." then the text below)
    for line in lines:
        text = line.text
        if not text:
            current, previous = None, ""
            continue
        mark = _marker(text, previous)
        if mark:
            body = text[mark.end() :].strip()
            if not body:
                pending_item, current, previous = True, None, ""
                continue
            current = _Block([body], line.page, is_item=True)
            blocks.append(current)
            previous = body
            continue
        continues = (
            current is not None
            and not _ENDS_BLOCK.search(previous)
            and not _HEADER_LINE.match(previous)
            and not _HEADER_LINE.match(text)
            and not (len(previous) < short and not previous.endswith(("-", "/")))
        )
        if current is not None and continues:
            current.lines.append(text)
        else:
            current = _Block([text], line.page, is_item=pending_item)
            blocks.append(current)
        pending_item = False
        previous = text
    return blocks


# ------------------------------------------------------------------ sentences

# Words that end with a period without ending a sentence (case-insensitive): they come
# before what completes them ("No. 12", "Civ. L.R.", "Mr. Roe"). Words that close a name
# ("Inc.", "Corp.", "Esq.", "Jr.") are left out: before a capital they end the sentence
# more often than not ("...In re Acme Corp. My login...").
ABBREVIATIONS = _word_set(
    """mr mrs ms dr no nos st ave blvd ste rd civ bankr fed cal calif gen ord v vs sec art
    para pp p seq cf hon atty rev dept approx e.g i.e viz jan feb mar apr jun jul aug sep
    sept oct nov dec r l"""
)
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9/])")
_INLINE_ITEM = re.compile(
    r"(?:(?<=[,;:.])|^)\s*(?:and\s+|or\s+)?\((?:\d{1,2}|[a-h]|i{1,3}|iv|vi{0,3}|ix|x)\)\s+"
)


@dataclass(frozen=True)
class Sentence:
    text: str
    page: int
    lead_in: str | None = None  # the "I affirm that:" a list item hangs from


def _is_abbreviation(text: str, period: int) -> bool:
    word = text[text.rfind(" ", 0, period) + 1 : period].lstrip("(\"'")
    if not word:
        return False
    bare = word.lower()
    # Initials and dotted abbreviations: "A.", "U.S.", "L.R.", "N.D."
    return bare in ABBREVIATIONS or bool(re.fullmatch(r"(?:[^\W\d_]\.)*[^\W\d_]", word))


def _split_sentences(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        if text[end.start()] == "." and _is_abbreviation(text, end.start()):
            continue
        out.append(text[start : end.end()].strip())
        start = end.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def _segments(text: str) -> list[tuple[str, bool]]:
    """A block cut at inline enumerators: "...that: (1) I have read...; (2) I am..."."""
    cuts = list(_INLINE_ITEM.finditer(text))
    if not cuts:
        return [(text, False)]
    pieces = [(text[: cuts[0].start()], False)]
    for here, after in zip(cuts, [*cuts[1:], None], strict=True):
        pieces.append((text[here.end() : after.start() if after else len(text)], True))
    return [(p.strip(), item) for p, item in pieces if p.strip()]


def split_sentences(pdf: PdfText) -> list[Sentence]:
    """The PDF's text as sentences, in reading order, each with its page."""
    sentences: list[Sentence] = []
    lead_in: str | None = None
    for block in _blocks(pdf_lines(pdf)):
        if not block.is_item:
            lead_in = None
        for text, inline_item in _segments(block.text):
            own_lead_in = lead_in if (block.is_item or inline_item) else None
            parts = _split_sentences(text)
            for part in parts:
                sentences.append(Sentence(part, block.page, own_lead_in))
            if not (block.is_item or inline_item) and parts and parts[-1].endswith((":", "that")):
                lead_in = parts[-1]
    return sentences


# ------------------------------------------------------------------ wordings


@lru_cache(maxsize=4096)
def _any_of(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern that finds any of `phrases` (one search instead of one per phrase)."""
    if not phrases:
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in phrases), re.IGNORECASE)
    except re.error:
        # A phrase with a global flag ("(?x)...") cannot sit inside an alternation;
        # the loader checked that each compiles alone, so they are searched one by one.
        return None


def _finds(phrases: tuple[str, ...], text: str) -> bool:
    combined = _any_of(phrases)
    if combined is not None:
        return combined.search(text) is not None
    return any(re.search(p, text, re.IGNORECASE) for p in phrases)


def passage_matches(text: str, wording: Wording) -> bool:
    """Every group of `wording` has a phrase in `text`, and no veto phrase is there."""
    return all(_finds(group, text) for group in wording.all_of) and not (
        wording.none_of and _finds(wording.none_of, text)
    )


class _GroupHits:
    """Which sentences (and lead-ins) hold a phrase of a group, searched once each.

    A window of sentences has a group when one of its sentences (or their lead-ins)
    does, so each sentence is searched once per group however many windows and
    wordings look at it: a long PDF stays linear."""

    def __init__(self, sentences: Sequence[Sentence]) -> None:
        self._sentences = sentences
        self._memo: dict[tuple[tuple[str, ...], str], bool] = {}

    def _text(self, group: tuple[str, ...], text: str) -> bool:
        key = (group, text)
        if key not in self._memo:
            self._memo[key] = _finds(group, text)
        return self._memo[key]

    def in_window(self, group: tuple[str, ...], window: Sequence[Sentence]) -> bool:
        return any(self._text(group, s.text) for s in window) or any(
            self._text(group, s.lead_in) for s in window if s.lead_in
        )


def find_wording(sentences: Sequence[Sentence], wordings: Iterable[Wording]) -> Evidence | None:
    """The first passage that a wording matches: single sentences first, then windows
    of consecutive sentences (up to each wording's `window`)."""
    wordings = tuple(wordings)
    hits = _GroupHits(sentences)
    for size in range(1, max((w.window for w in wordings), default=1) + 1):
        for start in range(len(sentences) - size + 1):
            window = sentences[start : start + size]
            own = " ".join(s.text for s in window)
            lead_ins = " ".join(dict.fromkeys(s.lead_in for s in window if s.lead_in))
            for wording in wordings:
                if size > wording.window:
                    continue
                if not all(hits.in_window(group, window) for group in wording.all_of):
                    continue
                if wording.none_of and _finds(wording.none_of, f"{lead_ins} {own}"):
                    continue
                return Evidence(text=own, page=window[0].page)
    return None


def looks_like_letter(pdf: PdfText, policy: LetterPolicy) -> bool:
    """True when the PDF reads as a letter about CM/ECF access / the training waiver."""
    if not pdf.ok or not pdf.pages:
        return False
    return find_wording(split_sentences(pdf), policy.recognized_by) is not None


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

_SLASH_S = re.compile(r"(?:^|(?<=[\s:]))/?s/\s*(.*)$", re.I)
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
        rest = clean_signed_name(match.group(1))
        name: str | None = rest if looks_like_name(rest) else None
        if not rest:
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


# ------------------------------------------------------------------ the letter


def read_letter(pdf: PdfText, policy: LetterPolicy) -> LetterFacts:
    """Who signed the letter, with what bar number, and which affirmations it makes."""
    lines = pdf_lines(pdf)
    sentences = split_sentences(pdf)
    signature = find_signature(lines)
    name = signature.name or name_without_signature(lines, sentences)
    affirmations = []
    for rule in policy.affirmations:
        evidence = find_wording(sentences, rule.wordings)
        affirmations.append(Affirmation(id=rule.id, found=evidence is not None, evidence=evidence))
    return LetterFacts(
        attorney_name=name,
        signed=signature.signed,
        signature_evidence=signature.evidence,
        bar_number=find_bar_number(lines, signature.line_index),
        affirmations=tuple(affirmations),
    )
