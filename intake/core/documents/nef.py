"""Reads a printed Notice of Electronic Filing (NEF): which court, which cases, who filed.

An NEF reaches us as a PDF that an attorney printed from a mail client or a browser, so
the text may start with the mail's own header block (From / Sent / To / Subject), carry
the printer's page headers and footers, break a label from its value, split a long stamp
across lines, and keep its links only as page annotations - or not at all. The reader
therefore never rests on one clue: the court comes from every clue the print holds (ECF
links in the text and in the annotations, the sender's `@<id>.uscourts.gov` address, the
`/doc1/` id prefix, the court header lines, the stamp), each recorded as evidence, and the
header's kind of court ("U.S. Bankruptcy Court") overrides every other clue on the kind.

Pure: `PdfText` in, `NefFacts` out. Works on the text of pypdf and of pdfplumber alike.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from intake.core.documents.courts import (
    court_from_doc_id,
    court_from_header,
    court_type,
    header_court_type,
    is_court_id,
)
from intake.core.documents.names import looks_like_person_name
from intake.core.model import CourtType, Evidence, NefCase, NefFacts, NoticeType, PdfText

__all__ = ["looks_like_nef", "read_nef", "read_nefs"]

# ---------------------------------------------------------------------- the print's text

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u3000]+")

# Lines a printer adds at the top or bottom of a page; only looked for there, since the
# same shapes (a bare number, a date) can be real content in the middle of a notice.
_PAGE_EDGE_NOISE = re.compile(
    r"(?:Page\s+)?\d{1,3}\s*(?:of|/)\s*\d{1,3}"  # "Page 1 of 2", "1/2"
    r"|\d{1,3}"  # a bare page number
    r"|\d{1,2}/\d{1,2}/\d{2,4},\s+\d{1,2}:\d{2}\s*[AP]M\b.*"  # browser: "1/5/25, 9:14 AM Mail…"
    r"|(?:about:blank|file:\S*|https?://\S+)\s+\d{1,3}\s*/\s*\d{1,3}"  # browser: URL  1/2
    r"|about:blank|file:\S*",
    re.IGNORECASE,
)
_EDGE_LINES = 2


@dataclass(frozen=True)
class _Print:
    """The cleaned text of some pages, one line per printed line, and where pages start.

    `page_starts` pairs each page's number with the offset of its first character, so a
    part of a print (one notice among several) keeps the page numbers of the whole.
    """

    text: str
    page_starts: tuple[tuple[int, int], ...]  # (page number, offset)
    links: tuple[tuple[int, str], ...]  # (page number, URI)

    def page_at(self, offset: int) -> int:
        page = self.page_starts[0][0] if self.page_starts else 1
        for number, start in self.page_starts:
            if start <= offset:
                page = number
        return page

    def part(self, start: int, end: int, links: tuple[tuple[int, str], ...]) -> _Print:
        """The text from `start` to `end`, its pages numbered as in the whole print."""
        first = self.page_at(start)
        starts = [(first, 0)]
        starts += [(n, at - start) for n, at in self.page_starts if start < at < end]
        return _Print(self.text[start:end], tuple(starts), links)


# A notice quoted in a reply or a forward ("> U.S. Bankruptcy Court"): the marks go.
_QUOTE_MARKS = re.compile(r"^(?:\s*>)+")


def _clean_page(text: str) -> list[str]:
    lines = [_SPACES.sub(" ", _QUOTE_MARKS.sub("", line)).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    edges = set(range(min(_EDGE_LINES, len(lines)))) | set(
        range(max(len(lines) - _EDGE_LINES, 0), len(lines))
    )
    return [
        line
        for index, line in enumerate(lines)
        if index not in edges or not _PAGE_EDGE_NOISE.fullmatch(line)
    ]


def _read_print(pdf: PdfText) -> _Print:
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    offset = 0
    for page in pdf.pages:
        starts.append((page.number, offset))
        page_text = "\n".join(_clean_page(page.text))
        parts.append(page_text)
        offset += len(page_text) + 1
    links = tuple((page.number, uri) for page in pdf.pages for uri in page.links)
    return _Print("\n".join(parts), tuple(starts), links)


def _flat(text: str) -> str:
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


# ---------------------------------------------------------------------- notice type

_TITLES = (
    (NoticeType.CLAIMS_FILING, re.compile(r"Notice\s+of\s+Electronic\s+Claims\s+Filing", re.I)),
    (NoticeType.CASE_FILING, re.compile(r"Notice\s+of\s+Bankruptcy\s+Case\s+Filing", re.I)),
    (NoticeType.ELECTRONIC_FILING, re.compile(r"Notice\s+of\s+Electronic\s+Filing", re.I)),
)
_TRANSACTION = re.compile(
    r"The\s+following\s+transaction\s+was\s+"
    r"(?:(?P<how>received\s+from|entered\s+by)\s+(?P<name>.{1,120}?)\s+)?"
    r"(?:entered\s+)?on\s+(?P<entered>\d{1,2}/\d{1,2}/\d{4})"
    r"(?:.{0,80}?\bfiled\s+on\s+(?P<filed>\d{1,2}/\d{1,2}/\d{4}))?",
    re.IGNORECASE | re.DOTALL,
)
_CASE_NUMBER_LABEL = re.compile(r"\bCase\s+Number\s*:", re.I)
_ITEM_LABEL = re.compile(r"\b(?:Document|Claim)\s+Number\s*:|\[\s*STAMP\b", re.I)


def _notice_type(text: str, before: int) -> NoticeType | None:
    """The earliest title printed before the transaction line (or anywhere, if none).

    A mail Subject line may name a notice too; the notice's own title line comes first.
    """
    found: list[tuple[bool, int, NoticeType]] = []
    for kind, pattern in _TITLES:
        for match in pattern.finditer(text, 0, before):
            line_start = text.rfind("\n", 0, match.start()) + 1
            in_subject = text[line_start : match.start()].lstrip().lower().startswith("subject")
            found.append((in_subject, match.start(), kind))
    return min(found)[2] if found else None


def _is_nef(text: str) -> tuple[NoticeType, re.Match[str] | None] | None:
    transaction = _TRANSACTION.search(text)
    kind = _notice_type(text, transaction.start() if transaction else len(text))
    if kind is None:
        return None
    # A title alone is not enough: a letter may say "Notice of Electronic Filing" too.
    if transaction or (_CASE_NUMBER_LABEL.search(text) and _ITEM_LABEL.search(text)):
        return kind, transaction
    return None


def looks_like_nef(pdf: PdfText) -> bool:
    """True when the text is a CM/ECF notice of a filing (bankruptcy, district or other).

    An appellate "Notice of Docket Activity" and court mail that reports no filing (a
    hearing link, a modified docket text) carry no NEF title and are not NEFs (SPEC 3).
    """
    if not pdf.ok or not pdf.pages:
        return False
    return _is_nef(_read_print(pdf).text) is not None


# ---------------------------------------------------------------------- notices in a print

# A PDF may hold several notices: six NEFs printed into one file, two to a page, or a
# notice followed by the document it notices. Each notice has exactly one transaction
# line ("The following transaction was received from ..."), so those lines split the
# print; a notice whose transaction line did not survive (an OCR misreading, an odd
# print) is found by its title on a line of its own with its case labels after it.
# Above the transaction line sit the notice's preamble lines (the mail header block of
# a print, the CM/ECF banners, the court's header and the title); below it, its body
# (case rows, docket text, stamps, mailing lists). Whatever follows the last body line
# on later pages is the filed document that the notice was printed with.
_PREAMBLE = re.compile(
    r"(?:From|Sent|Date|To|Cc|Subject)\s*:"
    r"|\*{0,3}\s*NOTE\s+TO\s+PUBLIC\s+ACCESS\s+USERS"
    r"|This\s+is\s+an\s+automatic\s+e-?mail\s+message\s+generated\s+by\s+the\s+CM/?ECF"
    r"|Activity\s+in\s+Case\b"
    r"|(?:U\.?\s?S\.?|United\s+States)$"
    r"|Notice\s+of\s+(?:Electronic(?:\s+Claims)?|Bankruptcy\s+Case)\s+Filing\b",
    re.I | re.M,
)
_BODY = re.compile(
    r"\bDocket\s+Text\s*:|The\s+following\s+document\(s\)\s+(?:are|is)\s+associated"
    r"|\bDocument\s+description\s*:|\bOriginal\s+filename\s*:|\[\s*STAMP\b"
    r"|Notice\s+(?:will|has)\s+(?:not\s+)?(?:be|been)\s+(?:electronically\s+mailed|delivered)"
    r"|\bCase\s+Number\s*:|\b(?:Document|Claim)\s+Number\s*:",
    re.I,
)
_PREAMBLE_LINES = 40  # mail header block, banners (a wrapped public-access note), header, title
_PREAMBLE_GAP = 7  # other lines inside a preamble: the public-access note wrapped narrow
_TITLE_REACH = 800  # how far below a title its transaction line or case labels may be
_LEADING_LINES = 8  # lines above the first notice kept with it (a mail client's header)


@dataclass(frozen=True)
class _Span:
    """One notice's place in the print's text."""

    start: int  # its first line (the mail header block, when printed)
    end: int  # just after its last line
    stop: int  # where the next notice begins; between end and stop: its filed document


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _anchors(text: str) -> list[int]:
    """Where each notice's transaction line (or, lacking one, its title) is."""
    transactions = [m.start() for m in _TRANSACTION.finditer(text)]
    anchors = list(transactions)
    for _, pattern in _TITLES:
        for title in pattern.finditer(text):
            line = text[_line_start(text, title.start()) : _line_end(text, title.end())]
            if line.lstrip().lower().startswith("subject") or len(line) > len(title[0]) + 60:
                continue  # a Subject line, or the title's words inside a sentence
            reach = title.end() + _TITLE_REACH
            if any(title.end() <= t <= reach for t in transactions):
                continue  # the title of a notice its transaction line already found
            inside = (t for t in anchors if t < title.start())
            if any(not _body_between(text, t, title.start()) for t in inside):
                continue  # said inside the preamble or docket text of a found notice
            labels = _CASE_NUMBER_LABEL.search(text, title.end(), reach)
            if labels and _ITEM_LABEL.search(text, labels.end(), reach + _TITLE_REACH):
                anchors.append(title.start())
    return sorted(set(anchors))


