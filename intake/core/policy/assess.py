"""Documents of one request → `Assessment` (SPEC 4.2-4.4). Pure.

The policy is a list of small named checks, in the manner of Mailman's rules: each NEF
check looks at one notice (and what came before it) and names the rule it fails; the
request-level decision then weighs what counted, the letter, and what could not be read.
Every check's failure becomes a `Finding` with a code, a plain-English message from
`rules/messages.toml`, and the evidence it rests on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from intake.core.documents.courts import court_name, is_bankruptcy_court
from intake.core.documents.names import same_person
from intake.core.model import (
    AffirmationState,
    Assessment,
    ClerkDecision,
    CourtType,
    DecisionKind,
    Document,
    DocumentKind,
    Evidence,
    FactState,
    Finding,
    LetterFacts,
    LetterStatus,
    MissingItem,
    NefFacts,
    NefVerdict,
    Params,
    Status,
)
from intake.core.policy.decisions import (
    apply_letter_decisions,
    decided_notices,
    decision_params,
    for_documents,
    notice_decision,
)
from intake.core.policy.rules import Rules

# --------------------------------------------------------------------- NEF checks


@dataclass
class _Counted:
    """What the NEFs counted so far cover, to recognise the same filing again."""

    # (sha256, the notice's place in it) -> label: the same notice of the same file
    files: dict[tuple[str, int], str] = field(default_factory=dict)
    filings: dict[tuple[str, str, str], str] = field(default_factory=dict)  # court, case, doc
    file_numbers: dict[tuple[str, str], str] = field(default_factory=dict)  # court, FileNumber

    def original_of(self, doc: Document, nef: NefFacts) -> str | None:
        if _notice_key(doc, nef) in self.files:
            return self.files[_notice_key(doc, nef)]
        court = nef.court_id or ""
        for case in nef.cases:
            number = case.document_number or case.claim_number
            key = (court, _norm_case(case.case_number), number or "")
            if number and key in self.filings:
                return self.filings[key]
        for number in nef.file_numbers:
            if (court, number) in self.file_numbers:
                return self.file_numbers[(court, number)]
        return None

    def add(self, doc: Document, nef: NefFacts, label: str) -> None:
        self.files[_notice_key(doc, nef)] = label
        court = nef.court_id or ""
        for case in nef.cases:
            number = case.document_number or case.claim_number
            if number:
                self.filings[(court, _norm_case(case.case_number), number)] = label
        for file_number in nef.file_numbers:
            self.file_numbers[(court, file_number)] = label


def _notice_key(doc: Document, nef: NefFacts) -> tuple[str, int]:
    """The file and the notice's place in it (two notices may share a page)."""
    return doc.sha256, doc.nefs.index(nef) if nef in doc.nefs else 0


def _norm_case(case_number: str) -> str:
    return "".join(case_number.split()).lower()


@dataclass(frozen=True)
class _NefContext:
    rules: Rules
    attorney: str | None
    counted: _Counted


# A check returns the code of the rule the notice fails, or None when it passes.
NefCheck = Callable[[Document, NefFacts, _NefContext], str | None]


def check_bankruptcy_court(doc: Document, nef: NefFacts, ctx: _NefContext) -> str | None:
    # One of the 94 by its id: a bankruptcy header naming no district we know, or a
    # panel that prints a bankruptcy stamp, is not a bankruptcy court (SPEC 4.2).
    counts = nef.court_type is CourtType.BANKRUPTCY and is_bankruptcy_court(nef.court_id)
    return None if counts else "not_bankruptcy_court"


def check_read_clearly(doc: Document, nef: NefFacts, ctx: _NefContext) -> str | None:
    # A scan that OCR read with little confidence may hold a wrong digit in any fact.
    # So may a scan whose court, case or entry number OCR could not make out at all.
    confidence = nef.ocr_confidence
    if confidence is None:
        return None
    numbered = bool(nef.cases) and all(c.document_number or c.claim_number for c in nef.cases)
    clear = confidence >= ctx.rules.nef.ocr_min_confidence and numbered and bool(nef.court_id)
    return None if clear else "ocr_unclear"


