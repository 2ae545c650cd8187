# ruff: noqa: E501
"""Several notices in one PDF: split by each notice's anatomy, each read on its own.

The prints here are written by hand in shapes the fixtures do not use (mixed courts,
a mail header on some notices and not others, a wrapped public-access note, a notice
whose transaction line was lost, a filed document with its own court caption), so the
splitter is tested on what a stranger's PDF may hold, not on the fixture generator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from intake.core.documents.nef import read_nef, read_nefs
from intake.core.model import CourtType, PageText, PdfText

NOTE = (
    "***NOTE TO PUBLIC ACCESS USERS*** Judicial Conference of the United States policy permits attorneys of\n"
    "record and parties in a case (including pro se litigants) to receive one free electronic copy of all\n"
    "documents filed electronically, if receipt is required by law or directed by the filer."
)

DISTRICTS = {
    "cob": "District of Colorado",
    "njb": "District of New Jersey",
    "txnb": "Northern District of Texas",
    "mab": "District of Massachusetts",
    "azb": "District of Arizona",
    "ilnb": "Northern District of Illinois",
}


def notice(
    court: str,
    case: str,
    doc: str,
    file_number: str,
    *,
    filer: str = "Rosa Delgado",
    mail_header: bool = True,
    title: str = "Notice of Electronic Filing",
    transaction: bool = True,
) -> str:
    header = ""
    if mail_header:
        header = (
            f"From: cmecf@{court}.uscourts.gov\nSent: Tuesday, May 6, 2025 3:10 PM\n"
            f"To: Rosa Delgado <rdelgado@delgado-law.test>\nSubject: {case} Motion to Extend Time\n"
        )
    line = (
        f"The following transaction was received from {filer} entered on 5/6/2025 at 3:09 PM EDT and filed on 5/6/2025\n"
        if transaction
        else ""
    )
    return (
        f"{header}{NOTE}\nU.S. Bankruptcy Court\n{DISTRICTS[court]}\n{title}\n{line}"
        f"Case Name: Harbor Lane Bakery, Inc.\nCase Number: {case}\nDocument Number: {doc}\n"
        f"Docket Text:\nMotion to Extend Time Filed by {filer} on behalf of Harbor Lane Bakery, Inc.. (Delgado, Rosa)\n"
        "The following document(s) are associated with this transaction:\n"
        "Document description:Main Document\nOriginal filename:extend.pdf\nElectronic document Stamp:\n"
        f"[STAMP bkecfStamp_ID=981234567 [Date=5/6/2025] [FileNumber={file_number}] [0a1b2c3d]]\n"
        f"{case} Notice will be electronically mailed to:\n"
        "Rosa Delgado on behalf of Debtor Harbor Lane Bakery, Inc.\nrdelgado@delgado-law.test\n"
        f"{case} Notice will not be electronically mailed to:\n"
    )


def pdf(*pages: str, links: Mapping[int, tuple[str, ...]] | None = None) -> PdfText:
    links = links or {}
    return PdfText(
        ok=True,
        page_count=len(pages),
        pages=tuple(
            PageText(number=i + 1, text=text, links=links.get(i + 1, ()))
            for i, text in enumerate(pages)
        ),
    )


SIX = [
    ("cob", "25-11001-TBM", "14", "60000001-0"),
    ("njb", "25-12002-MBK", "22", "60000002-0"),
    ("txnb", "25-30003-sgj11", "31", "60000003-0"),
    ("mab", "25-10004-CJP", "8", "60000004-0"),
    ("azb", "2:25-bk-05005-DPC", "19", "60000005-0"),
    ("ilnb", "25-06006", "27", "60000006-0"),
]


def test_six_notices_one_a_page_are_six_readings_with_their_pages() -> None:
    facts = read_nefs(pdf(*(notice(*n) for n in SIX)))
    assert [(f.court_id, f.cases[0].case_number, f.cases[0].document_number) for f in facts] == [
        (c, case, doc) for c, case, doc, _ in SIX
    ]
    assert [f.pages for f in facts] == [(n, n) for n in range(1, 7)]
    assert [f.file_numbers for f in facts] == [(n[3],) for n in SIX]
    assert all(f.filer == "Rosa Delgado" for f in facts)
    assert all(f.document_pages is None for f in facts)
    # Each notice's evidence is its own page's.
    for number, f in enumerate(facts, 1):
        assert {e.page for e in f.court_evidence} == {number}


def test_read_nef_still_gives_the_first_notice() -> None:
    first = read_nef(pdf(*(notice(*n) for n in SIX)))
    assert first is not None
    assert first.court_id == "cob"


def test_two_notices_to_a_page_from_different_courts() -> None:
    page_1 = notice(*SIX[0]) + notice(*SIX[1], mail_header=False)
    page_2 = notice(*SIX[2]) + notice(*SIX[3])
    facts = read_nefs(pdf(page_1, page_2))
    assert [(f.court_id, f.pages) for f in facts] == [
        ("cob", (1, 1)),
        ("njb", (1, 1)),
        ("txnb", (2, 2)),
        ("mab", (2, 2)),
    ]
    # The stamp of one notice is not the next one's.
    assert [f.file_numbers for f in facts] == [(n[3],) for n in SIX[:4]]


def test_links_of_a_shared_page_go_to_the_notice_of_their_court() -> None:
    page = notice(*SIX[0], mail_header=False) + notice(*SIX[1], mail_header=False)
    links = {
        1: (
            "https://ecf.cob.uscourts.gov/cgi-bin/DktRpt.pl?111",
            "https://ecf.njb.uscourts.gov/cgi-bin/DktRpt.pl?222",
        )
    }
    first, second = read_nefs(pdf(page, links=links))
    assert first.court_id == "cob"
    assert second.court_id == "njb"
    assert all("njb" not in e.text for e in first.court_evidence)
    assert all("cob" not in e.text for e in second.court_evidence)


def test_a_notice_running_over_two_pages_then_the_next() -> None:
    text = notice(*SIX[0])
    cut = text.index("Docket Text:")
    facts = read_nefs(pdf(text[:cut], text[cut:] + notice(*SIX[1])))
    assert [(f.court_id, f.pages) for f in facts] == [("cob", (1, 2)), ("njb", (2, 2))]
    assert facts[0].file_numbers == ("60000001-0",)


def test_mailing_list_that_runs_onto_the_next_page_stays_with_its_notice() -> None:
    text = notice(*SIX[0])
    facts = read_nefs(
        pdf(text, "jdoe@trustee.example.gov, ustp.region19@usdoj.example\n", notice(*SIX[1]))
    )
    assert [f.pages for f in facts] == [(1, 2), (3, 3)]


FILED_MOTION = [
    "UNITED STATES BANKRUPTCY COURT\nDISTRICT OF NEVADA\nIn re: Harbor Lane Bakery, Inc., Debtor.\n"
    "Case No. 25-11001-TBM\nMOTION TO EXTEND TIME TO FILE SCHEDULES\n"
    "The Debtor, by counsel, moves the Court to extend the time. See https://ecf.nvb.uscourts.gov/doc1/123.\n",
    "WHEREFORE the Debtor asks for the relief requested.\nDated: May 6, 2025\n/s/ Rosa Delgado\nRosa Delgado\n",
]


def test_a_notice_followed_by_its_filed_document_is_one_notice() -> None:
    facts = read_nefs(pdf(notice(*SIX[0]), *FILED_MOTION))
    assert len(facts) == 1
    only = facts[0]
    assert only.court_id == "cob"  # not the caption's or the link's Nevada
    assert only.pages == (1, 1)
    assert only.document_pages == (2, 3)
    assert all(e.page == 1 for e in only.court_evidence)


def test_notices_each_followed_by_their_documents() -> None:
    pages = [notice(*SIX[0]), *FILED_MOTION, notice(*SIX[1]), FILED_MOTION[1]]
    facts = read_nefs(pdf(*pages))
    assert [(f.court_id, f.pages, f.document_pages) for f in facts] == [
        ("cob", (1, 1), (2, 3)),
        ("njb", (4, 4), (5, 5)),
    ]


LETTER_PAGE = (
    "Rosa Delgado, Esq.\nDelgado Law Group\nMay 7, 2025\n"
    "Clerk of Court\nUnited States Bankruptcy Court for the Northern District of California\n"
    "450 Golden Gate Avenue\nSan Francisco, CA 94102\nRe: Request for waiver of CM/ECF training\n"
    "Dear Clerk,\nI have read the court's Electronic Case Filing Procedures.\nSincerely,\n/s/ Rosa Delgado\n"
)


def test_a_letter_before_the_notices_does_not_name_their_court() -> None:
    facts = read_nefs(pdf(LETTER_PAGE, notice(*SIX[0]), notice(*SIX[1])))
    assert [(f.court_id, f.pages) for f in facts] == [("cob", (2, 2)), ("njb", (3, 3))]


def test_a_notice_whose_transaction_line_was_lost_is_still_split_off() -> None:
    facts = read_nefs(pdf(notice(*SIX[0]), notice(*SIX[1], transaction=False), notice(*SIX[2])))
    assert [(f.court_id, f.pages) for f in facts] == [
        ("cob", (1, 1)),
        ("njb", (2, 2)),
        ("txnb", (3, 3)),
    ]
    assert facts[1].filer is None


def test_a_title_quoted_in_docket_text_is_no_new_notice() -> None:
    text = notice(*SIX[0]).replace(
        "Motion to Extend Time Filed",
        "Certificate of Service of the\nNotice of Electronic Filing\nof the Motion to Extend Time Filed",
    )
    assert len(read_nefs(pdf(text))) == 1


def test_the_same_notice_printed_twice_is_two_readings() -> None:
    # The policy then counts the second as a duplicate; the reader reports what is there.
    facts = read_nefs(pdf(notice(*SIX[0]), notice(*SIX[0])))
    assert [f.pages for f in facts] == [(1, 1), (2, 2)]
    assert facts[0].cases == facts[1].cases


def test_mixed_kinds_of_notice_in_one_print() -> None:
    claims = notice(*SIX[1], title="Notice of Electronic Claims Filing")
    petition = notice(*SIX[2], title="Notice of Bankruptcy Case Filing")
    facts = read_nefs(pdf(notice(*SIX[0]) + claims, petition))
    assert [f.notice_type.value for f in facts] == [
        "electronic_filing",
        "claims_filing",
        "case_filing",
    ]


def test_a_pdf_without_notices_has_none() -> None:
    assert read_nefs(pdf(LETTER_PAGE, *FILED_MOTION)) == ()


# --------------------------------------------------------------- courts that do not count

BAP = f"""{NOTE}
United States Bankruptcy Appellate Panel
of the Ninth Circuit
Notice of Electronic Filing
The following transaction was received from Rosa Delgado entered on 5/6/2025 at 3:09 PM PDT and filed on 5/6/2025
Case Name: Harbor Lane Bakery, Inc.
Case Number: NC-25-1090
Document Number: 12
Docket Text:
Opening Brief Filed by Rosa Delgado on behalf of Appellant Harbor Lane Bakery, Inc.. (Delgado, Rosa)
The following document(s) are associated with this transaction:
Document description:Main Document
Original filename:brief.pdf
Electronic document Stamp:
[STAMP bkecfStamp_ID=1106918562 [Date=5/6/2025] [FileNumber=7712001-0] [ab12]]
"""


def test_a_bankruptcy_appellate_panel_notice_is_the_panel_not_a_bankruptcy_court() -> None:
    (facts,) = read_nefs(pdf(BAP))
    assert facts.court_id == "bap9"
    assert facts.court_type is CourtType.APPELLATE
    assert facts.cases[0].case_number == "NC-25-1090"


def test_a_panel_known_only_by_its_links_outweighs_the_bankruptcy_stamp() -> None:
    text = BAP.replace("United States Bankruptcy Appellate Panel\nof the Ninth Circuit\n", "")
    links = {1: ("https://ecf.bap10.uscourts.gov/cgi-bin/DktRpt.pl?4410",)}
    (facts,) = read_nefs(pdf(text, links=links))
    assert (facts.court_id, facts.court_type) == ("bap10", CourtType.APPELLATE)


JPML = """This is an automatic e-mail message generated by the CM/ECF system. Please DO NOT RESPOND to this e-mail because the mail box is unattended.
United States
Judicial Panel on Multidistrict Litigation
Notice of Electronic Filing
The following transaction was entered on 5/6/2025 at 11:02 AM EDT and filed on 5/6/2025
Case Name: IN RE: Lakeside Water Heater Products Liability Litigation
Case Number: MDL No. 3121
Filer:
Document Number: 245
Docket Text:
NOTICE OF APPEARANCE filed by Rosa Delgado on behalf of Plaintiff. (Delgado, Rosa)
Case Name: Pruitt v. Lakeside Appliance Co.
Case Number: COB/1:25-cv-00417
Filer:
Document Number: 18
MDL No. 3121 Notice has been electronically mailed to:
Rosa Delgado rdelgado@delgado-law.test
"""


def test_a_jpml_notice_reads_its_court_and_its_mdl_number_as_the_case() -> None:
    (facts,) = read_nefs(pdf(JPML, links={1: ("https://ecf.jpml.uscourts.gov/doc1/8501",)}))
    assert facts.court_id == "jpml"
    assert facts.court_type is CourtType.APPELLATE
    assert facts.cases[0].case_number == "MDL No. 3121"
    assert facts.cases[0].document_number == "245"
    assert facts.filed_by == ("Rosa Delgado",)
    assert facts.filed_on == dt.date(2025, 5, 6)


def test_a_bankruptcy_header_naming_no_district_leaves_the_court_unknown() -> None:
    text = notice(*SIX[0], mail_header=False).replace(
        "District of Colorado", "District of Atlantis"
    )
    (facts,) = read_nefs(pdf(text))
    assert facts.court_id is None
    assert facts.court_type is CourtType.BANKRUPTCY


# ------------------------------------------------------------------ filers that are no name


@pytest.mark.parametrize("filer", ["CASE CLOSED", "Delgado,", "wiq", "***DEFICIENCY***"])
def test_a_filer_field_that_is_not_a_name_is_no_filer(filer: str) -> None:
    (facts,) = read_nefs(pdf(notice(*SIX[0], filer=filer)))
    assert facts.filer is None


def test_a_filer_that_is_a_name_is_kept() -> None:
    (facts,) = read_nefs(pdf(notice(*SIX[0], filer="Delgado Ruiz, Rosa María")))
    assert facts.filer == "Delgado Ruiz, Rosa María"


def test_the_letter_and_the_notices_in_one_pdf_are_both_read() -> None:
    from fixtures.letters import example_letter
    from fixtures.nefs import example_nef
    from fixtures.pdfs import combined_pdf, letter_pdf, nef_pdf
    from intake.core.model import Attachment, DocumentKind, Status
    from intake.core.policy.assess import assess
    from intake.core.policy.rules import load_rules
    from intake.service.documents import read_document

    courts = ("cob", "njb", "txnb", "mab", "azb", "ilnb")
    parts = [letter_pdf(example_letter())] + [
        nef_pdf(example_nef(c, case_number=f"24-3{n}001", file_number=5000 + n))
        for n, c in enumerate(courts)
    ]
    data = combined_pdf(parts)
    rules = load_rules()
    attachment = Attachment(
        filename="Request.pdf", declared_type="application/pdf", data=data, size=len(data)
    )
    document = read_document(attachment, rules)
    assert document.kind is DocumentKind.NEF
    assert [n.pages for n in document.nefs] == [(p, p) for p in range(2, 8)]
    assert document.letter is not None and document.letter.signed
    result = assess([document], None, rules)
    assert result.status is Status.COMPLETE
