"""`intake check`: assess .eml and .pdf files offline (SPEC 5). Changes nothing, sends nothing."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.commands.common import UsageError, table_width
from intake.commands.help_format import HelpFormatter

# Heavy modules are imported in the functions that use them: building the parser
# (every `intake` command, `intake --help`) must stay quick (see intake/commands/cli.py).
if TYPE_CHECKING:
    from intake.core.model import Assessment, Attachment, Document, Envelope
    from intake.core.policy.rules import Rules
    from intake.edges.mail.limits import MessageLimits


EPILOG = """\
examples:
  intake check fixtures/eml/duplicates.eml      a table per document and the verdict
  intake check --json fixtures/eml/             one JSON object per file (SPEC 5)
  intake check letter.pdf nef1.pdf              a lone PDF is a one-document request
  intake check --request letter.pdf nef*.pdf    the files together, as ONE request
  intake check --request first.eml second.eml   two emails of one attorney, together

Each .eml is assessed as a request of its own, and a .pdf given alone is a one-document
request; with --request every file given (emails, PDFs, folders of them) is one request,
as if one attorney had sent them all (PDFs received by other means, or a request spread
over several emails). Folders are searched for .eml and .pdf files. The table fits the
terminal (100 columns when the output is not one): long cells wrap, nothing is cut.
The rules it validated are kept in the user's cache folder ($XDG_CACHE_HOME/intake, else
~/.cache/intake) and taken from there while they and intake are unchanged.

Exit status: 0 when every input could be opened, 1 when some could not, 2 for a usage
error (a path that does not exist, a bad rules folder).
"""

SUFFIXES = {".eml", ".pdf"}
# Up to this many files, each is read in forks of the command (~3 ms each) rather than
# by reader processes started for it (~0.3 s of CPU each, repaid over many PDFs).
FORKED_AT_MOST = 3


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "check",
        help="assess .eml/.pdf files offline; changes nothing, sends nothing",
        description="Assess emails (.eml) and PDFs offline and print what each document "
        "is and whether the training-waiver request is complete.",
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help=".eml or .pdf file, or folder")
    parser.add_argument("--json", action="store_true", help="one JSON object per file, per line")
    parser.add_argument(
        "--request",
        action="store_true",
        help="assess all the files together as one request (one table, one JSON object)",
    )
    parser.add_argument(
        "--rules", type=Path, metavar="DIR", help="rules folder (default: the shipped rules/)"
    )
    parser.add_argument(
        "--max-attachment-mb",
        type=_positive_mb,
        default=25.0,
        metavar="MB",
        help="attachments larger than this are not read (default: 25)",
    )
    parser.set_defaults(func=run)


def _positive_mb(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: a size in MB above 0, e.g. 25")
    return value


def expand(paths: list[str]) -> list[Path]:
    """The files to check, in a stable order; a missing path is a usage error."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
            if not found:
                raise UsageError(f"{raw}: no .eml or .pdf files in this folder")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise UsageError(f"{raw}: no such file or folder")
    return files


@dataclass(frozen=True)
class Checked:
    envelope: Envelope | None
    documents: list[Document]
    assessment: Assessment


@dataclass(frozen=True)
class Opened:
    """One file, opened: a lone PDF (`attachment`) or an email (`envelope`)."""

    envelope: Envelope | None = None
    attachment: Attachment | None = None


def open_file(name: str, data: bytes, limits: MessageLimits) -> Opened:
    """A PDF alone, or else an email parsed (bounded, as in a poll); its PDFs are
    prefetched: their reading starts now, in sandboxed readers, while the caller goes on."""
    from intake.core.documents.sniff import is_pdf
    from intake.core.model import Attachment, Envelope

    if name.lower().endswith(".pdf") or is_pdf(data):
        from intake.edges.pdf.reader import prefetch_pdfs

        attachment = Attachment(
            filename=name,
            declared_type="application/pdf",
            data=data if len(data) <= limits.max_attachment_bytes else b"",
            size=len(data),
            truncated=len(data) > limits.max_attachment_bytes,
        )
        # Started before the classifier loads, so the read runs while it does (this is
        # `classify.needs_text`: a PDF within the size bound).
        if not attachment.truncated and is_pdf(data):
            prefetch_pdfs([data])
        return Opened(attachment=attachment)
    from intake.edges.mail.isolated import UnreadableMessage, parse_isolated

    try:
        envelope = parse_isolated(data, limits)
    except UnreadableMessage as exc:
        envelope = Envelope(
            message_id=None,
            sender_address=None,
            sender_name=None,
            problems=(f"The message could not be read: {exc}.",),
        )
    from intake.core.documents.classify import pdfs_to_read
    from intake.edges.pdf.reader import prefetch_pdfs

    prefetch_pdfs([attachment.data for attachment in pdfs_to_read(envelope)])
    return Opened(envelope=envelope)


def documents_of(opened: Opened, rules: Rules) -> list[Document]:
    """The documents of an opened file, read and classified."""
    from intake.service.documents import ReadOptions, read_document, read_documents

    options = ReadOptions()
    if opened.attachment is not None:
        return [read_document(opened.attachment, rules, options)]
    assert opened.envelope is not None
    return read_documents(opened.envelope, rules, options)


def read_file(
    name: str, data: bytes, rules: Rules, limits: MessageLimits
) -> tuple[Envelope | None, list[Document]]:
    """One file's documents: a PDF alone, or else an email and its attachments."""
    opened = open_file(name, data, limits)
    return opened.envelope, documents_of(opened, rules)