def check_not_own_court(doc: Document, nef: NefFacts, ctx: _NefContext) -> str | None:
    return "own_court" if nef.court_id == ctx.rules.nef.own_court else None


def check_not_excluded(doc: Document, nef: NefFacts, ctx: _NefContext) -> str | None:
    return "excluded_court" if ctx.rules.nef.excluded(nef.court_id) else None


def check_notice_type(doc: Document, nef: NefFacts, ctx: _NefContext) -> str | None:
    counted = nef.notice_type in ctx.rules.nef.counted_notice_types
    return None if counted else "notice_type_not_counted"


def check_not_duplicate(doc: Document, nef: NefFacts, ctx: _NefContext) -> str | None:
    return "duplicate" if ctx.counted.original_of(doc, nef) else None


def check_filer(doc: Document, nef: NefFacts, ctx: _NefContext) -> str | None:
    if not ctx.attorney:
        return None  # nobody to compare with; the letter finding says why
    names = [n for n in (nef.filer, *nef.filed_by) if n]
    return None if any(same_person(n, ctx.attorney) for n in names) else "filer_mismatch"


NEF_CHECKS: tuple[NefCheck, ...] = (
    check_read_clearly,
    check_bankruptcy_court,
    check_not_own_court,
    check_not_excluded,
    check_notice_type,
    check_not_duplicate,
    check_filer,
)


def _court_words(nef: NefFacts, rules: Rules) -> str:
    """The court as a finding names it: its official name, else what the notice printed."""
    official = court_name(nef.court_id)
    if official:
        return f"the {official}"
    printed = next((e.text for e in nef.court_evidence if e.source == "header"), None)
    return rules.unnamed_court(printed or nef.court_name)


def notice_label(doc: Document, notice: int, rules: Rules) -> str:
    """How people are told which notice: the file's name, and for a PDF holding several,
    which of them and its pages ("NEFs (6).pdf, notice 3 of 6 (page 4)")."""
    count = len(doc.nefs)
    pages = doc.nefs[notice].pages if notice < count else None
    if count < 2 or pages is None:
        return doc.filename
    return rules.notice_label(doc.filename, notice + 1, count, pages)


def _nef_finding(
    code: str,
    doc: Document,
    nef: NefFacts,
    ctx: _NefContext,
    original: str | None,
    label: str,
) -> Finding:
    excluded = ctx.rules.nef.excluded(nef.court_id)
    filers = [n for n in (nef.filer, *nef.filed_by) if n]
    params: Params = {
        "document": label,
        "court": nef.court_id or "an unknown court",
        "court_name": _court_words(nef, ctx.rules),
        "case": ", ".join(c.case_number for c in nef.cases) or "no case number",
        "excluded_message": excluded.message if excluded else "",
        "excluded_name": excluded.display_name if excluded else "",
        "original": original or "another notice",
        "filer": " / ".join(dict.fromkeys(filers)) or "an unnamed filer",
        "attorney": ctx.attorney or "the attorney",
        "notice": nef.notice_type.value.replace("_", " "),
        "confidence": f"{round((nef.ocr_confidence or 0) * 100)}%",
    }
    evidence: tuple[Evidence, ...] = ()
    if code in {"not_bankruptcy_court", "own_court", "excluded_court", "ocr_unclear"}:
        evidence = nef.court_evidence
    elif code == "filer_mismatch":
        evidence = tuple(Evidence(text=name, source="text") for name in filers)
    elif code == "duplicate":
        evidence = tuple(
            Evidence(text=f"{c.case_number} #{c.document_number or c.claim_number}")
            for c in nef.cases
        ) + tuple(Evidence(text=f"FileNumber={n}", source="stamp") for n in nef.file_numbers)
    return _with_advice(_finding(ctx.rules, code, params, doc, evidence), ctx.rules)