def _body_between(text: str, start: int, end: int) -> bool:
    """True when a notice body's closing lines (stamps, mailing lists) lie in between."""
    return any(
        m.group(0).lower().startswith(("[", "notice", "original", "document d"))
        for m in _BODY.finditer(text, start, end)
    )


def _preamble_start(text: str, floor: int, anchor: int, page_starts: set[int]) -> int:
    """The first preamble line above `anchor`, not above `floor` (the notice before).

    The preamble is one block: a few other lines may sit between its lines (a wrapped
    note, the district line, a wrapped Subject), more end it; and it crosses a page
    break only when the line above the break is a preamble line too. A filed document's
    caption ("UNITED STATES BANKRUPTCY COURT") on the pages before is not the notice's.
    """
    start = _line_start(text, anchor)
    position = start
    gap = 0
    for _ in range(_PREAMBLE_LINES):
        if position <= floor or gap > _PREAMBLE_GAP:
            break
        above = _line_start(text, position - 1)
        if above < floor:
            break
        line = text[above : position - 1]
        if _PREAMBLE.match(line) or _COURT_LINE.match(line):
            start, gap = above, 0
        elif position in page_starts:
            break  # the page above ends with something else: the notice starts this page
        else:
            gap += 1
        position = above
    return start


def _body_end(text: str, anchor: int, stop: int, page_ends: list[int]) -> int:
    """Just after the notice's last line: the page of its last body line, and an address
    list that runs on at the top of the next page; never past the next notice."""
    last = anchor
    for match in _BODY.finditer(text, anchor, stop):
        last = match.start()
    page_end = next((e for e in page_ends if e > last), len(text))
    end = min(page_end, stop)
    while end < stop:  # a mailing list continued on the next page: addresses, names
        line_end = _line_end(text, end + 1)
        line = text[end + 1 : line_end]
        if "@" not in line and "on behalf of" not in line.lower():
            break
        if _PREAMBLE.match(line) or _COURT_LINE.match(line):
            break  # the next notice's own mail header ("From: cmecf@...")
        end = min(line_end, stop)
    return end


