"""The policy of SPEC 4.2-4.4 on documents built by hand (the readers have their own tests)."""

from __future__ import annotations

import hashlib
import itertools

import pytest

from intake.core.model import (
    Affirmation,
    AffirmationState,
    CourtType,
    Document,
    DocumentKind,
    LetterFacts,
    LetterStatus,
    MissingItem,
    NefCase,
    NefFacts,
    NoticeType,
    Status,
)
from intake.core.policy.assess import assess
from intake.core.policy.codes import FINDING_CODES, MISSING_CODES
from intake.core.policy.rules import Rules, load_rules

ATTORNEY = "Jane A. Doe"
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def nef(
    court: str = "cob",
    court_type: CourtType = CourtType.BANKRUPTCY,
    case: str | None = None,
    doc: str | None = None,
    filer: str = "Doe, Jane",
    filed_by: tuple[str, ...] = (),
    notice: NoticeType = NoticeType.ELECTRONIC_FILING,
    file_number: str | None = None,
    sha: str | None = None,
) -> Document:
    n = next(_serial)
    facts = NefFacts(
        notice_type=notice,
        court_id=court,
        court_type=court_type,
        cases=(NefCase(case_number=case or f"23-{10000 + n}-ABC", document_number=doc or str(n)),),
        filer=filer,
        filed_by=filed_by,
        file_numbers=(file_number or f"{900000 + n}-0",),
    )
    return Document(
        filename=f"nef{n}.pdf",
        sha256=sha or _sha(f"nef{n}"),
        size=1000,
        kind=DocumentKind.NEF,
        nef=facts,
    )


AFFIRMATIONS = ("ecf_procedures", "local_rules", "qualification", "login_responsibility")


def letter(
    name: str | None = ATTORNEY, signed: bool = True, missing: tuple[str, ...] = ()
) -> Document:
    facts = LetterFacts(
        attorney_name=name,
        signed=signed,
        affirmations=tuple(
            Affirmation(
                id=a, state=AffirmationState.MISSING if a in missing else AffirmationState.FOUND
            )
            for a in AFFIRMATIONS
        ),
    )
    return Document(
        filename="letter.pdf",
        sha256=_sha(f"letter{next(_serial)}"),
        size=1000,
        kind=DocumentKind.LETTER,
        letter=facts,
    )


def unreadable(name: str = "scan.pdf") -> Document:
    return Document(
        filename=name,
        sha256=_sha(name + str(next(_serial))),
        size=10,
        kind=DocumentKind.UNREADABLE,
        reason="no text layer",
    )


def good_nefs(count: int) -> list[Document]:
    courts = ["cob", "cacb", "nysb", "njb", "txnb", "ctb", "flsb", "ilnb"]
    return [nef(court=courts[i % len(courts)]) for i in range(count)]


def codes(result_findings: object) -> list[str]:
    return [f.code for f in result_findings]  # type: ignore[attr-defined]


def test_letter_and_six_good_nefs_are_complete(rules: Rules) -> None:
    result = assess([letter(), *good_nefs(6)], None, rules)
    assert result.status is Status.COMPLETE
    assert result.qualifying_nefs == 6
    assert result.letter is LetterStatus.OK
    assert result.attorney_name == ATTORNEY
    assert result.findings == ()
    assert result.missing == ()


def test_five_nefs_are_incomplete_and_say_how_many_more(rules: Rules) -> None:
    result = assess([letter(), *good_nefs(5)], None, rules)
    assert result.status is Status.INCOMPLETE
    assert result.qualifying_nefs == 5
    assert codes(result.findings) == ["too_few_nefs"]
    assert "1 more" in result.findings[0].message
    assert result.missing == (MissingItem(code="nefs", params={"needed": 1, "plural": ""}),)
    assert rules.still_needed(result.missing[0]) == "1 more qualifying Notice of Electronic Filing"


def test_missing_letter_is_named_and_sender_name_becomes_attorney(rules: Rules) -> None:
    result = assess(good_nefs(6), "Jane Doe", rules)
    assert result.status is Status.INCOMPLETE
    assert result.letter is LetterStatus.MISSING
    assert result.attorney_name == "Jane Doe"
    assert "letter_missing" in codes(result.findings)
    assert result.qualifying_nefs == 6


@pytest.mark.parametrize(
    ("court", "court_type", "code"),
    [
        ("cand", CourtType.DISTRICT, "not_bankruptcy_court"),
        ("ca9", CourtType.APPELLATE, "not_bankruptcy_court"),
        (None, CourtType.UNKNOWN, "not_bankruptcy_court"),
        ("canb", CourtType.BANKRUPTCY, "own_court"),
        ("caeb", CourtType.BANKRUPTCY, "excluded_court"),
    ],
)
def test_court_rules(rules: Rules, court: str | None, court_type: CourtType, code: str) -> None:
    bad = nef(court=court, court_type=court_type)  # type: ignore[arg-type]
    result = assess([letter(), *good_nefs(5), bad], None, rules)
    verdict = result.verdict_for(6)
    assert verdict is not None and not verdict.counts
    assert verdict.reasons == (code,)
    assert result.qualifying_nefs == 5
    assert code in codes(result.findings)