def _with_advice(finding: Finding, rules: Rules, reason: str | None = None) -> Finding:
    """The finding with what to send instead after its message (rules/messages.toml)."""
    advice = rules.advice(finding.code, reason)
    if not advice:
        return finding
    params = {**finding.params, "advice": advice}
    return finding.model_copy(update={"message": f"{finding.message} {advice}", "params": params})


def _finding(
    rules: Rules,
    code: str,
    params: Params,
    doc: Document | None = None,
    evidence: tuple[Evidence, ...] = (),
) -> Finding:
    """The finding `code`, worded once from messages.toml with `params`."""
    return Finding(
        code=code,
        message=rules.word(code, params),
        params=params,
        document=doc.filename if doc else None,
        sha256=doc.sha256 if doc else None,
        evidence=evidence,
    )


def judge_nefs(
    documents: Sequence[Document],
    attorney: str | None,
    rules: Rules,
    decisions: Sequence[ClerkDecision] = (),
) -> tuple[list[NefVerdict], list[Finding]]:
    """Run every NEF check over the notices, in the order they were received; a notice
    a clerk counted (or not) takes the clerk's verdict instead."""
    ctx = _NefContext(rules=rules, attorney=attorney, counted=_Counted())
    verdicts: list[NefVerdict] = []
    findings: list[Finding] = []
    for index, doc in enumerate(documents):
        if doc.kind is not DocumentKind.NEF or doc.nef is None:
            # A print the machine could not read, counted (or not) by a clerk who did.
            decided = notice_decision(decisions, doc.sha256, 0)
            if decided is not None:
                verdicts.append(_decided_verdict(index, doc, decided))
                if decided.kind is DecisionKind.NOT_COUNTED:
                    findings.append(_not_counted(rules, doc, doc.filename, decided))
            continue
        # Each notice of a PDF holding several counts, or not, on its own (SPEC 4.1).
        for number, nef in enumerate(doc.nefs or (doc.nef,)):
            label = notice_label(doc, number, rules)
            original = ctx.counted.original_of(doc, nef)
            reasons = [code for check in NEF_CHECKS if (code := check(doc, nef, ctx))]
            decided = notice_decision(decisions, doc.sha256, number)
            if decided is not None:
                reasons = [] if decided.kind is DecisionKind.COUNTED else ["clerk_not_counted"]
            if not reasons:
                ctx.counted.add(doc, nef, label)
            verdicts.append(
                NefVerdict(
                    index=index,
                    sha256=doc.sha256,
                    counts=not reasons,
                    reasons=tuple(reasons),
                    notice=number,
                    label=label,
                    decided_by=decided.clerk if decided else None,
                )
            )
            if decided is not None:
                if decided.kind is DecisionKind.NOT_COUNTED:
                    finding = _not_counted(rules, doc, label, decided)
                    findings.append(finding.model_copy(update={"notice": number}))
                continue
            findings.extend(
                _nef_finding(code, doc, nef, ctx, original, label).model_copy(
                    update={"notice": number}
                )
                for code in reasons
            )
    return verdicts, findings


def _decided_verdict(index: int, doc: Document, decision: ClerkDecision) -> NefVerdict:
    counts = decision.kind is DecisionKind.COUNTED
    return NefVerdict(
        index=index,
        sha256=doc.sha256,
        counts=counts,
        reasons=() if counts else ("clerk_not_counted",),
        label=doc.filename,
        decided_by=decision.clerk,
    )


def _not_counted(rules: Rules, doc: Document, label: str, decision: ClerkDecision) -> Finding:
    params: Params = {"document": label, "clerk": decision.clerk, "reason": decision.reason}
    return _finding(rules, "clerk_not_counted", params, doc)


