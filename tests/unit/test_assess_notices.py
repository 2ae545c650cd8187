"""One PDF, several notices: each counts on its own merits, and is named by its place
("NEFs (6).pdf, notice 3 of 6 (page 4)") in findings, replies, pages and JSON."""

from __future__ import annotations

import hashlib

import pytest

from intake.core.model import (
    Affirmation,
    AffirmationState,
    CourtType,
    Document,
    DocumentKind,
    Evidence,
    LetterFacts,
    NefCase,
    NefFacts,
    NoticeType,
    Status,
)
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.core.replies.situation import Outcome, document_lines
from intake.core.report import check_json, render_table
from intake.core.summary.view import _nef_rows

ATTORNEY = "Rosa M. Delgado"


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def notice(
    court: str,
    case: str,
    pages: tuple[int, int],
    *,
    court_type: CourtType = CourtType.BANKRUPTCY,
    filer: str = "Delgado, Rosa",
    doc: str = "7",
    evidence: tuple[Evidence, ...] = (),
) -> NefFacts:
    return NefFacts(
        notice_type=NoticeType.ELECTRONIC_FILING,
        court_id=court,
        court_type=court_type,
        court_evidence=evidence,
        cases=(NefCase(case_number=case, document_number=doc),),
        filer=filer,
        file_numbers=(f"{case}-{doc}-0",),
        pages=pages,
    )


def combined(name: str, notices: list[NefFacts], salt: str = "") -> Document:
    return Document(
        filename=name,
        sha256=hashlib.sha256((name + salt).encode()).hexdigest(),
        size=50_000,
        kind=DocumentKind.NEF,
        page_count=max(n.pages[1] for n in notices if n.pages),
        nef=notices[0],
        nefs=tuple(notices),
    )


def letter() -> Document:
    ids = ("ecf_procedures", "local_rules", "qualification", "login_responsibility")
    return Document(
        filename="letter.pdf",
        sha256="0" * 64,
        size=900,
        kind=DocumentKind.LETTER,
        letter=LetterFacts(
            attorney_name=ATTORNEY,
            signed=True,
            affirmations=tuple(Affirmation(id=a, state=AffirmationState.FOUND) for a in ids),
        ),
    )


COURTS = ["cob", "njb", "txnb", "mab", "azb", "ilnb"]


def six() -> list[NefFacts]:
    return [notice(c, f"25-1000{i}", (i + 1, i + 1)) for i, c in enumerate(COURTS)]


def test_six_notices_in_one_pdf_count_as_six(rules: Rules) -> None:
    result = assess([letter(), combined("NEFs (6).pdf", six())], None, rules)
    assert result.status is Status.COMPLETE
    assert result.qualifying_nefs == 6
    assert [v.notice for v in result.verdicts_for(1)] == [0, 1, 2, 3, 4, 5]
    assert result.verdicts_for(1)[2].label == "NEFs (6).pdf, notice 3 of 6 (page 3)"


def test_each_notice_is_judged_on_its_own_merits(rules: Rules) -> None:
    notices = six()
    notices[2] = notice("cob", "25-10000", (3, 3))  # the same filing as notice 1
    notices[3] = notice("canb", "25-30303", (4, 5))  # this court
    notices[5] = notice("azb", "25-10005", (7, 7), filer="Hollis, Mark")
    result = assess([letter(), combined("NEFs (6).pdf", notices)], None, rules)
    assert result.status is Status.INCOMPLETE
    assert result.qualifying_nefs == 3
    reasons = [v.reasons for v in result.verdicts_for(1)]
    assert reasons == [(), (), ("duplicate",), ("own_court",), (), ("filer_mismatch",)]
    by_code = {f.code: f for f in result.findings if f.notice is not None}
    assert by_code["duplicate"].message.startswith(
        "NEFs (6).pdf, notice 3 of 6 (page 3) is the same filing as "
        "NEFs (6).pdf, notice 1 of 6 (page 1)"
    )
    assert "notice 4 of 6 (pages 4-5)" in by_code["own_court"].message
    assert by_code["filer_mismatch"].notice == 5
    # Every finding that a notice does not count says what to send instead.
    assert "send instead" in by_code["own_court"].message
    assert "send each notice once" in by_code["duplicate"].message
    assert "filings you made yourself" in by_code["filer_mismatch"].message