def test_a_court_is_named_by_its_official_name_before_the_prints_header(rules: Rules) -> None:
    # The print's header says "California Northern District"; the official name says
    # which kind of court it is, which is the point of the finding.
    district = nef(court="cand", court_type=CourtType.DISTRICT)
    assert district.nef is not None
    printed = district.nef.model_copy(update={"court_name": "California Northern District"})
    district = district.model_copy(update={"nef": printed})
    result = assess([letter(), district], None, rules)
    message = next(f.message for f in result.findings if f.code == "not_bankruptcy_court")
    assert "United States District Court for the Northern District of California" in message
    assert "California Northern District" not in message


def test_an_unreadable_pdf_tells_the_attorney_what_to_send_instead(rules: Rules) -> None:
    scan = unreadable("scan.pdf")
    sealed = unreadable("sealed.pdf").model_copy(update={"reason": "encrypted: needs a password"})
    odd = unreadable("odd.pdf").model_copy(update={"reason": "something nobody foresaw"})
    result = assess([letter(), *good_nefs(6), scan, sealed, odd], None, rules)
    said = {f.document: f.message for f in result.findings if f.code == "unreadable"}
    assert said["scan.pdf"].endswith("instead of a scan.")
    assert said["sealed.pdf"].endswith("without a password.")
    assert said["odd.pdf"] == "odd.pdf could not be read by machine: something nobody foresaw."


def test_excluded_court_finding_carries_the_courts_message(rules: Rules) -> None:
    result = assess([letter(), nef(court="caeb"), *good_nefs(1)], None, rules)
    message = next(f.message for f in result.findings if f.code == "excluded_court")
    assert "training" in message


@pytest.mark.parametrize(
    "second",
    [
        lambda first: nef(court="cob", case="23-14130-JGR", doc="27"),  # same case + doc number
        lambda first: nef(court="cob", file_number="48774698-0"),  # same stamp FileNumber
        lambda first: first,  # the same file again
    ],
    ids=["case-and-document", "file-number", "same-file"],
)
def test_the_same_filing_counts_once(rules: Rules, second: object) -> None:
    first = nef(court="cob", case="23-14130-JGR", doc="27", file_number="48774698-0")
    again = second(first)  # type: ignore[operator]
    result = assess([letter(), *good_nefs(5), first, again], None, rules)
    assert result.qualifying_nefs == 6
    assert result.status is Status.COMPLETE
    verdict = result.verdict_for(7)
    assert verdict is not None and verdict.reasons == ("duplicate",)
    duplicate = next(f for f in result.findings if f.code == "duplicate")
    assert first.filename in duplicate.message


def test_same_document_number_in_another_court_is_not_a_duplicate(rules: Rules) -> None:
    a = nef(court="cob", case="23-14130-JGR", doc="27")
    b = nef(court="nysb", case="23-14130-JGR", doc="27")
    result = assess([a, b], None, rules)
    assert result.qualifying_nefs == 2
    assert all(v.reasons == () for v in result.nef_verdicts)


@pytest.mark.parametrize(
    "filer", ["Doe, Jane", "JANE DOE", "Jane Q. Doe", "Doe, Jane A., Esq.", "jane doe jr."]
)
def test_filer_name_variants_match_the_attorney(rules: Rules, filer: str) -> None:
    result = assess([letter(), *[nef(filer=filer) for _ in range(6)]], None, rules)
    assert result.qualifying_nefs == 6, [v.reasons for v in result.nef_verdicts]


def test_a_filing_by_someone_else_does_not_count(rules: Rules) -> None:
    other = nef(filer="Roe, Richard", filed_by=("Richard Roe",))
    result = assess([letter(), *good_nefs(6), other], None, rules)
    verdict = result.verdict_for(7)
    assert verdict is not None and verdict.reasons == ("filer_mismatch",)
    finding = next(f for f in result.findings if f.code == "filer_mismatch")
    assert "Richard Roe" in finding.message or "Roe, Richard" in finding.message


def test_filed_by_in_docket_text_is_enough(rules: Rules) -> None:
    # A paralegal's login entered it, but the docket text says the attorney filed it.
    staff = nef(filer="Pat Paralegal", filed_by=("Jane Doe",))
    result = assess([letter(), staff], None, rules)
    assert result.verdict_for(1) is not None
    assert result.verdict_for(1).counts  # type: ignore[union-attr]


def test_only_excluded_court_nefs_require_training(rules: Rules) -> None:
    result = assess([letter(), *[nef(court="caeb") for _ in range(6)]], None, rules)
    assert result.status is Status.TRAINING_REQUIRED
    assert result.qualifying_nefs == 0
    assert "training_required" in codes(result.findings)