def _spans(doc: _Print) -> list[_Span]:
    """Each notice of the print, in order (one span over the whole text when none is found)."""
    text = doc.text
    anchors = _anchors(text)
    if not anchors:
        return [_Span(0, len(text), len(text))]
    page_ends = [start - 1 for _, start in doc.page_starts[1:]] + [len(text)]
    page_starts = {start for _, start in doc.page_starts}
    starts: list[int] = []
    for index, anchor in enumerate(anchors):
        floor = 0
        if index:
            previous = anchors[index - 1]
            body = [m.start() for m in _BODY.finditer(text, previous, anchor)]
            floor = _line_end(text, body[-1]) if body else _line_end(text, previous)
        start = _preamble_start(text, floor, anchor, page_starts)
        if index == 0 and text.count("\n", 0, start) <= _LEADING_LINES:
            start = 0  # a mail client's header above the notice belongs to it
        top = max((at for at in page_starts if at <= start), default=0)
        if index and top >= floor and text.count("\n", top, start) <= _LEADING_LINES:
            start = top  # so does an unlabelled one above a notice that opens its page
        starts.append(start)
    spans = []
    for index, start in enumerate(starts):
        stop = starts[index + 1] if index + 1 < len(starts) else len(text)
        spans.append(_Span(start, _body_end(text, anchors[index], stop, page_ends), stop))
    return spans


