"""A letter's PDF text → the clauses its statements are made in. Pure.

PDF text is not prose: lines are broken mid-sentence, words are hyphenated at line ends,
list items carry bullets, numbers or check boxes (or nothing, when the bullet was drawn
as a shape), every page may repeat a letterhead or a footer, and page 2 often starts
with a continuation header (addressee, date, "Page 2") in the middle of a sentence.

The steps, each a function below:
1. `pdf_lines`: cleaned lines of every page, page-edge lines removed (page numbers,
   lines repeated at the top or bottom of several pages, a continuation header on a
   later page made of page-1 lines, dates and "Page N").
2. `_blocks`: wrapped lines joined into paragraphs, list items and stand-alone lines;
   a check box before an item is remembered, ticked or not.
3. `split_sentences`: blocks cut at sentence ends that are not abbreviations ("L.R.",
   "U.S.", "No.", initials), and at inline enumerators ("...that: (1) I have read...;
   (2) I am..."). A block ending in ":" (or "that") is a lead-in: it governs the items
   under it, with or without a bullet glyph, until a paragraph that is not an item.
4. `clauses`: sentences cut at ";", ", but", ", and I ...", so that a statement's
   parts must sit in one clause to be tied together.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from intake.core.model import DrawnBox, PageText, PdfText


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# ------------------------------------------------------------------ text clean-up

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


# ------------------------------------------------------------------ lines and page edges

_PAGE_NUMBER = re.compile(
    r"^(?:page\s*\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?|-\s*\d{1,3}\s*-|\d{1,3}\s*/\s*\d{1,3})$", re.I
)
_PAGE_MENTION = re.compile(r"\bpage\s*\d{1,3}(?:\s*(?:of|/)\s*\d{1,3})?\b", re.I)
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE_LINE = re.compile(
    rf"^(?:dated:?\s*)?(?:(?:{_MONTHS})\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})\.?$",
    re.I,
)
_CONTINUED = re.compile(r"^\(?(?:continued|cont(?:'d|\.))\)?$", re.I)
_EDGE_REACH = 6  # how many lines at a later page's top may be its continuation header


@dataclass(frozen=True)
class Line:
    text: str
    page: int
    ocr_doubt: bool = False  # OCR text read with less confidence than the policy asks
    # Per word of `text` (split at white space): OCR read it with less confidence than the
    # policy asks of a word. Empty when not known (a text layer, or `ocr_doubt` alone).
    doubts: tuple[bool, ...] = ()
    inked: bool = False  # OCR: a pen stroke over the line (`PageText.inked_lines`)


def _edge_key(text: str) -> str:
    """A line as repeated on every page: case and digits (page numbers) ignored."""
    return re.sub(r"\d+", "#", _PAGE_MENTION.sub("", text.lower())).strip(" -|,")


def _edge_indexes(pages: Sequence[list[str]]) -> list[set[int]]:
    """Per page, the indexes of its page-edge lines.

    A line repeated on several pages (a letterhead, a footer: text extraction may put a
    footer anywhere in the page's text) is an edge wherever it sits. At the top of a
    later page, a continuation header is dropped too: its lines up to the last one that
    is surely an edge ("Page 2", a date, a page-1 line such as the addressee)."""
    keys = [[_edge_key(t) for t in page] for page in pages]
    on_pages: Counter[str] = Counter()
    for page_keys in keys:
        on_pages.update({k for k in page_keys if len(k) > 2})
    page_one = {k for k in keys[0] if k} if keys else set()
    out: list[set[int]] = []
    for number, (page, page_keys) in enumerate(zip(pages, keys, strict=True)):
        filled = [i for i, t in enumerate(page) if t]
        edges = {
            i
            for i in filled
            if _PAGE_NUMBER.match(page[i]) or (len(pages) > 1 and on_pages[page_keys[i]] > 1)
        }
        if filled and page[filled[0]].isdigit():
            edges.add(filled[0])
        if filled and page[filled[-1]].isdigit():
            edges.add(filled[-1])
        if number > 0:
            top = filled[:_EDGE_REACH]
            sure = [
                i
                for i in top
                if i in edges
                or _DATE_LINE.match(page[i])
                or _CONTINUED.match(page[i])
                or (_PAGE_MENTION.search(page[i]) and len(page[i]) <= 80)
                or (page_keys[i] in page_one and len(page[i]) <= 60)
            ]
            if sure:
                last = max(sure)
                edges.update(
                    i
                    for i in top
                    if i <= last
                    and (i in sure or (len(page[i]) <= 60 and not page[i].endswith(".")))
                )
        out.append(edges)
    return out


_DRAWN_KEY = 24  # how much of a drawn box's line is matched to find the line
_ROW_SLACK = 4.0  # boxes whose tops are this close (points) sit on one row


@dataclass(frozen=True)
class AnswerWords:
    """The words that label a form's answer boxes (`rules/letter.toml`): a box labelled
    with one of `yes` answers yes; one labelled with one of `no` ("No", "Disagree",
    "N/A") answers anything else."""

    yes: frozenset[str] = frozenset({"yes"})
    no: frozenset[str] = frozenset({"no"})

    def of(self, word: str) -> str | None:
        bare = word.strip(" .,:;()[]*").lower()
        return "yes" if bare in self.yes else "no" if bare in self.no else None


# A row whose boxes cannot be read (their labels or marks are not settled), written at
# the row's end so that its item is unclear, whatever else it shows (`_blocks`).
UNSEEN_MARK = "⍰"


def _rows(boxes: Sequence[DrawnBox]) -> list[list[DrawnBox]]:
    """The boxes grouped by the row they sit on, top to bottom, each row left to right."""
    rows: list[list[DrawnBox]] = []
    for box in sorted(boxes, key=lambda b: (-b.top, b.left)):
        if rows and rows[-1][0].row and abs(rows[-1][0].top - box.top) <= _ROW_SLACK:
            rows[-1].append(box)
        else:
            rows.append([box])
    return [sorted(row, key=lambda b: b.left) for row in rows]


def _labels(row: Sequence[DrawnBox], words: AnswerWords) -> tuple[list[str], list[str]] | None:
    """Each box's answer ("yes" / "no") and the words of the row that label them, when
    one reading settles them all: the column headers over the boxes, or the word after
    (or before) every box; None when no box is labelled; ([], []) when unsettled."""
    readings: list[tuple[list[str], list[str]]] = []
    partly = False
    for texts, in_row in (
        ([b.above for b in row], False),
        ([b.after for b in row], True),
        ([b.before for b in row], True),
    ):
        answers = [words.of(t) if len(t.split()) == 1 else None for t in texts]
        if all(answers):
            readings.append(([a or "" for a in answers], texts if in_row else []))
        partly = partly or any(answers)
    if not readings:
        return ([], []) if partly else None
    if len({tuple(r[0]) for r in readings}) != 1:
        return [], []  # the headers say one thing, the words beside the boxes another
    return readings[0]


def _strip_labels(text: str, labels: Sequence[str]) -> tuple[str, str]:
    """A row's text without its boxes' label words at its start or its end, and the
    words removed from the start."""
    words = text.split()
    n = len(labels)
    bare = [w.strip(" .,:;()[]*").lower() for w in words]
    wanted = [w.strip(" .,:;()[]*").lower() for w in labels]
    if n and bare[:n] == wanted:
        return " ".join(words[n:]), " ".join(words[:n])
    if n and bare[-n:] == wanted:
        return " ".join(words[:-n]), ""
    return text, ""


def _row_answer(row: Sequence[DrawnBox], answers: Sequence[str]) -> str:
    """A row of labelled boxes as the text pair reader reads it: " Yes [X] No [ ]" when
    its yes box alone is marked, " Yes [ ] No [X]" when only another is, " Yes [ ] No [ ]"
    when none is; unseen when it has no one yes box or both a yes and another marked."""
    yes = [b.ticked for b, a in zip(row, answers, strict=True) if a == "yes"]
    other = any(b.ticked for b, a in zip(row, answers, strict=True) if a != "yes")
    if len(yes) != 1 or (yes[0] and other):
        return " " + UNSEEN_MARK
    return " Yes [X] No [ ]" if yes[0] else (" Yes [ ] No [X]" if other else " Yes [ ] No [ ]")


def _row_line(out: list[str], used: set[int], statement: str, labels: Sequence[str]) -> int | None:
    """The index of the text line a row's statement starts (or is) on: the line that
    holds its first words, or (a short one) the line that is its words and labels."""
    whole = clean_line(statement)
    key = whole[:_DRAWN_KEY]
    for i, t in enumerate(out):
        if i in used:
            continue
        if len(key) >= 12 and len(key.split()) >= 3 and key in t:
            return i
        if len(key) >= 4 and _strip_labels(t, labels)[0] == whole:
            return i
    return None


def _with_drawn_boxes(
    lines: list[str], boxes: Sequence[DrawnBox], words: AnswerWords = AnswerWords()
) -> list[str]:
    """A check box drawn as a shape written before its line as the glyph it is ("☒" when
    ticked, "☐" when empty), so that the form is read item by item as a glyph form is.

    A row of boxes labelled as answers (a "Yes" and a "No" column, by their headers or
    the word beside each box) is written as the text pair it stands for, at its line's
    end (" Yes [X] No [ ]"), for the pair reader to decide; a row of several boxes whose
    labels or marks do not settle its answer is marked unseen: a clerk reads it."""
    out = list(lines)
    used: set[int] = set()
    for row in _rows(boxes):
        labelled = _labels(row, words)
        if labelled is None and len(row) == 1:
            _single_box(out, used, row[0])
            continue
        answers, in_row = labelled or ([], [])
        labels = in_row if in_row else []
        statement, lead = _strip_labels(clean_line(row[0].row or row[0].line), labels)
        at = _row_line(out, used, statement, labels)
        if at is None:
            continue
        used.add(at)
        text = out[at]
        if lead and text.startswith(lead):
            text = text[len(lead) :].lstrip()
        text, _ = _strip_labels(text, labels) if labels else (text, "")
        suffix = " " + UNSEEN_MARK if not answers else _row_answer(row, answers)
        out[at] = text + suffix
    return out


def _single_box(out: list[str], used: set[int], box: DrawnBox) -> None:
    """One box on its row, without an answer label: its glyph before its line."""
    key = clean_line(box.line)[:_DRAWN_KEY]
    # A box beside "Yes" or "No" is an answer column's, not a statement's: the line
    # must be the statement's own words, found at (or just after) its start.
    if len(key) < 12 or len(key.split()) < 3:
        return
    at = next((i for i, t in enumerate(out) if i not in used and 0 <= t.find(key) <= 4), None)
    if at is None or _BOX.match(out[at]):
        return
    used.add(at)
    out[at] = ("☒ " if box.ticked else "☐ ") + out[at]


def _word_doubts(page: PageText, min_word: float) -> list[tuple[bool, ...]] | None:
    """Per line of an OCR page, per word of its cleaned text: read with less confidence
    than `min_word`. None when the page's word confidences are not known."""
    raw_lines = page.text.splitlines()
    confidences = page.word_confidences
    if not confidences or len(confidences) != len(page.text.split()):
        return None
    out: list[tuple[bool, ...]] = []
    at = 0
    for raw in raw_lines:
        mine = confidences[at : at + len(raw.split())]
        at += len(mine)
        words = len(clean_line(raw).split())
        if words == len(mine):
            out.append(tuple(c < min_word for c in mine))
        else:  # cleaning joined or dropped a word: the line is as sure as its worst word
            out.append((min(mine, default=1.0) < min_word,) * words)
    return out


def pdf_lines(
    pdf: PdfText,
    ocr_min_confidence: float = 0.0,
    answers: AnswerWords = AnswerWords(),
    ocr_min_word_confidence: float | None = None,
) -> list[Line]:
    """The cleaned lines of every page, blank lines kept as paragraph breaks, page-edge
    lines dropped, so that a sentence broken by a page turn reads whole. A check box
    the PDF drew as a shape is put before its line as its glyph.

    An OCR page is doubtful as a whole when its mean confidence is under
    `ocr_min_confidence`, unless `ocr_min_word_confidence` is given and the page's word
    confidences are known: then each word is judged (`Line.doubts`), and a statement
    is doubtful only when a word of its own sentence is."""
    pages = [
        _with_drawn_boxes([clean_line(raw) for raw in page.text.splitlines()], page.boxes, answers)
        for page in pdf.pages
    ]
    edges = _edge_indexes(pages)
    out: list[Line] = []
    for page, lines, edge in zip(pdf.pages, pages, edges, strict=True):
        doubt = page.source == "ocr" and (page.confidence or 0.0) < ocr_min_confidence
        words = (
            _word_doubts(page, ocr_min_word_confidence)
            if page.source == "ocr" and ocr_min_word_confidence is not None
            else None
        )
        inked = set(page.inked_lines)
        for index, text in enumerate(lines):
            if index not in edge:
                flags = words[index] if words is not None else ()
                line_doubt = doubt if words is None else False
                out.append(Line(text, page.number, line_doubt, flags, index in inked))
    return out


# ------------------------------------------------------------------ blocks

# A bare number: a list marker (some extractions print "1" and the item as one line).
_BARE_NUMBER = re.compile(r"^\d{1,3}(?:\s+(?=[A-Z])|$)")
# Bullets as extracted: symbols, private-use glyphs of symbol fonts, pdfplumber's
# "(cid:127)" for a glyph without a character, Word's "o" for a second-level bullet.
_BULLET = re.compile(r"^(?:[•◦▪▫●○■‣⁃∙·*>\-–]|[\ue000-\uf8ff]|\(cid:\d+\)|o(?=\s+[A-Z]))\s*")
# Check boxes: empty ("☐", "[ ]", "( )", "□", a blank "____" for initials) or ticked
# ("☒", "☑", "[X]", "✓").
_BOX = re.compile(
    r"^(?:(?P<empty>[☐□❑❒]|\[\s?\]|\(\s?\)|_{3,}(?=\s*\w))|(?P<ticked>[☒☑✓✔✗✘]|\[\s?[xX✓✔]\s?\]|\(\s?[xX]\s?\)))\s*"
)
_NUMBER_MARK = re.compile(
    r"^(?:\(?\d{1,2}[.)]|\(\d{1,2}\)|\(?[a-h][.)]|\([a-h]\)|\((?:i{1,3}|iv|vi{0,3}|ix|x)\)|"
    r"(?:i{1,3}|iv|vi{0,3})\.)(?:\s+|$)"
)
# A letter's or an email's header line, a bare link or address, stands alone however long.
_HEADER_LINE = re.compile(
    r"^(?:re|subject|regarding|attn|attention|to|from|sent|date|cc)\s*:|"
    r"^(?:https?://|www\.)\S+$|^\S+@\S+$",
    re.I,
)
# A line that does not end with one of these words (or a comma) may end an item whose
# bullet was drawn: "I have read the ECF Procedures" then "I am familiar with ...".
_CONTINUING_END = re.compile(
    r"(?:[,\-/(]|\b(?:and|or|that|the|a|an|of|to|with|for|by|in|under|my|which|who|as|will|"
    r"have|has|am|is|are|be|been|not|this|these|its|their|our|your|any|all|each|on|at|from))$",
    re.I,
)
_ENDS_WITH_INITIALS = re.compile(r"[.;]\s+(?:_{3,}\s*)?(?:[A-Z]\.?){2,4}$")
_ANSWER = re.compile(r"^(?:yes|no|agreed|confirmed|true|false)\.?$", re.I)
_TRAILING_ANSWER = re.compile(r"^(.*[.;])\s+(yes|no|agreed|confirmed|true|false)\.?$", re.I)
# A Yes / No pair of boxes beside a row ("... Yes [ ] No [X]", "[X] Yes [ ] No"), on the
# row's line or on a line of its own under it: the ticked one is the answer.
_PAIR_BOX = (
    r"(\[\s?[xX\u2713\u2714]?\s?\]|\(\s?[xX]?\s?\)|"
    r"[\u2610\u2612\u2611\u25a1\u25a0\u2713\u2714\u2717\u2718])"
)
_ANSWER_PAIR = re.compile(
    rf"(?:^|\s)(?:(yes|no)\s*:?\s*{_PAIR_BOX}\s*(yes|no)\s*:?\s*{_PAIR_BOX}|"
    rf"{_PAIR_BOX}\s*(yes|no)\s*{_PAIR_BOX}\s*(yes|no))\s*$",
    re.I,
)


_TICK = re.compile(r"[xX\u2713\u2714\u2612\u2611\u25a0\u2717\u2718]")
# The same pair before the row's statement: "[X] Yes [ ] No I have read ..." (its "No"
# is a box's label, not a negation of the statement).
_LEADING_PAIR = re.compile(
    rf"^(?:(yes|no)\s*:?\s*{_PAIR_BOX}\s*(yes|no)\s*:?\s*{_PAIR_BOX}|"
    rf"{_PAIR_BOX}\s*(yes|no)\s*{_PAIR_BOX}\s*(yes|no))\s+(?=\S)",
    re.I,
)
# A check box at a line's end, the form's boxes being at the right margin: "... them. [X]".
# "■" is a box whose glyph does not say whether it is ticked (a symbol font's glyphs
# extracted without the font all come out as it): unseen.
_TRAILING_BOX = re.compile(
    r"\s+(?:(?P<ticked>\[\s?[xX\u2713\u2714]\s?\]|\(\s?[xX]\s?\)|[\u2612\u2611\u2713\u2714\u2717\u2718])|"
    r"(?P<empty>\[\s?\]|\(\s?\)|[\u2610\u25a1])|(?P<unknown>\u25a0))$"
)
_YES_WORDS = frozenset({"yes", "agreed", "confirmed", "true", "x"})
# A line of answer columns' headers only: "Yes No", "Yes / No / N/A", "Agree Disagree",
# "Statement Yes No" (a table's header over its statements and its answer columns).
_ANSWER_HEADER = re.compile(
    r"^(?:(?:statements?|affirmations?|certifications?|items?|#)\s+)?"
    r"(?:(?:yes|no|n/a|agree|disagree|agreed|true|false|initials?)\b\s*/?\s*){2,}$",
    re.I,
)


def _answer_word(word: str) -> bool:
    """An answer column's word: True when it answers yes ("Yes", "Agreed", "X")."""
    return word.strip(" .").lower() in _YES_WORDS


def _pair_answer(match: re.Match[str]) -> bool:
    """True only when the "Yes" box alone is ticked."""
    groups = match.groups()
    pairs = (
        [(groups[0], groups[1]), (groups[2], groups[3])]
        if groups[0]
        else [(groups[5], groups[4]), (groups[7], groups[6])]
    )
    ticked = {label.lower() for label, box in pairs if box and _TICK.search(box)}
    return ticked == {"yes"}


_STARTS_STATEMENT = re.compile(r"^(?:I|My|We|The undersigned)\b")
_CLOSING_START = re.compile(
    r"^(?:sincerely|respectfully|very truly|yours|regards|best regards|thank you|dated|"
    r"executed|signature|/s/)",
    re.I,
)


def _answer(block: _Block, ticked: bool | None) -> None:
    """An answer on one of the block's lines (a box at its end, a Yes / No pair, a table's
    answer word) answers the block; an answer that does not show its mark (None), or
    two that disagree (two rows read as one), leave it unseen."""
    block.tailed = True
    if ticked is None or (block.box is not None and block.box != ticked):
        block.unseen = True
    else:
        block.box = ticked


def _line_answers(
    tail: re.Match[str] | None, pair: re.Match[str] | None, answered: re.Match[str] | None
) -> list[bool | None]:
    """What a line's own answers say: a box at its end, a pair, an answer word."""
    out: list[bool | None] = []
    if tail:
        out.append(True if tail.group("ticked") else False if tail.group("empty") else None)
    if pair:
        out.append(_pair_answer(pair))
    if answered:
        out.append(_answer_word(answered.group(2)))
    return out


@dataclass
class _Block:
    lines: list[str]
    page: int
    is_item: bool
    box: bool | None = None  # a check box before the item: ticked (True) or empty (False)
    ocr_doubt: bool = False
    unseen: bool = False  # a row of drawn boxes that cannot be read (`UNSEEN_MARK`)
    tailed: bool = False  # answered by a line's own answer (`_answer`)
    # Per line, per word: doubtful OCR (`Line.doubts`; empty for a line without them).
    doubts: list[tuple[bool, ...]] = field(default_factory=list)

    def add(self, text: str, line: Line) -> None:
        """A line of the block, `text` being what is kept of `line` (a marker or an
        answer cut from its start or its end)."""
        self.lines.append(text)
        kept = len(text.split())
        flags = line.doubts
        self.doubts.append(flags[-kept:] if kept and line.text.endswith(text) else flags[:kept])
        self.ocr_doubt = self.ocr_doubt or line.ocr_doubt

    @property
    def text(self) -> str:
        """The block's lines joined, undoing hyphenation at the breaks."""
        return "".join(self._joined()[0])

    def _joined(self) -> tuple[list[str], list[bool]]:
        """The pieces of the text, and per word of it whether OCR doubts it."""
        out = [self.lines[0]]
        doubts = list(self._flags(0))
        for number, line in enumerate(self.lines[1:], 1):
            tail = out[-1][-2:]
            flags = self._flags(number)
            glued = True
            if len(tail) == 2 and tail[1] == "-" and tail[0].isalpha() and line[:1].islower():
                out[-1] = out[-1][:-1]  # "proce-" + "dures"
            elif not (
                (tail[-1:] == "-" and tail[:1].isdigit() and line[:1].isdigit())  # "11-" "1(a)"
                or tail[-1:] == "/"  # "CM/" + "ECF"
            ):
                out.append(" ")
                glued = False
            if glued and doubts and flags:  # two words made one: doubtful if either is
                doubts[-1] = doubts[-1] or flags[0]
                flags = flags[1:]
            doubts.extend(flags)
            out.append(line)
        return out, doubts

    def _flags(self, number: int) -> tuple[bool, ...]:
        flags = self.doubts[number] if number < len(self.doubts) else ()
        words = len(self.lines[number].split())
        return flags if len(flags) == words else (False,) * words

    def doubted(self, start: int, text: str) -> bool:
        """Whether OCR doubts a word of `text`, which starts at `start` in the block's text."""
        joined, doubts = self._joined()
        before = len("".join(joined)[:start].split())
        return any(doubts[before : before + len(text.split())])


def _text_width(lines: Sequence[Line]) -> int:
    """The length of a full line of the body text: the 90th percentile of line lengths,
    so that one long URL or a run of short address lines does not set it."""
    lengths = sorted(len(line.text) for line in lines if line.text)
    return lengths[int((len(lengths) - 1) * 0.9)] if lengths else 0


def _marker(text: str, previous: str) -> re.Match[str] | None:
    """The list marker that starts `text`, if it starts a list item.

    A bare number ("1 I have read") only counts after a line that ends a sentence or a
    lead-in, and "(a)" after "Civil L.R. 11-1" is the rule's subsection, not an item."""
    mark = _BOX.match(text) or _NUMBER_MARK.match(text) or _BULLET.match(text)
    if mark and mark.group(0).startswith("(") and previous[-1:].isdigit():
        return None
    if mark is None and (not previous or previous.endswith((".", ":", ";"))):
        mark = _BARE_NUMBER.match(text)
    return mark


def _blocks(lines: Sequence[Line]) -> list[_Block]:
    """Paragraphs, list items and stand-alone lines (headings, addresses, signatures)."""
    width = _text_width(lines)
    # A line shorter than this that does not end a word mid-sentence is a line of its
    # own (a heading, an address line) or a paragraph's last line.
    short = width * 0.6 if width >= 40 else 0
    blocks: list[_Block] = []
    current: _Block | None = None
    previous = ""
    pending: _Block | None = None  # a marker alone on its line ("1." then the text below)
    # A table with an answer column has lines that are only "Yes" / "No"; only then is a
    # "Yes" / "No" at a line's end an answer rather than a wrapped sentence.
    table = any(_ANSWER.match(line.text) for line in lines)
    # Boxes at the right margin: only when at least two lines end in one (a column).
    # A Yes / No pair at a line's end is read as a pair, not as a box.
    boxed = (
        sum(
            bool(_TRAILING_BOX.search(line.text)) and not _ANSWER_PAIR.search(line.text)
            for line in lines
        )
        >= 2
    )
    answered_end = False  # the line before ended a row with its own answer
    for number, line in enumerate(lines):
        text = line.text
        if _ANSWER_HEADER.match(text):
            # The answer columns' header ("Yes No"): a line of its own (it tells that the
            # letter is a form), never the start of the row under it.
            header = _Block([], line.page, is_item=False)
            header.add(text, line)
            blocks.append(header)
            current, previous, answered_end = None, "", False
            continue
        unseen = text.endswith(UNSEEN_MARK)
        if unseen:
            text = text[:-1].rstrip()
        tail = _TRAILING_BOX.search(text) if boxed and not _ANSWER_PAIR.search(text) else None
        if tail:
            text = text[: tail.start()].rstrip()
        if not text:
            current, previous = None, ""
            continue
        # A table's answer column: "Yes" / "No" alone on its line, or after the row's
        # statement, answers the row above (or on) it, as a check box would.
        if _ANSWER.match(text):
            if current is not None and current.box is None:
                _answer(current, _answer_word(text))
            continue
        pair = _ANSWER_PAIR.search(text)
        if pair:
            before_pair = text[: pair.start()].strip()
            if not before_pair:  # the pair on a line of its own answers the row above
                if current is not None:
                    _answer(current, _pair_answer(pair))
                continue
        following = next((n.text for n in lines[number + 1 :] if n.text), "")
        answered = _TRAILING_ANSWER.match(text) if table and not following[:1].islower() else None
        if pair:
            text = before_pair
        if answered:
            text = answered.group(1)
        own = _line_answers(tail, pair, answered)
        lead_pair = _LEADING_PAIR.match(text)
        if lead_pair:
            body = text[lead_pair.end() :].strip()
            current = _Block([], line.page, True, _pair_answer(lead_pair), line.ocr_doubt, unseen)
            current.add(body, line)
            for value in own:
                _answer(current, value)
            blocks.append(current)
            previous, pending, answered_end = body, None, bool(own)
            continue
        mark = _marker(text, previous)
        if mark:
            body = text[mark.end() :].strip()
            box = None
            if mark.re is _BOX:
                box = mark.group("ticked") is not None
            # "■" before an item: a symbol font's glyph extracted without its font (a box
            # ticked or not, a bullet: PDFium gives them all as "■"). Its mark is unseen.
            unseen = unseen or (mark.re is _BULLET and mark.group(0).strip() == "\u25a0")
            if not body:
                pending = _Block([], line.page, True, box, line.ocr_doubt, unseen)
                current, previous = None, ""
                continue
            current = _Block([], line.page, True, box, line.ocr_doubt, unseen)
            current.add(body, line)
            for value in own:
                _answer(current, value)
            blocks.append(current)
            previous, answered_end = body, bool(own)
            pending = None
            continue
        continues = (
            current is not None
            and not previous.endswith(":")
            and not _HEADER_LINE.match(previous)
            and not _HEADER_LINE.match(text)
            and not (
                len(previous) < short
                and not previous.endswith(("-", "/"))
                # A line that starts in lower case never starts a paragraph: the
                # sentence goes on (after a page turn, a narrow column).
                and not text[:1].islower()
            )
            and not (
                # An item whose bullet was drawn: a new statement after a finished line.
                _STARTS_STATEMENT.match(text)
                and not _CONTINUING_END.search(previous)
                and (
                    previous.endswith((".", ";")) or current.is_item or not previous[-1:].isalpha()
                )
            )
            and not (_CLOSING_START.match(text) and previous.endswith((".", ";", ":")))
            # A line ending in ";" ends a list item, whether its bullet was drawn or not;
            # so does a form's row ending in the attorney's typed initials ("... JQD").
            and not re.search(r";(?:\s+(?:and|or))?$", previous)
            and not _ENDS_WITH_INITIALS.search(previous)
            # A row has one answer: a second answer at a line's end is the next row's,
            # and a line after a row's finished answered line starts the next row.
            and not (own and current.tailed)
            and not (answered_end and previous.endswith((".", ";")))
        )
        if current is not None and continues:
            current.add(text, line)
        else:
            if pending is not None:
                pending.page = line.page
                pending.add(text, line)
                current, pending = pending, None
            else:
                current = _Block([], line.page, is_item=False)
                current.add(text, line)
            blocks.append(current)
        for value in own:
            _answer(current, value)
        current.unseen = current.unseen or unseen
        previous, answered_end = text, bool(own)
    return blocks


# ------------------------------------------------------------------ sentences

# Words that end with a period without ending a sentence (case-insensitive): they come
# before what completes them ("No. 12", "Civ. L.R.", "Mr. Roe"). Words that close a name
# ("Inc.", "Corp.", "Esq.", "Jr.") are left out: before a capital they end the sentence
# more often than not ("...In re Acme Corp. My login...").
ABBREVIATIONS = _word_set(
    """mr mrs ms dr no nos st ave blvd ste rd civ crim bankr fed gen ord admin adm proc procs
    dep't v vs sec art para pp p seq cf hon atty rev dept approx e.g i.e viz jan feb mar apr
    jun jul aug sep sept oct nov dec r l"""
)
# Abbreviations that may end a citation, and so a sentence ("... of the N.D. Cal. I have
# read ..."): a sentence ends there only when the next word opens one (`_OPENS_SENTENCE`).
CLOSING_ABBREVIATIONS = _word_set("cal calif ct dist div cir supp govt gov't")
_OPENS_SENTENCE = re.compile(
    r"[\"'(\[]?(?:I|My|We|Our|The|This|These|Thank|Please|In|Any|Each|Only|No one|Nobody|"
    r"Accordingly|Additionally|Further|Finally|Also)\b"
)
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9/])")
_INLINE_ITEM = re.compile(
    r"(?:(?<=[,;:.])|^)\s*(?:and\s+|or\s+)?\((?:\d{1,2}|[a-h]|i{1,3}|iv|vi{0,3}|ix|x)\)\s+"
)
_LEAD_IN_END = re.compile(r"(?::|\bthat|\bfollowing|\bthat I)$", re.I)
# A salutation ends in ":" too ("Dear Clerk:", "To Whom It May Concern:"): not a lead-in.
_SALUTATION = re.compile(
    r"^(?:dear\b|to whom\b|to the (?:clerk|court|honorable)\b|gentle(?:men|persons)\b|"
    r"(?:madam|sir|sirs)\b|hello\b|greetings\b|(?:attn|attention|re|subject|regarding)\s*:)",
    re.I,
)