def decision_findings(
    decisions: Sequence[ClerkDecision], documents: Sequence[Document], rules: Rules
) -> list[Finding]:
    """One finding per decision applied: who decided what about which document."""
    by_sha = {d.sha256: d for d in documents}
    descriptions = {a.id: a.description for a in rules.letter.affirmations}
    findings = []
    for decision in decisions:
        doc = by_sha[decision.sha256]
        params = decision_params(decision, descriptions)
        params["decision"] = rules.decision_words(decision.kind.value, params)
        findings.append(_finding(rules, "clerk_decision", params, doc))
    return findings


# ------------------------------------------------------------------ the letter


def _letter_ok(letter: LetterFacts) -> bool:
    """Surely the attorney's own letter, signed, named, every affirmation found."""
    return (
        letter.signature is FactState.FOUND
        and bool(letter.attorney_name)
        and letter.authorship is FactState.FOUND
        and letter.certain
        and all(a.found for a in letter.affirmations)
    )


def _letter_rank(letter: LetterFacts) -> tuple[bool, bool, bool]:
    return (_letter_ok(letter), letter.certain, letter.own_letter)


def best_letter(documents: Sequence[Document]) -> tuple[Document, LetterFacts] | None:
    """The letter to judge by: the last good one, else the last one surely a letter,
    else the last one received."""
    # A letter may also open a PDF of notices (the letter and the NEFs in one file).
    letters = [(d, d.letter) for d in documents if d.letter is not None]
    if not letters:
        return None
    best = max(_letter_rank(lt) for _, lt in letters)
    return [(d, lt) for d, lt in letters if _letter_rank(lt) == best][-1]


def other_signer(documents: Sequence[Document], attorney_name: str | None) -> str | None:
    """The name on a good letter among `documents` that is not `attorney_name`, if any.

    A firm's paralegal may send one attorney's complete request and then another's
    from the same address: the second letter's signer is a new applicant, not a
    follow-up to the first.
    """
    if not attorney_name:
        return None
    for document in documents:
        letter = document.letter
        if letter and _letter_ok(letter):
            name = letter.attorney_name or ""
            if not same_person(name, attorney_name):
                return name
    return None