# ---------------------------------------------------------------------- court clues

# How much one kind of clue weighs when clues disagree (a real notice's clues agree; a
# disagreement is a link in the docket text, a forwarded print, an edited file). The
# header names the court in words and alone outweighs any one other clue, but not two;
# the ECF links' host is CM/ECF's own; a court-specific stamp and the sender are nearly
# as good; a document-id prefix is a number we map by table.
_WEIGHTS = {"header": 6, "link": 4, "url": 4, "stamp": 3, "sender": 3, "doc_id": 2}

_ECF_HOST = re.compile(r"\becf\.([a-z0-9]{2,6})\.uscourts\.gov\b", re.I)
_DOC_ID = re.compile(r"/doc1/(\d+)")
_FROM_LINE = re.compile(r"^From:[ ]?(.*)$", re.M)
_RECIPIENT_LINE = re.compile(r"^(?:To|Cc|Bcc|Reply-To)\s*:", re.I)
_COURT_ADDRESS = re.compile(r"@([a-z0-9]{2,6})\.uscourts\.gov\b", re.I)
_COURT_LINE = re.compile(
    r"^(?:(?:U\.?\s?S\.?|United\s+States)\s+"
    r"(?:(?:Bankruptcy|District)\s+Court|Court\s+of\s+Appeals|Bankruptcy\s+Appellate\s+Panel)"
    r"|(?:(?:U\.?\s?S\.?|United\s+States)\s+)?Judicial\s+Panel\s+on\s+Multidistrict\s+Litigation)"
    r"\b(?P<rest>.*)$",
    re.I | re.M,
)
_GENERIC_STAMPS = {"bkecfstamp_id": CourtType.BANKRUPTCY, "dcecfstamp_id": CourtType.DISTRICT}


@dataclass(frozen=True)
class _Clue:
    kind: str  # a key of _WEIGHTS
    court_id: str
    evidence: Evidence


@dataclass(frozen=True)
class _Header:
    start: int
    district_line: str
    court_type: CourtType
    court_id: str | None
    evidence: Evidence


def _header(doc: _Print, before: int) -> _Header | None:
    for match in _COURT_LINE.finditer(doc.text, 0, before):
        court_line = match.group(0)
        district_line = re.sub(
            r"^for\s+(?:the\s+)?", "", match.group("rest").strip(" ,-"), flags=re.I
        )
        if not district_line:
            after = doc.text[match.end() :].lstrip("\n").split("\n", 1)[0]
            district_line = after.strip()
        # A district line run together with the title ("…of Colorado Notice of…").
        district_line = re.split(r"\s*Notice\s+of\b", district_line, maxsplit=1, flags=re.I)[0]
        kind = header_court_type(court_line)
        court_id = court_from_header(court_line, district_line)
        text = f"{court_line.removesuffix(match.group('rest')).strip()} / {district_line}"
        evidence = Evidence(text=text, page=doc.page_at(match.start()), source="header")
        return _Header(match.start(), district_line, kind, court_id, evidence)
    return None


def _link_clues(doc: _Print) -> Iterator[_Clue]:
    for page, uri in doc.links:
        if (host := _ECF_HOST.search(uri)) and is_court_id(host.group(1).lower()):
            yield _Clue("link", host.group(1).lower(), Evidence(text=uri, page=page, source="link"))
        if (doc_id := _DOC_ID.search(uri)) and (court := court_from_doc_id(doc_id.group(1))):
            text = f"/doc1/{doc_id.group(1)} (prefix {doc_id.group(1)[:3]} = {court})"
            yield _Clue("doc_id", court, Evidence(text=text, page=page, source="link"))


