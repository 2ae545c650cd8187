"""A clerk's decisions as an input of the policy. Pure.

The machine leaves to a clerk what it cannot settle (a scanned letter, an unclear
statement, a notice read poorly). A clerk's decision names ONE document by its SHA-256,
so it applies to that document only, in every later assessment of the request, and
never to another document (another file with the same name, or the same facts).

- `letter_accepted`: the document is the attorney's own letter, signed and in order
  (a scan the machine could not read, a PDF it was unsure was the letter);
- `affirmation_accepted`: the letter makes that statement (an `unclear` one);
- `counted` / `not_counted`: that notice of the document counts toward the six or not
  (a notice read unclearly, an unreadable print the clerk read, a doubtful filer).

The letter decisions change the facts the policy reads (the decision is the evidence);
the notice decisions set the notice's verdict (see `assess.judge_nefs`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from intake.core.model import (
    Affirmation,
    AffirmationState,
    Assessment,
    ClerkDecision,
    DecisionKind,
    Document,
    DocumentKind,
    Evidence,
    FactState,
    LetterFacts,
    Params,
)

NOTICE_DECISIONS = frozenset({DecisionKind.COUNTED, DecisionKind.NOT_COUNTED})


def decision_evidence(decision: ClerkDecision) -> Evidence:
    """What a decided fact rests on: the clerk's word."""
    return Evidence(text=f"decided by {decision.clerk}: {decision.reason}", source="clerk")


def decision_params(decision: ClerkDecision, descriptions: Mapping[str, str]) -> Params:
    """The fields a decision is worded with ([decisions] and clerk_decision of
    messages.toml); `descriptions`: the affirmations' words by id (rules/letter.toml)."""
    return {
        "document": decision.filename,
        "clerk": decision.clerk,
        "reason": decision.reason,
        "notice": decision.notice + 1,
        "description": descriptions.get(decision.affirmation or "", decision.affirmation or ""),
    }


def for_documents(
    decisions: Sequence[ClerkDecision], documents: Sequence[Document]
) -> list[ClerkDecision]:
    """The decisions that name one of `documents` (the latest of each kind and subject
    wins: a clerk may change their mind)."""
    held = {d.sha256 for d in documents}
    latest: dict[tuple[str, str, str | None, int], ClerkDecision] = {}
    for decision in decisions:
        if decision.sha256 not in held:
            continue
        kind = "notice" if decision.kind in NOTICE_DECISIONS else decision.kind.value
        latest[(decision.sha256, kind, decision.affirmation, decision.notice)] = decision
    return list(latest.values())


def notice_decision(
    decisions: Sequence[ClerkDecision], sha256: str, notice: int
) -> ClerkDecision | None:
    return next(
        (
            d
            for d in reversed(decisions)
            if d.kind in NOTICE_DECISIONS and d.sha256 == sha256 and d.notice == notice
        ),
        None,
    )


def decided_notices(decisions: Sequence[ClerkDecision]) -> set[str]:
    """The documents a clerk counted or not: nothing about them is left to review."""
    return {d.sha256 for d in decisions if d.kind in NOTICE_DECISIONS}


def apply_letter_decisions(
    documents: Sequence[Document],
    decisions: Sequence[ClerkDecision],
    attorney_name: str | None,
    affirmation_ids: Sequence[str],
) -> list[Document]:
    """`documents` with the letter decisions applied to the documents they name."""
    out = []
    for doc in documents:
        mine = [d for d in decisions if d.sha256 == doc.sha256]
        accepted = next((d for d in reversed(mine) if d.kind is DecisionKind.LETTER_ACCEPTED), None)
        statements: dict[str | None, ClerkDecision] = {
            d.affirmation: d
            for d in mine
            if d.kind is DecisionKind.AFFIRMATION_ACCEPTED and d.affirmation
        }
        if accepted is not None:
            doc = _accepted_letter(doc, accepted, attorney_name, affirmation_ids)
        elif statements and doc.letter is not None:
            doc = doc.model_copy(
                update={"letter": _with_statements(doc.letter, statements, affirmation_ids)}
            )
        out.append(doc)
    return out


def as_decided(
    documents: Sequence[Document], assessment: Assessment, affirmation_ids: Sequence[str] = ()
) -> list[Document]:
    """The documents as the assessment judged them: its decisions applied (a scan a
    clerk accepted reads as the letter in a reply and on the clerk's page)."""
    return apply_letter_decisions(
        documents, assessment.decisions, assessment.attorney_name, affirmation_ids
    )


def _accepted_letter(
    doc: Document, decision: ClerkDecision, attorney_name: str | None, ids: Sequence[str]
) -> Document:
    evidence = decision_evidence(decision)
    letter = doc.letter or LetterFacts(attorney_name=None, signed=True)
    name = letter.attorney_name or attorney_name
    # Without the rules' ids (a reader that has none), the letter's own statements.
    ids = ids or [a.id for a in letter.affirmations]
    affirmations = tuple(
        Affirmation(id=affirmation_id, state=AffirmationState.FOUND, evidence=evidence)
        for affirmation_id in ids
    )
    accepted = letter.model_copy(
        update={
            "attorney_name": name,
            "signed": True,
            "signature": FactState.FOUND,
            "signature_reason": None,
            "signature_evidence": letter.signature_evidence or evidence,
            "own_letter": True,
            "authorship": FactState.FOUND,
            "authorship_reason": None,
            "certain": True,
            "affirmations": affirmations,
        }
    )
    return doc.model_copy(update={"kind": DocumentKind.LETTER, "letter": accepted})


def _with_statements(
    letter: LetterFacts, statements: dict[str | None, ClerkDecision], ids: Sequence[str]
) -> LetterFacts:
    known = {a.id: a for a in letter.affirmations}
    affirmations = []
    for affirmation_id in dict.fromkeys([*known, *ids]):
        decision = statements.get(affirmation_id)
        if decision is not None:
            affirmations.append(
                Affirmation(
                    id=affirmation_id,
                    state=AffirmationState.FOUND,
                    evidence=decision_evidence(decision),
                )
            )
        elif affirmation_id in known:
            affirmations.append(known[affirmation_id])
    return letter.model_copy(update={"affirmations": tuple(affirmations)})