def test_excluded_and_district_nefs_together_still_require_training(rules: Rules) -> None:
    docs = [nef(court="caeb"), nef(court="cand", court_type=CourtType.DISTRICT)]
    assert assess(docs, ATTORNEY, rules).status is Status.TRAINING_REQUIRED


def test_excluded_mixed_with_other_bankruptcy_nefs_is_incomplete(rules: Rules) -> None:
    result = assess([letter(), nef(court="caeb"), nef(court="canb")], None, rules)
    assert result.status is Status.INCOMPLETE
    assert {"excluded_court", "own_court"} <= set(codes(result.findings))


def test_district_only_is_incomplete_not_training(rules: Rules) -> None:
    docs = [nef(court="cand", court_type=CourtType.DISTRICT)]
    assert assess(docs, ATTORNEY, rules).status is Status.INCOMPLETE


def test_letter_without_text_needs_review_when_nefs_suffice(rules: Rules) -> None:
    result = assess([unreadable("letter.pdf"), *good_nefs(6)], ATTORNEY, rules)
    assert result.status is Status.NEEDS_REVIEW
    assert "needs_review" in codes(result.findings)
    assert "unreadable" in codes(result.findings)


def test_unreadable_nef_needs_review_only_when_it_could_decide(rules: Rules) -> None:
    assert assess([letter(), *good_nefs(5), unreadable()], None, rules).status is (
        Status.NEEDS_REVIEW
    )
    # Six good ones already decide: the unreadable print is only a finding.
    done = assess([letter(), *good_nefs(6), unreadable()], None, rules)
    assert done.status is Status.COMPLETE
    assert "unreadable" in codes(done.findings)
    # Too few even if it counted.
    short = assess([letter(), *good_nefs(3), unreadable()], None, rules)
    assert short.status is Status.INCOMPLETE


def test_deficient_letter_lists_each_missing_affirmation(rules: Rules) -> None:
    result = assess([letter(missing=("local_rules",)), *good_nefs(6)], None, rules)
    assert result.status is Status.INCOMPLETE
    assert result.letter is LetterStatus.DEFICIENT
    assert codes(result.findings) == ["letter_deficient", "affirmation_missing"]
    assert "Local Rules" in result.findings[1].message
    (item,) = result.missing
    assert item.code == "affirmation" and item.params["id"] == "local_rules"
    assert "Local Rules" in rules.still_needed(item)


def test_unsigned_letter_is_deficient(rules: Rules) -> None:
    result = assess([letter(signed=False), *good_nefs(6)], None, rules)
    assert result.letter is LetterStatus.DEFICIENT
    assert "letter_unsigned" in codes(result.findings)


def test_a_later_good_letter_replaces_a_deficient_one(rules: Rules) -> None:
    result = assess([letter(signed=False), *good_nefs(6), letter()], None, rules)
    assert result.status is Status.COMPLETE


def test_notice_types_counted_are_policy(rules: Rules) -> None:
    claims_only = rules.model_copy(
        update={
            "nef": rules.nef.model_copy(
                update={"counted_notice_types": (NoticeType.ELECTRONIC_FILING,)}
            )
        }
    )
    claim = nef(notice=NoticeType.CLAIMS_FILING)
    result = assess([letter(), *good_nefs(6), claim], None, claims_only)
    assert result.verdict_for(7).reasons == ("notice_type_not_counted",)  # type: ignore[union-attr]
    assert assess([letter(), *good_nefs(5), claim], None, rules).status is Status.COMPLETE


def test_required_count_is_policy(rules: Rules) -> None:
    three = rules.model_copy(update={"nef": rules.nef.model_copy(update={"required_nefs": 3})})
    assert assess([letter(), *good_nefs(3)], None, three).status is Status.COMPLETE


def test_nothing_received(rules: Rules) -> None:
    result = assess([], "Jane Doe", rules)
    assert result.status is Status.INCOMPLETE
    assert "no_documents" in codes(result.findings)
    assert result.letter is LetterStatus.MISSING


def test_every_finding_has_a_message_from_the_rules(rules: Rules) -> None:
    docs = [
        letter(missing=("qualification",), signed=False),
        nef(court="caeb"),
        nef(court="canb"),
        nef(court="cand", court_type=CourtType.DISTRICT),
        nef(filer="Someone Else"),
        unreadable(),
    ]
    result = assess(docs, None, rules)
    assert {f.code for f in result.findings} <= set(FINDING_CODES)
    assert {m.code for m in result.missing} <= set(MISSING_CODES)
    for finding in result.findings:
        # An unreadable PDF's message goes on with the advice of [unreadable_advice].
        worded = rules.word(finding.code, finding.params) + (
            f" {finding.params['advice']}" if "advice" in finding.params else ""
        )
        assert finding.message == worded, finding.code
        assert "{" not in finding.message, finding.message