def _text_clues(doc: _Print, docket_span: range, body_start: int) -> Iterator[_Clue]:
    # A URL inside the docket text is what the filer wrote, and may be another court's.
    for host in _ECF_HOST.finditer(doc.text):
        if host.start() in docket_span:
            continue
        if is_court_id(court := host.group(1).lower()):
            page = doc.page_at(host.start())
            yield _Clue("url", court, Evidence(text=host.group(0), page=page, source="text"))
    for doc_id in _DOC_ID.finditer(doc.text):
        if doc_id.start() in docket_span:
            continue
        if court_id := court_from_doc_id(doc_id.group(1)):
            text = f"/doc1/{doc_id.group(1)} (prefix {doc_id.group(1)[:3]} = {court_id})"
            page = doc.page_at(doc_id.start())
            yield _Clue("doc_id", court_id, Evidence(text=text, page=page, source="text"))
    # Only the sender: a printed To/Cc line may name a recipient at another court. The
    # sender is a From: line (also of a forwarded notice), or, in the mail header block
    # above the notice, a line that is no recipient's (Gmail prints "x@cob.uscourts.gov
    # <x@cob.uscourts.gov>  Mon, Sep 25, 2023" with no label).
    senders = list(_FROM_LINE.finditer(doc.text))
    senders += [
        line
        for line in re.finditer(r"^.*$", doc.text[:body_start], re.M)
        if not _RECIPIENT_LINE.match(line.group(0)) and not line.group(0).startswith("From:")
    ]
    for line in senders:
        address = _COURT_ADDRESS.search(line.group(0))
        if address and is_court_id(court := address.group(1).lower()):
            page = doc.page_at(line.start())
            yield _Clue("sender", court, Evidence(text=line.group(0), page=page, source="header"))


def _stamp_clue(kind: str | None, stamp_text: str, page: int) -> tuple[CourtType, _Clue | None]:
    """What a stamp's kind says: a type (bkecf/dcecf) or a court (NYSBStamp_ID → nysb)."""
    if kind is None:
        return CourtType.UNKNOWN, None
    generic = _GENERIC_STAMPS.get(kind.lower())
    if generic is not None:
        return generic, None
    court = kind[: -len("Stamp_ID")].lower()
    if not is_court_id(court):
        return CourtType.UNKNOWN, None
    evidence = Evidence(text=stamp_text, page=page, source="stamp")
    return court_type(court), _Clue("stamp", court, evidence)


@dataclass(frozen=True)
class _CourtVerdict:
    court_id: str | None
    court_type: CourtType
    evidence: tuple[Evidence, ...]


def _decide_court(
    header: _Header | None,
    clues: list[_Clue],
    stamp_type: CourtType,
    stamp_evidence: Evidence | None,
    wording_type: CourtType,
) -> _CourtVerdict:
    # The kind of court: the header's words first, then the stamp's kind, then the
    # strongest clue's court, then the notice's own wording.
    kind = header.court_type if header else CourtType.UNKNOWN
    scores: dict[str, int] = {}
    best_clue: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    firsts: list[_Clue] = []  # one vote, and one piece of evidence, per kind of clue
    for clue in clues:
        if (clue.kind, clue.court_id) in seen:
            continue  # ten links to the same court are one clue
        seen.add((clue.kind, clue.court_id))
        firsts.append(clue)
        weight = _WEIGHTS[clue.kind]
        scores[clue.court_id] = scores.get(clue.court_id, 0) + weight
        best_clue[clue.court_id] = max(best_clue.get(clue.court_id, 0), weight)
    top = max(scores, key=lambda c: (scores[c], best_clue[c])) if scores else None
    if kind is CourtType.UNKNOWN and court_type(top) is CourtType.APPELLATE:
        kind = CourtType.APPELLATE  # a panel's own links outweigh the bankruptcy stamp it prints
    if kind is CourtType.UNKNOWN:
        kind = stamp_type
    if kind is CourtType.UNKNOWN and top:
        kind = court_type(top)
    if kind is CourtType.UNKNOWN:
        kind = wording_type
    candidates = [c for c in scores if court_type(c) is kind]
    court_id = max(candidates, key=lambda c: (scores[c], best_clue[c])) if candidates else None

    agreeing = [c.evidence for c in firsts if c.court_id == court_id]
    others = [c.evidence for c in firsts if c.court_id != court_id]
    type_only = [stamp_evidence] if stamp_evidence else []
    evidence = _unique(agreeing + type_only + others)
    return _CourtVerdict(court_id, kind, tuple(evidence))


def _unique(items: list[Evidence]) -> list[Evidence]:
    out: list[Evidence] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _wording_type(notice: NoticeType, how: str | None, cases: tuple[NefCase, ...]) -> CourtType:
    """The weakest hint: what only one kind of court prints."""
    if notice is not NoticeType.ELECTRONIC_FILING:
        return CourtType.BANKRUPTCY
    if any("-bk-" in case.case_number.lower() for case in cases):
        return CourtType.BANKRUPTCY
    if how and how.lower().startswith("received"):
        return CourtType.BANKRUPTCY
    if how and how.lower().startswith("entered"):
        return CourtType.DISTRICT
    return CourtType.UNKNOWN


# ---------------------------------------------------------------------- cases and fields