def judge_letter(
    chosen: tuple[Document, LetterFacts] | None, rules: Rules
) -> tuple[LetterStatus, list[Finding], list[MissingItem]]:
    """The letter's status, its findings, and what is missing from it.

    Only what is surely missing is told as missing; an affirmation the letter touches
    without a statement that can be confirmed, or a PDF that may not be the letter at
    all, goes to a clerk (`unclear`)."""
    if chosen is None:
        return LetterStatus.MISSING, [], [MissingItem(code="letter")]
    doc, letter = chosen
    if _letter_ok(letter):
        return LetterStatus.OK, [], []
    descriptions = {a.id: a.description for a in rules.letter.affirmations}
    findings: list[Finding] = []
    missing: list[MissingItem] = []

    def finding(code: str, evidence: tuple[Evidence, ...] = (), **params: str) -> Finding:
        return _finding(rules, code, {"document": doc.filename, **params}, doc, evidence)

    def add(code: str, item: MissingItem, evidence: tuple[Evidence, ...] = ()) -> None:
        findings.append(finding(code, evidence, **{k: str(v) for k, v in item.params.items()}))
        missing.append(item)

    if not letter.certain:
        reason = letter.recognition or "it does not read plainly as the letter"
        return LetterStatus.UNCLEAR, [finding("letter_uncertain", reason=reason)], []
    if letter.authorship is FactState.ABSENT:
        # Plainly written for the attorney and signed by someone else (SPEC 4.3).
        evidence = (letter.own_letter_evidence,) if letter.own_letter_evidence else ()
        writer = f" by {letter.writer}" if letter.writer else ""
        add("not_own_letter", MissingItem(code="own_letter", params={"writer": writer}), evidence)
    else:
        for affirmation in letter.affirmations:
            if affirmation.state is AffirmationState.MISSING:
                description = descriptions.get(affirmation.id, affirmation.id)
                params = {"id": affirmation.id, "description": description}
                add("affirmation_missing", MissingItem(code="affirmation", params=params))
        # Doubt goes to the clerk: only a signature surely absent is told to the attorney.
        if letter.signature is FactState.ABSENT:
            add("letter_unsigned", MissingItem(code="signature"))
        elif letter.signature is FactState.UNCLEAR:
            reason = letter.signature_reason or "the signature cannot be read by machine"
            findings.append(finding("signature_unclear", reason=reason))
        elif not letter.attorney_name:
            # Something is written where the name goes, but it does not read as a name:
            # a clerk reads it rather than the attorney being told to type it.
            findings.append(finding("attorney_name_unclear"))
        if letter.authorship is FactState.UNCLEAR:
            evidence = (letter.own_letter_evidence,) if letter.own_letter_evidence else ()
            reason = letter.authorship_reason or "someone else may have written it"
            findings.append(finding("authorship_unclear", evidence, reason=reason))
    unclear = [a for a in letter.affirmations if a.state is AffirmationState.UNCLEAR]
    if unclear and letter.authorship is not FactState.ABSENT:
        findings.append(
            finding(
                "letter_unclear",
                tuple(c for a in unclear for c in a.candidates),
                ids=", ".join(a.id for a in unclear),
                descriptions="; and that the attorney ".join(
                    descriptions.get(a.id, a.id) for a in unclear
                ),
            )
        )
    if not missing:
        return LetterStatus.UNCLEAR, findings, []
    words = "; ".join(rules.still_needed(item) for item in missing)
    summary = _finding(rules, "letter_deficient", {"document": doc.filename, "missing": words}, doc)
    return LetterStatus.DEFICIENT, [summary, *findings], missing


# ------------------------------------------------------------ other documents


def document_findings(documents: Sequence[Document], rules: Rules) -> list[Finding]:
    findings = []
    for doc in documents:
        code = {
            DocumentKind.NOT_PDF: "not_pdf",
            DocumentKind.UNREADABLE: "attachment_too_large" if doc.oversize else "unreadable",
            DocumentKind.OTHER: "other_document",
        }.get(doc.kind)
        if doc.kind is DocumentKind.NEF and doc.nef is None:
            code = "unknown_court"
        if code:
            reason = doc.reason or "no reason given"
            params: Params = {"document": doc.filename, "reason": reason}
            findings.append(_with_advice(_finding(rules, code, params, doc), rules, reason))
    return findings


# -------------------------------------------------------------- the decision


def _could_complete(letter: LetterStatus, counted: int, unreadable: int, required: int) -> bool:
    """Could the unreadable documents turn this request complete? (SPEC 4.4)

    Each one could be a good letter or a counting NEF, but not both.
    """
    spare = unreadable
    if letter is LetterStatus.UNCLEAR:
        return counted + spare >= required  # a clerk may find the letter in order
    if letter is not LetterStatus.OK:
        if spare == 0:
            return False
        spare -= 1
    return counted + spare >= required


