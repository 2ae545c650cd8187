"""The clerk's PDF packet: a cover sheet with the summary, then the documents themselves.

The cover is drawn with reportlab (pure Python, already what the project's tests draw
PDFs with; no browser or external program in the daemon), from the same `SummaryView`
as the HTML page. Behind it pypdf appends the letter(s), the NEFs and the other PDFs
in the order received, each under a bookmark with its file name. A PDF that pypdf
cannot open (corrupt, or encrypted with a password) is left out, and the cover says so.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from intake.core.display import displayable
from intake.core.model import Document, DocumentKind
from intake.core.replies.headers import clean_text
from intake.core.summary.packet_result import Merged, Packet, Skipped
from intake.core.summary.view import SummaryView

# pypdf reports damaged files through the logging module; the cover says it instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)

MAX_PAGES_PER_DOCUMENT = 60

_MERGE_ORDER = {
    DocumentKind.LETTER: 0,
    DocumentKind.NEF: 1,
    DocumentKind.UNREADABLE: 2,  # a scan may be the letter: the clerk reads it here
    DocumentKind.OTHER: 3,
}


def _open(data: bytes) -> PdfReader:
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise ValueError("it is protected by a password")
    _ = len(reader.pages)  # touches the page tree: a damaged one fails here, not later
    return reader


def _readers(
    documents: Sequence[Document], originals: Mapping[str, bytes]
) -> tuple[list[tuple[str, PdfReader]], list[Skipped]]:
    chosen: list[tuple[str, PdfReader]] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    ordered = sorted(
        (d for d in documents if d.kind in _MERGE_ORDER),
        key=lambda d: _MERGE_ORDER[d.kind],  # stable: received order within a kind
    )
    for doc in ordered:
        name = clean_text(doc.filename, limit=200) or "(unnamed)"
        if doc.sha256 in seen:
            continue  # the same file sent twice is in the packet once
        seen.add(doc.sha256)
        data = originals.get(doc.sha256)
        if data is None:
            skipped.append(Skipped(name, "the original file is not available"))
            continue
        try:
            chosen.append((name, _open(data)))
        except Exception as exc:  # pypdf raises many kinds on damaged files
            reason = (
                str(exc)
                if isinstance(exc, ValueError) and "password" in str(exc)
                else (f"it cannot be opened ({type(exc).__name__})")
            )
            skipped.append(Skipped(name, reason))
    return chosen, skipped


# ------------------------------------------------------------------------ cover


def _t(value: object) -> str:
    """Text for a reportlab Paragraph: markup escaped, characters the built-in fonts
    lack replaced (they would print as black boxes)."""
    text = escape(displayable(clean_text(str(value), limit=4000)))
    return text.encode("cp1252", "replace").decode("cp1252")


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontSize=9, leading=11)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontSize=15, leading=18),
        "h2": ParagraphStyle(
            "h2", parent=base["Heading2"], fontSize=11, spaceBefore=8, keepWithNext=1
        ),
        "body": body,
        "cell": ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9),
        "evidence": ParagraphStyle(
            "evidence", parent=body, fontName="Courier", fontSize=7.5, leading=9, leftIndent=12
        ),
    }


_GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
)


def _where(page: int | None, source: str) -> str:
    place = f"page {page}" if page else "page unknown"
    return place if source == "text" else f"{place}, {source}"


def cover_sheet(view: SummaryView, merged: Sequence[Merged], skipped: Sequence[Skipped]) -> bytes:
    st = _styles()
    cell = st["cell"]
    story: list[object] = [
        Paragraph(_t(f"CM/ECF training waiver: request {view.request_id}"), st["title"]),
        Paragraph(f"<b>Verdict:</b> {_t(view.status_label)}", st["body"]),
        Paragraph(
            f"<b>Attorney:</b> {_t(view.attorney_name)} &lt;{_t(view.attorney_address)}&gt;",
            st["body"],
        ),
        Paragraph(
            f"<b>NEFs that count:</b> {view.nef_tally}. <b>Letter:</b> {_t(view.letter_status)}.",
            st["body"],
        ),
        Paragraph(
            f"<b>First email:</b> {_t(view.opened_at)}. <b>Last update:</b> {_t(view.updated_at)}."
            + (f" <b>Complete since:</b> {_t(view.completed_at)}." if view.completed_at else ""),
            st["body"],
        ),
    ]
    if view.missing:
        story.append(Paragraph("<b>Still missing:</b> " + _t("; ".join(view.missing)), st["body"]))

    story.append(Paragraph("Notices of Electronic Filing", st["h2"]))
    if view.nefs:
        header = ["#", "File", "Court", "Case", "Doc.", "Filer", "Filed", "Counts / why not"]
        rows = [[Paragraph(f"<b>{h}</b>", cell) for h in header]]
        for n in view.nefs:
            verdict = "Yes" if n.counts else "No: " + " ".join(n.reasons)
            values = [
                str(n.index + 1), n.filename, f"{n.court} ({n.court_id})", ", ".join(n.cases),
                ", ".join(n.document_numbers), n.filer, n.filed_on, verdict,
            ]  # fmt: skip
            rows.append([Paragraph(_t(v), cell) for v in values])
        widths = [0.3, 1.0, 1.3, 0.9, 0.45, 1.0, 0.65, 1.9]
        table = Table(rows, colWidths=[w * inch for w in widths], repeatRows=1)
        table.setStyle(_GRID)
        story.append(table)
    else:
        story.append(Paragraph("No notices received.", st["body"]))

    story.append(Paragraph("Letter of acknowledgment", st["h2"]))
    if not view.letters:
        story.append(Paragraph("No letter received.", st["body"]))
    for letter in view.letters:
        signed = "yes" if letter.signed else "no"
        story.append(
            Paragraph(
                f"<b>{_t(letter.filename)}</b>: attorney {_t(letter.attorney_name)}; "
                f"signed: {signed}",
                st["body"],
            )
        )
        if letter.signature:
            story.append(
                Paragraph(
                    _t(f"{letter.signature.text}  [{letter.signature.where}]"), st["evidence"]
                )
            )
        for a in letter.affirmations:
            mark = {"found": "found", "unclear": "UNCLEAR (read it)"}.get(a.state, "NOT FOUND")
            story.append(Paragraph(f"{_t(a.description)}: <b>{mark}</b>", st["body"]))
            if a.evidence:
                story.append(
                    Paragraph(_t(f"{a.evidence.text}  [{a.evidence.where}]"), st["evidence"])
                )

    story.append(Paragraph("Findings", st["h2"]))
    if not view.findings:
        story.append(Paragraph("No findings: every document is in order.", st["body"]))
    for f in view.findings:
        story.append(Paragraph(f"{_t(f.message)} <i>[{_t(f.code)}]</i>", st["body"]))
        for e in f.evidence:
            story.append(Paragraph(_t(f"{e.text}  [{_where(e.page, e.source)}]"), st["evidence"]))

    story.append(Paragraph("In this packet", st["h2"]))
    for m in merged:
        cut = f" (the first {m.pages} of {m.total_pages})" if m.total_pages > m.pages else ""
        story.append(Paragraph(_t(f"{m.filename}: {m.pages} page(s){cut}"), st["body"]))
    if not merged:
        story.append(Paragraph("No documents could be attached.", st["body"]))
    for s in skipped:
        story.append(
            Paragraph(f"<b>Not attached:</b> {_t(s.filename)}: {_t(s.reason)}", st["body"])
        )
    story.append(Spacer(1, 8))
    story.append(Paragraph(_t(f"Generated {view.generated_at}."), st["cell"]))

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        leftMargin=0.6 * inch,
        rightMargin=0.6 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.6 * inch,
        title=f"Request {view.request_id}",
        author="intake",
        invariant=1,  # the same summary gives the same bytes
    )
    doc.build(story)
    return out.getvalue()


def _copyable(reader: PdfReader) -> int:
    """The pages of a PDF that pypdf can copy, up to the cap; raises when it cannot."""
    keep = _pages_kept(reader)
    scratch = PdfWriter()
    scratch.append(reader, pages=(0, keep), import_outline=False)
    scratch.write(io.BytesIO())
    return keep


def _pages_kept(reader: PdfReader) -> int:
    """A document is merged up to `MAX_PAGES_PER_DOCUMENT` pages: a page tree can declare
    100,000 pages in a kilobyte, and a clerk reads a notice, not a book."""
    return min(len(reader.pages), MAX_PAGES_PER_DOCUMENT)


# Actions a PDF viewer runs or follows by itself, or that leave the document: none of
# them belongs in a packet a clerk opens (ISO 32000-1, 12.6.4).
_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/ResetForm",
        "/GoToE",
        "/GoToR",
        "/Rendition",
        "/RichMediaExecute",
        "/Movie",
        "/Sound",
        "/SetOCGState",
        "/Hide",
        "/Named",
    }
)
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _safe_action(action: object) -> DictionaryObject | None:
    """The action a link may keep: a plain web or mail link, nothing chained after it."""
    if not isinstance(action, DictionaryObject):
        return None
    if action.get("/S") != "/URI":
        return None
    uri = str(action.get("/URI", "")).strip()
    if not uri.lower().startswith(_SAFE_SCHEMES) or any(ord(c) < 33 for c in uri):
        return None
    clean = DictionaryObject()
    clean[NameObject("/S")] = NameObject("/URI")
    clean[NameObject("/URI")] = TextStringObject(uri)
    return clean


def strip_active_content(writer: PdfWriter) -> int:
    """Remove from `writer` everything a viewer would run or launch; returns how many.

    Document level: the opening action, the document's additional actions, named
    scripts, embedded files, forms (XFA included). Page level: page actions, and of each
    annotation its actions (a link keeps a plain http(s) or mailto target), file
    attachments, sounds, movies and rich media. What stays is text, images and links.
    """
    removed = 0
    root = writer._root_object
    for key in ("/OpenAction", "/AA", "/AcroForm", "/JavaScript"):
        if key in root:
            del root[key]
            removed += 1
    names = root.get("/Names")
    if names is not None:
        names = names.get_object()
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if isinstance(names, DictionaryObject) and key in names:
                del names[key]
                removed += 1
    for page in writer.pages:
        if "/AA" in page:
            del page["/AA"]
            removed += 1
        annotations = page.get("/Annots")
        if annotations is None:
            continue
        kept = ArrayObject()
        for ref in annotations.get_object():
            annotation = ref.get_object()
            if not isinstance(annotation, DictionaryObject):
                continue
            subtype = annotation.get("/Subtype")
            if subtype in ("/FileAttachment", "/Sound", "/Movie", "/RichMedia", "/Screen"):
                removed += 1
                continue
            if "/AA" in annotation:
                del annotation["/AA"]
                removed += 1
            if "/A" in annotation:
                action = annotation["/A"].get_object()
                safe = _safe_action(action)
                if safe is None:
                    del annotation["/A"]
                    removed += 1
                else:
                    if isinstance(action, DictionaryObject) and (
                        "/Next" in action or action.get("/S") in _ACTIVE_ACTIONS
                    ):
                        removed += 1
                    annotation[NameObject("/A")] = safe
            kept.append(ref)
        page[NameObject("/Annots")] = kept
    return removed


def build_packet(
    view: SummaryView,
    documents: Sequence[Document],
    originals: Mapping[str, bytes],
    unavailable: str | None = None,
) -> Packet:
    """Cover sheet + the request's PDFs; `originals` maps sha256 to the file's bytes.

    Each PDF is copied once, into the packet: only when that fails (a page tree that
    opens may still fail to copy) is each one tried alone, to leave out the ones that
    cannot be copied and say so on the cover. `unavailable`: why no document can be
    merged this time (the cover alone is made, listing each document as left out).
    """
    if unavailable is not None:
        left_out = [
            Skipped(clean_text(d.filename, limit=200) or "(unnamed)", unavailable)
            for d in documents
            if d.kind in _MERGE_ORDER
        ]
        return _assemble(view, [], [], left_out)
    readers, skipped = _readers(documents, originals)
    try:
        merged = [Merged(n, _pages_kept(r), len(r.pages)) for n, r in readers]
        return _assemble(view, readers, merged, skipped)
    except Exception:  # pypdf raises many kinds on damaged files: find which one
        pass
    good: list[tuple[str, PdfReader]] = []
    merged = []
    for name, reader in readers:
        try:
            pages = _copyable(reader)
        except Exception as exc:
            skipped.append(Skipped(name, f"it cannot be copied ({type(exc).__name__})"))
            continue
        good.append((name, reader))
        merged.append(Merged(name, pages, len(reader.pages)))
    return _assemble(view, good, merged, skipped)


def _assemble(
    view: SummaryView,
    readers: Sequence[tuple[str, PdfReader]],
    merged: Sequence[Merged],
    skipped: Sequence[Skipped],
) -> Packet:
    cover = PdfReader(io.BytesIO(cover_sheet(view, merged, skipped)))
    packet = PdfWriter()
    packet.append(cover, outline_item="Summary")
    for (name, reader), kept in zip(readers, merged, strict=True):
        # The documents' own bookmarks are left out: they can carry actions too.
        packet.append(reader, outline_item=name, pages=(0, kept.pages), import_outline=False)
    removed = strip_active_content(packet)
    # The objects the removed entries pointed to are still in the writer: drop every
    # object nothing refers to any more, so that no script is even present as bytes.
    try:
        packet.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    except TypeError:  # pypdf before 7 names it remove_orphans
        packet.compress_identical_objects(remove_identicals=False, remove_orphans=True)
    out = io.BytesIO()
    packet.write(out)
    return Packet(
        pdf=out.getvalue(),
        cover_pages=len(cover.pages),
        merged=tuple(merged),
        skipped=tuple(skipped),
        active_content_removed=removed,
    )


def packet_task(
    payload: tuple[SummaryView, Sequence[Document], Mapping[str, bytes], str | None],
) -> Packet:
    """`build_packet` as the bounded child runs it (by this name; see clerk_files)."""
    view, documents, originals, unavailable = payload
    return build_packet(view, documents, originals, unavailable)