# pdfplumber centres a cell's label on its value's lines, so a wrapped label can hold the
# value inside it ("Document\n14\nNumber:") and a two-line value can straddle the label.
_LABEL = re.compile(
    r"\b(?P<label>Case\s+Name|Case\s+Number|Document\s+(?P<inside>\d{1,7}\s+)?Number"
    r"|Claim\s+Number|Filer|Creditor\s+Name|Amount\s+Claimed|Amount\s+Secured"
    r"|Amount\s+Priority)\s*:",
    re.I,
)
_TIME_OF_DAY = re.compile(r"^\s*at\s+\d{1,2}:\d{2}\s*(?:[AP]M)?(?:\s+[A-Z]{2,4}\b)?", re.I)
_DOCKET_TEXT = re.compile(r"\bDocket\s+Text\s*:", re.I)
_DOCKET_END = re.compile(
    r"The\s+following\s+document\(s\)\s+(?:are|is)\s+associated"
    r"|Notice\s+(?:will|has)\s+(?:not\s+)?(?:be|been)\s+(?:electronically\s+mailed|delivered)"
    r"|Please\s+see\s+Local\s+Rule"
    r"|Electronic\s+document\s+Stamp",
    re.I,
)
_CASE_NUMBER = re.compile(
    r"(?:\d{1,2}[:-])?\d{2}-(?:[A-Za-z]{2,4}-)?\d{3,6}(?:-[A-Za-z0-9]{1,5})*(?![\w:/-])"
    # A bankruptcy appellate panel's "BAP No. NC-24-1090" / "CO-24-015" / "24-8012".
    r"|(?:BAP\s+No\.?\s*)?[A-Z]{2}-\d{2}-\d{1,6}(?:-[A-Za-z0-9]{1,5})*(?![\w:/-])"
    # The JPML's case is its MDL number: "MDL No. 2741".
    r"|MDL\s+No\.?\s*\d{1,5}\b"
)
_LEADING_NUMBER = re.compile(r"\s*(\d{1,7})\b")


# OCR splits a run of digits ("24-1 1562-TBM", "9101 34481"): a space between digits and
# hyphens is dropped before a number is tried again.
_SPLIT_DIGITS = re.compile(r"(?<=[\d-]) (?=[\d-])")


def _case_number(value: str) -> str | None:
    """The case number a Case Number row starts with (as printed, or as OCR split it)."""
    for candidate in (value, _SPLIT_DIGITS.sub("", value)):
        if number := _CASE_NUMBER.match(candidate):
            return _flat(number.group(0))
    return None


def _label_values(text: str) -> list[tuple[str, str]]:
    """(label, value) pairs in order; `text` starts right after the transaction line."""
    matches = list(_LABEL.finditer(text))
    out: list[tuple[str, str]] = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        label = _flat(match.group("label")).lower()
        value = text[match.end() : end]
        if inside := match.group("inside"):
            label, value = "document number", inside
        elif index == 0 and label == "case name":
            # The first line of a straddling case name sits above its label.
            above = _TIME_OF_DAY.sub("", text[: match.start()]).strip()
            if above and ":" not in above and above.count("\n") < 2:
                value = f"{above}\n{value}"
        out.append((label, value))
    return out


def _cases(labels: list[tuple[str, str]]) -> tuple[NefCase, ...]:
    """One block per case: Case Name / Case Number / Document (or Claim) Number."""
    blocks: list[dict[str, str]] = []
    for label, value in labels:
        current = blocks[-1] if blocks else None
        if label == "case name":
            if current is None or "name" in current or "number" in current:
                blocks.append({})
            blocks[-1]["name"] = _flat(value)
        elif label == "case number":
            if current is None or "number" in current:
                blocks.append({})
            if number := _case_number(_flat(value)):
                blocks[-1]["number"] = number
        elif label in ("document number", "claim number") and current is not None:
            key = "document" if label.startswith("document") else "claim"
            if key not in current and (digits := _LEADING_NUMBER.match(value)):
                current[key] = digits.group(1)
    return tuple(
        NefCase(
            case_number=block["number"],
            case_name=block.get("name") or None,
            document_number=block.get("document"),
            claim_number=block.get("claim"),
        )
        for block in blocks
        if "number" in block
    )


def _docket_text(text: str) -> tuple[str | None, range]:
    """The docket text, and the span of `text` it takes (empty when there is none)."""
    start = _DOCKET_TEXT.search(text)
    if not start:
        return None, range(0)
    end = _DOCKET_END.search(text, start.end())
    stop = end.start() if end else min(len(text), start.end() + 4000)
    if end:
        # "23-14130-JGR Notice will be…": the case number opening that line is not docket text.
        line_start = text.rfind("\n", 0, stop) + 1
        if line_start > start.end():
            stop = line_start
    docket = _flat(re.sub(r"<(\w+)>\s*</\1>|</?[ibu]>", " ", text[start.end() : stop], flags=re.I))
    return docket or None, range(start.start(), stop)