@dataclass(frozen=True)
class Sentence:
    text: str
    page: int
    lead_in: str | None = None  # the "I affirm that:" a list item hangs from
    box: bool | None = None  # the item's check box: ticked, empty, or none
    ocr_doubt: bool = False
    index: int = 0  # position in the letter, to find the sentence before
    block: int = 0  # the paragraph or item it belongs to
    # An item of a check-box form whose mark is not in the text (drawn as a shape): it
    # cannot be read as ticked (`forms.mark_forms` sets it, letter-wide).
    unseen_box: bool = False


def _is_abbreviation(text: str, period: int, following: str = "") -> bool:
    """Whether the period at `period` ends an abbreviation rather than the sentence,
    `following` being the text after it."""
    word = text[text.rfind(" ", 0, period) + 1 : period].lstrip("(\"'")
    if not word:
        return False
    bare = word.lower()
    if bare in CLOSING_ABBREVIATIONS:  # "... N.D. Cal. I will": a citation's end
        return not _OPENS_SENTENCE.match(following)
    # Initials and dotted abbreviations: "A.", "U.S.", "L.R.", "N.D." (never cut: typed
    # initials "J.Q.D." before an item are the item's, not the end of the one above).
    return bare in ABBREVIATIONS or bool(re.fullmatch(r"(?:[^\W\d_]\.)*[^\W\d_]", word))