def check_bytes(name: str, data: bytes, rules: Rules, limits: MessageLimits) -> Checked:
    """Assess one file's bytes: a PDF alone, or else an email."""
    return check_opened(open_file(name, data, limits), rules)


def check_opened(opened: Opened, rules: Rules) -> Checked:
    from intake.core.policy.assess import assess

    documents = documents_of(opened, rules)
    name_hint = opened.envelope.sender_name if opened.envelope else None
    return Checked(opened.envelope, documents, assess(documents, name_hint, rules))


def check_request(
    files: list[tuple[str, Envelope | None, list[Document]]], rules: Rules
) -> Checked:
    """Several files as ONE request: their documents together, in the order given; the
    first email's sender stands for the attorney (as the first email opens a request)."""
    from intake.core.policy.assess import assess

    envelopes = [(source, e) for source, e, _ in files if e is not None]
    documents = [d for _, _, docs in files for d in docs]
    envelope = envelopes[0][1] if envelopes else None
    if envelope is not None:
        problems = [f"{source}: {p}" for source, e in envelopes for p in e.problems]
        senders = list(dict.fromkeys(e.sender_address for _, e in envelopes if e.sender_address))
        if len(senders) > 1:
            problems.insert(
                0,
                f"the emails come from {len(senders)} senders ({', '.join(senders)}); "
                f"assessed as the request of the first, {senders[0]}",
            )
        envelope = envelope.model_copy(update={"problems": tuple(problems)})
    name_hint = envelope.sender_name if envelope else None
    return Checked(envelope, documents, assess(documents, name_hint, rules))


def _progress(files: list[Path]) -> Iterator[tuple[int, Path]]:
    show = len(files) > 3 and sys.stderr.isatty()
    for i, path in enumerate(files, 1):
        if show:
            print(f"\rchecking {i}/{len(files)}: {path.name[:40]:<40}", end="", file=sys.stderr)
        yield i, path
    if show:
        print("\r" + " " * 70 + "\r", end="", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from intake.edges import forked

    try:
        files = expand(args.paths)
    except UsageError as exc:
        print(f"intake check: {exc}", file=sys.stderr)
        return 2
    from intake.edges.mail.limits import MessageLimits

    limits = MessageLimits(max_attachment_bytes=int(args.max_attachment_mb * 1024 * 1024))
    if len(files) > FORKED_AT_MOST:
        # Many files: the reader processes start and load PDFium on the other core while
        # this one loads the rules.
        from intake.edges.pdf.reader import warm_up_readers

        warm_up_readers()
        return _check(args, files, limits, {})
    # A few: each read (MIME parse, PDF) in a fork of this command, under the bounds of
    # the poll's readers; the files are opened and their PDFs' reading started now,
    # while the rules load.
    with forked.allowed():
        return _check(args, files, limits, {path: _open(path, limits) for path in files})


def _check(
    args: argparse.Namespace,
    files: list[Path],
    limits: MessageLimits,
    opened: dict[Path, Opened | OSError],
) -> int:
    from intake.core.policy.rules import RulesError
    from intake.edges.rules_cache import load_rules_cached

    try:
        # Kept validated between checks (intake/edges/rules_cache.py): ~40 ms of CPU.
        rules = load_rules_cached(args.rules)
    except RulesError as exc:
        print(f"intake check: {exc}", file=sys.stderr)
        return 2
    status = 0
    together: list[tuple[str, Envelope | None, list[Document]]] = []
    for i, path in _progress(files):
        one = opened.pop(path, None) or _open(path, limits)
        if isinstance(one, OSError):
            print(f"intake check: {path}: cannot read: {one.strerror or one}", file=sys.stderr)
            status = 1
            continue
        if args.request:
            together.append((str(path), one.envelope, documents_of(one, rules)))
            continue
        if i > 1 and not args.json:
            print()
        _print(str(path), check_opened(one, rules), rules, json_lines=args.json)
    if args.request:
        from intake.core.table import keep_together

        checked = check_request(together, rules)
        sources = [source for source, _, _ in together]
        # Each path stays whole on its line of the table; the JSON has them as they are.
        shown = sources if args.json else [keep_together(s) for s in sources]
        _print(
            f"request of {len(sources)} file(s): {', '.join(shown)}",
            checked,
            rules,
            json_lines=args.json,
            sources=sources,
        )
    return status


def _open(path: Path, limits: MessageLimits) -> Opened | OSError:
    try:
        data = path.read_bytes()
    except OSError as exc:
        return exc
    return open_file(path.name, data, limits)


def _print(
    source: str,
    checked: Checked,
    rules: Rules,
    *,
    json_lines: bool,
    sources: list[str] | None = None,
) -> None:
    from intake.core.display import displayable_data, displayable_lines
    from intake.core.report import check_json, render_table

    # What the files hold is a stranger's: shown without terminal controls or bidi tricks.
    if json_lines:
        line = check_json(source, checked.envelope, checked.documents, checked.assessment, rules)
        if sources is not None:
            line["sources"] = sources
        print(json.dumps(displayable_data(line), ensure_ascii=False))
    else:
        table = render_table(
            source,
            checked.envelope,
            checked.documents,
            checked.assessment,
            rules,
            width=table_width(),
        )
        print(displayable_lines(table))