# Party roles CM/ECF prints before a filer's name ("Filed by Debtor Jane Doe").
_ROLES = re.compile(
    r"^(?:(?:Joint\s+)?Debtors?(?:\s+In\s+Possession)?|Plaintiffs?|Defendants?|Creditors?"
    r"|Interested\s+Party|(?:Chapter\s+\d+\s+|U\.?S\.?\s+|United\s+States\s+)?Trustee"
    r"|Attorney|Movant|Respondent|Petitioning\s+Creditor|Other\s+Professional"
    r"|Creditor\s+Committee|Claimant|Intervenor|Counter-?Claimant|Cross-?Claimant"
    r"|Third\s+Party\s+(?:Plaintiff|Defendant)|Examiner|Mediator)\s+(?=\S)",
    re.I,
)
_FILED_BY = re.compile(r"\bfiled\s+by\s+", re.I)
_NAME_ENDS = re.compile(r"\s+on\s+behalf\s+of\b|\s+against\b|\s*\(|\s*;|\s+Receipt\b", re.I)
_ABBREVIATIONS = {"jr", "sr", "esq", "inc", "co", "corp", "ltd", "st", "mr", "ms", "mrs", "dr"}


def _sentence_end(text: str) -> int:
    """Index of the first full stop that ends a sentence, not an initial or 'Jr.'."""
    for match in re.finditer(r"\.(?=\s|$)", text):
        word = re.search(r"([A-Za-z]+)$", text[: match.start()])
        if word and (len(word.group(1)) == 1 or word.group(1).lower() in _ABBREVIATIONS):
            continue
        return match.start()
    return len(text)


def _trim_name(name: str) -> str:
    """Drop the punctuation that ends the sentence, keep an abbreviation's own full stop."""
    name = name.strip(" ,;:")
    while name.endswith("."):
        last = name.rsplit(" ", 1)[-1].rstrip(".")
        if len(last) == 1 or (last.lower() in _ABBREVIATIONS and name.endswith(f"{last}.")):
            break
        name = name[:-1].rstrip(" ,")
    return name


def _paren_depth(text: str, at: int) -> int:
    depth = 0
    for char in text[:at]:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
    return depth


def _filed_by(docket: str | None) -> tuple[str, ...]:
    """Names after "Filed by" in the docket text, kept as printed (minus the party role).

    A "filed by" inside parentheses belongs to a related document, not to this filing.
    """
    if not docket:
        return ()
    names: list[str] = []
    for match in _FILED_BY.finditer(docket):
        if _paren_depth(docket, match.start()) > 0:
            continue
        tail = docket[match.end() : match.end() + 300]
        end = _NAME_ENDS.search(tail)
        stop = min(end.start() if end else len(tail), _sentence_end(tail))
        name = tail[:stop]
        if end and end.start() == stop and end.group(0).strip().lower().startswith("on"):
            # "Jane Doe of Doe Law on behalf of …": the firm is not the filer.
            name = re.split(r"\s+of\s+", name, maxsplit=1)[0]
        name = _trim_name(_ROLES.sub("", _flat(name)))
        if 1 < len(name) <= 100 and name not in names:
            names.append(name)
    return tuple(names)


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        month, day, year = (int(part) for part in text.split("/"))
        return dt.date(year, month, day)
    except ValueError:
        return None


# ---------------------------------------------------------------------- stamps

_STAMP = re.compile(
    r"\[\s*STAMP\s+(?P<kind>[A-Za-z]+Stamp_ID)\s*=\s*(?P<id>\d[\d\n ]{0,20}\d|\d)", re.I
)
_FILE_NUMBER = re.compile(r"FileNumber\s*=\s*(?P<number>[\d\s-]{1,40}?)\s*\]", re.I)