def test_the_same_combined_pdf_sent_twice_counts_once(rules: Rules) -> None:
    first = combined("NEFs (6).pdf", six())
    again = combined("NEFs (6) (1).pdf", six())
    result = assess([letter(), first, again], None, rules)
    assert result.qualifying_nefs == 6
    assert all(v.reasons == ("duplicate",) for v in result.verdicts_for(2))


def test_reply_lines_name_each_notice(rules: Rules) -> None:
    notices = six()
    notices[1] = notice("canb", "25-30303", (2, 2))
    documents = [letter(), combined("NEFs (6).pdf", notices)]
    result = assess(documents, None, rules)
    lines = document_lines(result, documents, rules)
    assert [line.filename for line in lines[1:]] == [
        f"NEFs (6).pdf, notice {n} of 6 (page {n})" for n in range(1, 7)
    ]
    assert [line.outcome for line in lines[1:3]] == [Outcome.COUNTS, Outcome.NOT_COUNTED]
    assert len(lines[2].reasons) == 1 and "this court" in lines[2].reasons[0]
    assert lines[3].reasons == ()
    rows = _nef_rows(result, documents, rules)
    assert [row.filename for row in rows] == [line.filename for line in lines[1:]]
    assert [row.counts for row in rows] == [True, False, True, True, True, True]


def test_json_keeps_the_first_notice_in_nef_and_all_in_nefs(rules: Rules) -> None:
    documents = [combined("NEFs (6).pdf", six())]
    result = assess(documents, ATTORNEY, rules)
    out = check_json("x.pdf", None, documents, result, rules)["documents"][0]
    assert len(out["nefs"]) == 6
    assert out["nef"] == out["nefs"][0]
    assert [n["pages"] for n in out["nefs"]] == [[p, p] for p in range(1, 7)]
    assert [n["notice"] for n in out["nefs"]] == [1, 2, 3, 4, 5, 6]
    assert all(n["counts"] for n in out["nefs"])
    table = render_table("x.pdf", None, documents, result, rules)
    assert table.count("NEFs (6).pdf, notice") == 6


def test_a_single_notice_keeps_its_plain_file_name(rules: Rules) -> None:
    documents = [combined("nef.pdf", six()[:1])]
    result = assess(documents, ATTORNEY, rules)
    assert result.verdicts_for(0)[0].label == "nef.pdf"
    out = check_json("nef.pdf", None, documents, result, rules)["documents"][0]
    assert out["nefs"] == [out["nef"]]


def test_panels_and_unknown_courts_do_not_count_and_are_named(rules: Rules) -> None:
    header = Evidence(text="U.S. Bankruptcy Court / District of Atlantis", page=3, source="header")
    notices = [
        notice("bap9", "NC-25-1090", (1, 1), court_type=CourtType.APPELLATE),
        notice("jpml", "MDL No. 3121", (2, 2), court_type=CourtType.APPELLATE),
        notice(None, "25-10001", (3, 3), evidence=(header,)),  # type: ignore[arg-type]
        notice(None, "25-10002", (4, 4)),  # type: ignore[arg-type]
    ]
    result = assess([combined("court mail.pdf", notices)], ATTORNEY, rules)
    assert result.qualifying_nefs == 0
    messages = [f.message for f in result.findings if f.code == "not_bankruptcy_court"]
    assert len(messages) == 4
    assert "the United States Bankruptcy Appellate Panel of the Ninth Circuit" in messages[0]
    assert "the United States Judicial Panel on Multidistrict Litigation" in messages[1]
    assert 'the court printed as "U.S. Bankruptcy Court / District of Atlantis"' in messages[2]
    assert "a court the notice does not name" in messages[3]
    assert all("another district" in m for m in messages)


def test_an_unreadable_scan_of_several_pages_may_hold_the_missing_notices(rules: Rules) -> None:
    scan = Document(
        filename="scanned NEFs.pdf",
        sha256="1" * 64,
        size=900_000,
        kind=DocumentKind.UNREADABLE,
        page_count=6,
        reason="no text layer (scanned image without OCR?)",
    )
    result = assess([letter(), scan], None, rules)
    assert result.status is Status.NEEDS_REVIEW


def test_two_notices_on_one_page_are_two_filings(rules: Rules) -> None:
    notices = [notice(c, f"25-2000{i}", (1 + i // 2, 1 + i // 2)) for i, c in enumerate(COURTS)]
    result = assess([letter(), combined("NEFs 2-up.pdf", notices)], None, rules)
    assert result.qualifying_nefs == 6
    assert result.verdicts_for(1)[1].label == "NEFs 2-up.pdf, notice 2 of 6 (page 1)"