def assess(
    documents: Sequence[Document],
    sender_name: str | None,
    rules: Rules,
    decisions: Sequence[ClerkDecision] = (),
) -> Assessment:
    """Assess every document received so far from one attorney.

    `sender_name` is the From display name, used for the attorney's name when no letter
    gives it. `decisions` are the clerks' decisions on the request (policy/decisions.py):
    each applies to the one document it names, if it is among `documents`.
    """
    required = rules.nef.required_nefs
    decisions = for_documents(decisions, documents)
    ids = [a.id for a in rules.letter.affirmations]
    sender = sender_name.strip() if sender_name else None
    documents = apply_letter_decisions(documents, decisions, sender, ids)
    chosen = best_letter(documents)
    letter_name = chosen[1].attorney_name if chosen else None
    attorney = letter_name or (sender_name.strip() if sender_name else None) or None

    letter_status, letter_findings, letter_missing = judge_letter(chosen, rules)
    verdicts, nef_findings = judge_nefs(documents, attorney, rules, decisions)
    settled = decided_notices(decisions)
    findings = [
        *document_findings([d for d in documents if d.sha256 not in settled], rules),
        *nef_findings,
        *letter_findings,
        *decision_findings(decisions, documents, rules),
    ]
    counted = sum(v.counts for v in verdicts)
    # An unreadable PDF may hold a notice on every page (six NEFs scanned into one file);
    # one a clerk has read and counted, or not, is settled.
    unreadable = sum(
        max(d.page_count, 1)
        for d in documents
        if d.kind is DocumentKind.UNREADABLE and d.sha256 not in settled
    )
    # A notice OCR read unclearly may count once a clerk has read it.
    unreadable += sum("ocr_unclear" in v.reasons for v in verdicts)

    missing = list(letter_missing)
    if counted < required:
        needed = required - counted
        plural = "s" if needed > 1 else ""
        missing.append(MissingItem(code="nefs", params={"needed": needed, "plural": plural}))
        params: Params = {"counted": counted, "required": required, "needed": needed}
        findings.append(_finding(rules, "too_few_nefs", params))
    if letter_status is LetterStatus.MISSING:
        findings.append(_finding(rules, "letter_missing", {}))
    if not documents:
        findings.append(_finding(rules, "no_documents", {}))

    status = _decide(documents, verdicts, letter_status, counted, unreadable, rules)
    if status is Status.TRAINING_REQUIRED:
        findings.append(_finding(rules, "training_required", {}))
    elif status is Status.NEEDS_REVIEW:
        findings.append(_finding(rules, "needs_review", {}))
    return Assessment(
        status=status,
        qualifying_nefs=counted,
        required_nefs=required,
        letter=letter_status,
        attorney_name=attorney,
        findings=tuple(findings),
        nef_verdicts=tuple(verdicts),
        missing=tuple(missing) if status is not Status.COMPLETE else (),
        decisions=tuple(decisions),
    )


def _notice_of(doc: Document, notice: int) -> NefFacts | None:
    return doc.nefs[notice] if notice < len(doc.nefs) else doc.nef


def _decide(
    documents: Sequence[Document],
    verdicts: Sequence[NefVerdict],
    letter: LetterStatus,
    counted: int,
    unreadable: int,
    rules: Rules,
) -> Status:
    required = rules.nef.required_nefs
    if letter is LetterStatus.OK and counted >= required:
        return Status.COMPLETE
    if _could_complete(letter, counted, unreadable, required):
        return Status.NEEDS_REVIEW
    if verdicts and counted == 0:
        notices = [_notice_of(documents[v.index], v.notice) for v in verdicts]
        bankruptcy = [n for n in notices if n and n.court_type is CourtType.BANKRUPTCY]
        if bankruptcy and all(n and rules.nef.excluded(n.court_id) for n in bankruptcy):
            return Status.TRAINING_REQUIRED
    return Status.INCOMPLETE


def with_unverified_sender(
    assessment: Assessment, results: Sequence[str], rules: Rules
) -> Assessment:
    """The assessment of a request holding mail whose sender was not authenticated
    (the sender check is on): it cannot be complete, since anyone may have sent it, so a
    complete one goes to a clerk; every outcome carries the finding with the results."""
    evidence = tuple(Evidence(text=text, source="authentication-results") for text in results)
    finding = _finding(rules, "sender_not_verified", {}, evidence=evidence)
    status = Status.NEEDS_REVIEW if assessment.status is Status.COMPLETE else assessment.status
    return assessment.model_copy(
        update={"status": status, "findings": (*assessment.findings, finding)}
    )