def _split_sentences(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for end in _SENTENCE_END.finditer(text):
        if text[end.start()] == "." and _is_abbreviation(text, end.start(), text[end.end() :]):
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


def sentences_of(lines: Sequence[Line]) -> list[Sentence]:
    """The lines as sentences, in reading order, each with its page and lead-in."""
    sentences: list[Sentence] = []
    lead_in: str | None = None
    for number, block in enumerate(_blocks(lines)):
        governed = block.is_item or (
            # Under a lead-in, a paragraph without a glyph is an item too (a drawn bullet),
            # until the closing.
            lead_in is not None and not _CLOSING_START.match(block.text)
        )
        if not governed:
            lead_in = None
        whole = block.text
        cursor = 0
        for text, inline_item in _segments(whole):
            own_lead_in = lead_in if (governed or inline_item) else None
            parts = _split_sentences(text)
            for part in parts:
                at = whole.find(part, cursor)
                cursor = at + len(part) if at >= 0 else cursor
                doubt = block.ocr_doubt or (
                    block.doubted(at, part) if at >= 0 else any(any(d) for d in block.doubts)
                )
                sentences.append(
                    Sentence(
                        part,
                        block.page,
                        own_lead_in,
                        None if block.unseen else block.box,
                        doubt,
                        len(sentences),
                        number,
                        unseen_box=block.unseen,
                    )
                )
            ends_lead_in = parts and _LEAD_IN_END.search(parts[-1])
            if ends_lead_in and _SALUTATION.match(parts[-1]):
                ends_lead_in = None
            if not inline_item and ends_lead_in and not block.is_item:
                lead_in = parts[-1]
    return sentences


def split_sentences(pdf: PdfText) -> list[Sentence]:
    """The PDF's text as sentences, in reading order, each with its page."""
    return sentences_of(pdf_lines(pdf))


# ------------------------------------------------------------------ clauses

# Where one statement ends and another begins inside a sentence. Not at "and" between
# two verbs ("I have read and will comply with"), which share their object.
_CLAUSE_BREAK = re.compile(
    # "...; and" ending a list item is the item's end, not a clause of its own.
    r";\s*(?:(?:and|or)\b\s*)?|"
    # Not "as though": "treated as though I had signed it" is one clause.
    r"(?<!\bno one)(?<!\bnobody)(?<!\banyone)(?<!\bnone)(?<!\bnothing)(?<!\ball)(?<!\bas)"
    r",?\s+\b(?:but|however|whereas|although|though|while)\b,?\s+(?!also\b)|"
    r",\s+(?:and|or|so|yet)\s+(?=(?:that\s+)?(?:I|we|my|our|the undersigned|he|she|it|they|"
    r"this|any|all|each|every|a|an|the)\b)|"
    r"\s+\band\s+that\s+",
    re.I,
)


@dataclass(frozen=True)
class Clause:
    text: str  # the clause as written
    sentence: Sentence
    head: str  # the sentence up to this clause (it supplies a subject the clause lacks)


# A clause left open before a break: its verb or preposition still waits for the object
# both halves share ("I have carefully read, and I agree to comply with, the ECF ...").
_OPEN_END = re.compile(
    r"\b(?:read|reviewed|studied|examined|understood|understand|know|with|to|by|of|on|"
    r"under|for|before)\W*$",
    re.I,
)


def clauses_of(sentence: Sentence) -> list[Clause]:
    """A sentence cut into clauses; the whole sentence when it has one."""
    text = sentence.text
    out: list[Clause] = []
    start = 0
    for cut in _CLAUSE_BREAK.finditer(text):
        if _OPEN_END.search(text[start : cut.start()]) and text[cut.start()] == ",":
            continue
        if cut.start() > start:
            out.append(Clause(text[start : cut.start()], sentence, text[:start]))
        start = cut.end()
    if text[start:].strip():
        out.append(Clause(text[start:], sentence, text[:start]))
    return out or [Clause(text, sentence, "")]