def _file_numbers(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for match in _FILE_NUMBER.finditer(text):
        # pypdf breaks long stamps across lines: "[FileNumber=10320236\n0-0]".
        number = re.sub(r"\s+", "", match.group("number"))
        if re.fullmatch(r"\d+(?:-\d+)?", number) and number not in out:
            out.append(number)
    return tuple(out)


# ---------------------------------------------------------------------- the reader


def read_nef(pdf: PdfText) -> NefFacts | None:
    """The facts of an NEF print (its first notice), or None when the PDF is not an NEF."""
    notices = read_nefs(pdf)
    return notices[0] if notices else None


def read_nefs(pdf: PdfText) -> tuple[NefFacts, ...]:
    """Every notice of an NEF print, in order, each with its pages; () when there is none."""
    if not pdf.ok or not pdf.pages:
        return ()
    doc = _read_print(pdf)
    spans = _spans(doc)
    pages = [(doc.page_at(s.start), doc.page_at(max(s.end - 1, s.start))) for s in spans]
    notices: list[NefFacts] = []
    for index, span in enumerate(spans):
        first, last = pages[index]
        others = {p for i, (a, b) in enumerate(pages) if i != index for p in range(a, b + 1)}
        links = tuple((page, uri) for page, uri in doc.links if first <= page <= last)
        part = doc.part(span.start, span.end, links)
        facts = _read_notice(part, shared_pages=others & set(range(first, last + 1)))
        if facts is None:
            continue
        document_pages = None
        if doc.text[span.end : span.stop].strip():
            after = doc.page_at(min(span.end + 1, span.stop - 1))
            if after > last:  # the filed document printed behind its notice
                document_pages = (after, doc.page_at(span.stop - 1))
        notices.append(
            facts.model_copy(update={"pages": (first, last), "document_pages": document_pages})
        )
    return tuple(notices)


def _read_notice(doc: _Print, shared_pages: set[int]) -> NefFacts | None:
    """The facts of one notice; `shared_pages` are pages it shares with other notices,
    whose link annotations may be theirs."""
    text = doc.text
    found = _is_nef(text)
    if found is None:
        return None
    notice, transaction = found

    docket, docket_span = _docket_text(text)
    fields_start = transaction.end() if transaction else 0
    fields_end = docket_span.start if docket_span.start > fields_start else len(text)
    labels = _label_values(text[fields_start:fields_end])
    cases = _cases(labels)

    filer = _flat(transaction.group("name")) if transaction and transaction.group("name") else None
    if filer is None:
        filer_row = next((_flat(v) for label, v in labels if label == "filer"), "")
        filer = filer_row or None
    if filer is not None and not looks_like_person_name(filer):
        filer = None  # a banner ("CASE CLOSED"), a word and a comma, a login id
    entered = transaction.group("entered") if transaction else None
    filed = transaction.group("filed") if transaction else None

    stamp = _STAMP.search(text)
    stamp_kind = stamp.group("kind") if stamp else None
    stamp_id = re.sub(r"\s+", "", stamp.group("id")) if stamp else None
    stamp_text = f"{stamp_kind}={stamp_id}"
    stamp_page = doc.page_at(stamp.start()) if stamp else doc.page_at(0)
    stamp_type, stamp_clue = _stamp_clue(stamp_kind, stamp_text, stamp_page)
    stamp_evidence = (
        Evidence(text=stamp_text, page=stamp_page, source="stamp")
        if stamp and stamp_clue is None and stamp_type is not CourtType.UNKNOWN
        else None
    )

    header = _header(doc, transaction.start() if transaction else len(text))
    clues: list[_Clue] = []
    if header and header.court_id:
        clues.append(_Clue("header", header.court_id, header.evidence))
    for clue in _link_clues(doc):
        page = clue.evidence.page or 0
        if page in shared_pages and header and header.court_id not in (None, clue.court_id):
            continue  # a link on a page shared with another notice, naming another court
        clues.append(clue)
    # Where the notice itself begins: above it, at most a mail header block.
    starts = [m.start() for _, pattern in _TITLES if (m := pattern.search(text))]
    starts += [header.start] if header else []
    starts += [transaction.start()] if transaction else []
    body_start = min(starts, default=len(text))
    clues.extend(_text_clues(doc, docket_span, body_start))
    if stamp_clue:
        clues.append(stamp_clue)
    how = transaction.group("how") if transaction else None
    verdict = _decide_court(
        header, clues, stamp_type, stamp_evidence, _wording_type(notice, how, cases)
    )
    evidence = verdict.evidence
    if header and header.court_id is None:
        evidence = (*evidence, header.evidence)  # the kind of court still rests on it

    return NefFacts(
        notice_type=notice,
        court_id=verdict.court_id,
        court_type=verdict.court_type,
        court_name=header.district_line or None if header else None,
        court_evidence=evidence,
        cases=cases,
        filer=filer,
        filed_by=tuple(n for n in _filed_by(docket) if looks_like_person_name(n)),
        filed_on=_date(filed) or _date(entered),
        docket_text=docket,
        stamp_kind=stamp_kind,
        stamp_id=stamp_id,
        file_numbers=_file_numbers(text),
    )
