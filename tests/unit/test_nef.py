# ruff: noqa: E501
"""The NEF reader on prints written here in the style of each way attorneys print them.

Lines are kept as long as the prints make them (hence no E501 here).

Three print kinds: an Outlook print (mail header block From/Sent/To/Subject, URLs as text),
a browser print (no mail header, links only as page annotations, pdfplumber-like spacing),
and a plain-text print (no links at all, wrapped lines, label columns). Names, case
numbers and stamps are invented.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.core.documents.nef import looks_like_nef, read_nef
from intake.core.model import CourtType, NefFacts, NoticeType, PageText, PdfText

PUBLIC_NOTE = (
    "***NOTE TO PUBLIC ACCESS USERS*** Judicial Conference of the United States policy "
    "permits attorneys of record and parties in a\ncase (including pro se litigants) to "
    "receive one free electronic copy of all documents filed electronically, if receipt "
    "is\nrequired by law or directed by the filer. PACER access fees apply to all other "
    "users.  To avoid later charges, download a copy of\neach document during this first "
    "viewing. However, if the referenced document is a transcript, the free copy and "
    "30-page limit do\nnot apply."
)


def pdf(*pages: str, links: tuple[tuple[str, ...], ...] = ()) -> PdfText:
    return PdfText(
        ok=True,
        page_count=len(pages),
        pages=tuple(
            PageText(number=i + 1, text=text, links=links[i] if i < len(links) else ())
            for i, text in enumerate(pages)
        ),
    )


def read(*pages: str, links: tuple[tuple[str, ...], ...] = ()) -> NefFacts:
    document = pdf(*pages, links=links)
    assert looks_like_nef(document)
    facts = read_nef(document)
    assert facts is not None
    return facts


def sources(facts: NefFacts) -> set[str]:
    return {e.source for e in facts.court_evidence}


# --------------------------------------------------------------------- bankruptcy courts

COB_OUTLOOK = f"""From: cmecf-noreply@cob.uscourts.gov
Sent: Tuesday, March 4, 2025 10:12 AM
To: Harriet Vance <hvance@vancelegal.example>
Subject: 25-10233-TBM Motion for Relief from Stay
{PUBLIC_NOTE}
U.S. Bankruptcy Court
District of Colorado
Notice of Electronic Filing
The following transaction was received from Harriet Vance entered on 3/4/2025 at 10:11 AM MST and filed on 3/4/2025
Case Name: Pine Ridge Outfitters, LLC
Case Number: 25-10233-TBM https://ecf.cob.uscourts.gov/cgi-bin/DktRpt.pl?601122
Document Number: 41
Copy the URL address from the line below into the location bar of your Web browser to view the document:
https://ecf.cob.uscourts.gov/doc1/038051234567?pdf_header=&magic_num=1187&de_seq_num=120&caseid=601122
Docket Text:
  Motion for Relief from Stay Filed by  Harriet  Vance  on behalf of    Mountain Credit Union.   (Attachments: # (1)
Proposed Order) (Vance, Harriet)
The following document(s) are associated with this transaction:
Document description: Main Document
 Original filename: relief.pdf
 Electronic document Stamp:
 [STAMP bkecfStamp_ID=991234567 [Date=3/4/2025] [FileNumber=51234567-0]
[0a1b2c3d4e5f60718293a4b5c6d7e8f9]]
 Document description: Proposed Order
 Original filename: order.pdf
 Electronic document Stamp:
 [STAMP bkecfStamp_ID=991234567 [Date=3/4/2025] [FileNumber=51234567-1]
[9f8e7d6c5b4a39281706f5e4d3c2b1a0]]
25-10233-TBM Notice will be electronically mailed to:
Harriet Vance on behalf of Creditor Mountain Credit Union
hvance@vancelegal.example
25-10233-TBM Notice will not be electronically mailed to:
"""


def test_cob_outlook_print() -> None:
    facts = read(COB_OUTLOOK)
    assert facts.notice_type is NoticeType.ELECTRONIC_FILING
    assert facts.court_id == "cob"
    assert facts.court_type is CourtType.BANKRUPTCY
    assert facts.court_name == "District of Colorado"
    assert sources(facts) == {"header", "text", "stamp"}
    texts = [e.text for e in facts.court_evidence]
    assert "U.S. Bankruptcy Court / District of Colorado" in texts
    assert "From: cmecf-noreply@cob.uscourts.gov" in texts
    assert "ecf.cob.uscourts.gov" in texts
    assert any(t.startswith("/doc1/038051234567") for t in texts)
    assert all(e.page == 1 for e in facts.court_evidence)
    assert len(facts.cases) == 1
    case = facts.cases[0]
    assert case.case_number == "25-10233-TBM"
    assert case.case_name == "Pine Ridge Outfitters, LLC"
    assert case.document_number == "41"
    assert case.claim_number is None
    assert facts.filer == "Harriet Vance"
    assert facts.filed_by == ("Harriet Vance",)
    assert facts.filed_on == dt.date(2025, 3, 4)
    assert facts.docket_text == (
        "Motion for Relief from Stay Filed by Harriet Vance on behalf of Mountain Credit "
        "Union. (Attachments: # (1) Proposed Order) (Vance, Harriet)"
    )
    assert facts.stamp_kind == "bkecfStamp_ID"
    assert facts.stamp_id == "991234567"
    assert facts.file_numbers == ("51234567-0", "51234567-1")


CACB_CLAIM_BROWSER = f"""{PUBLIC_NOTE}
U.S. Bankruptcy Court
Central District of California
Notice of Electronic Claims Filing
The following transaction was received from Okafor, Chidi on 2/11/2025 at 3:05 PM PST
Case Name: Rosalind Teague
Case Number: 2:24-bk-17711-BR
Harborline Recovery Partners LLC
Creditor Name:
PO Box 4410
Tustin, CA 92781
Claim Number: 7 Claims Register
Amount Claimed: $2,310.55
Amount Secured:
Amount Priority:
The following document(s) are associated with this transaction:
Document description:Main Document
Original filename:claim_teague.pdf
Electronic document Stamp:
[STAMP bkecfStamp_ID=1106918562 [Date=2/11/2025] [FileNumber=10455521
0-0] [5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b
1c2d3e4f5a6b7c8d]]
"""
CACB_CLAIM_LINKS = (
    (
        "https://ecf.cacb.uscourts.gov/cgi-bin/DktRpt.pl?2010044",
        "https://ecf.cacb.uscourts.gov/doc1/9730108888888?claim_doc_seq=&claim_num=7&caseid=2010044",
        "https://ecf.cacb.uscourts.gov/cgi-bin/SearchClaims.pl?2010044",
    ),
)


def test_cacb_claims_browser_print_reads_the_court_from_annotations() -> None:
    facts = read(CACB_CLAIM_BROWSER, links=CACB_CLAIM_LINKS)
    assert facts.notice_type is NoticeType.CLAIMS_FILING
    assert facts.court_id == "cacb"
    assert facts.court_type is CourtType.BANKRUPTCY
    assert facts.court_name == "Central District of California"
    assert sources(facts) == {"header", "link", "stamp"}
    link_texts = [e.text for e in facts.court_evidence if e.source == "link"]
    assert CACB_CLAIM_LINKS[0][0] in link_texts
    assert any("prefix 973 = cacb" in t for t in link_texts)
    assert [
        (c.case_number, c.case_name, c.document_number, c.claim_number) for c in facts.cases
    ] == [("2:24-bk-17711-BR", "Rosalind Teague", None, "7")]
    assert facts.filer == "Okafor, Chidi"
    assert facts.filed_by == ()
    assert facts.filed_on == dt.date(2025, 2, 11)  # claims notices have no "filed on"
    assert facts.docket_text is None
    assert facts.stamp_kind == "bkecfStamp_ID"
    assert facts.stamp_id == "1106918562"
    assert facts.file_numbers == ("104555210-0",)  # "10455521\n0-0" rejoined


CASB_PETITION_TEXT = """From:     ecf_notices@casb.uscourts.gov
Sent:     Monday, January 27, 2025 9:03 AM
To:       Marisol Quintero
Subject:  25-00412-7 Chapter 7 Voluntary Petition

***NOTE TO PUBLIC ACCESS USERS*** Judicial Conference of the United States policy permits attorneys
of record and parties in a case (including pro se litigants) to receive one free electronic copy of
all documents filed electronically, if receipt is required by law or directed by the filer.

U.S. Bankruptcy Court

Southern District of California
 Notice of Bankruptcy Case Filing

The following transaction was received from Marisol Quintero entered on 1/27/2025 at 9:02 AM PST
and filed on 1/27/2025

  Case Name:   Dale Everett Hobbs

  Case Number:  25-00412-7

  Document Number:    1

Docket Text:
 Voluntary Petition for Individuals  Fee Amount $ 338.00. Filed by Marisol Quintero of Quintero Law
Group on behalf of Dale Everett Hobbs. (Quintero, Marisol)

The following document(s) are associated with this transaction:

 Document description:Main Document
Original filename:petition.pdf
Electronic document Stamp:
[STAMP CASBStamp_ID=875559582 [Date=1/27/2025] [FileNumber=20611234-0
] [abcdef0123456789abcdef0123456789abcdef
0123456789]]

 25-00412-7 Notice will be electronically mailed to:

Marisol Quintero on behalf of Debtor Dale Everett Hobbs
mq@quinterolaw.example
"""


def test_casb_case_filing_plain_text_print_with_court_stamp() -> None:
    facts = read(CASB_PETITION_TEXT)
    assert facts.notice_type is NoticeType.CASE_FILING
    assert facts.court_id == "casb"
    assert facts.court_type is CourtType.BANKRUPTCY
    assert facts.court_name == "Southern District of California"
    assert sources(facts) == {"header", "stamp"}
    assert "CASBStamp_ID=875559582" in [e.text for e in facts.court_evidence]
    assert [(c.case_number, c.case_name, c.document_number) for c in facts.cases] == [
        ("25-00412-7", "Dale Everett Hobbs", "1")
    ]
    assert facts.filer == "Marisol Quintero"
    assert facts.filed_by == ("Marisol Quintero",)  # not "… of Quintero Law Group"
    assert facts.filed_on == dt.date(2025, 1, 27)
    assert facts.docket_text is not None
    assert facts.docket_text.startswith("Voluntary Petition for Individuals Fee Amount")
    assert facts.docket_text.endswith("(Quintero, Marisol)")
    assert facts.stamp_kind == "CASBStamp_ID"
    assert facts.stamp_id == "875559582"
    assert facts.file_numbers == ("20611234-0",)


NYSB_BROWSER = f"""{PUBLIC_NOTE}
U.S. Bankruptcy Court
Southern District of New York
Notice of Electronic Filing
The following transaction was received from Raman, Priya entered on 11/14/2024 at 4:40 PM and
filed on 11/14/2024
Case Name: Halvorsen Shipping Corp.
Case Number: 24-11562-mew
Document Number:88
Docket Text:
Affidavit of Service (related document(s)[80]) Filed by Priya Raman on behalf of Halvorsen
Shipping Corp.. (Raman, Priya)
The following document(s) are associated with this transaction:
Document description:Main Document
Original filename:aos.pdf
Electronic document Stamp:
[STAMP NYSBStamp_ID=842906028 [Date=11/14/2024] [FileNumber=21003344-0
] [17fac1c3470a3dbf06f669bc796db10d973b74b4cb797379e7093425d341ccc932c
5ddc82ab3e4ee93984eac987b18df4d9]]
24-11562-mew Notice will be electronically mailed to:
"""


def test_nysb_browser_print() -> None:
    links = (
        (
            "https://ecf.nysb.uscourts.gov/cgi-bin/DktRpt.pl?330012",
            "https://ecf.nysb.uscourts.gov/doc1/126023456789?caseid=330012&de_seq_num=301",
        ),
    )
    facts = read(NYSB_BROWSER, links=links)
    assert facts.notice_type is NoticeType.ELECTRONIC_FILING
    assert (facts.court_id, facts.court_type) == ("nysb", CourtType.BANKRUPTCY)
    assert facts.court_name == "Southern District of New York"
    assert sources(facts) == {"header", "link", "stamp"}
    assert [(c.case_number, c.case_name, c.document_number) for c in facts.cases] == [
        ("24-11562-mew", "Halvorsen Shipping Corp.", "88")
    ]
    assert facts.filer == "Raman, Priya"  # as printed
    assert facts.filed_by == ("Priya Raman",)
    assert facts.filed_on == dt.date(2024, 11, 14)
    assert facts.stamp_kind == "NYSBStamp_ID"
    assert facts.stamp_id == "842906028"
    assert facts.file_numbers == ("21003344-0",)


NJB_OUTLOOK = f"""From: cmecf_help_desk@njb.uscourts.gov
Sent: Wednesday, April 9, 2025 1:15 PM
To: no-reply@njb.uscourts.gov
Subject: Ch-13 25-12876-JKS Certification in Support of Discharge
{PUBLIC_NOTE}
United States Bankruptcy Court
District of New Jersey
Notice of Electronic Filing
The following transaction was received from Abernathy, Colette entered on 4/9/2025 at 1:14 PM EDT and filed on 4/9/2025
Case Name: Teodoro Villanueva
Case Number: 25-12876-JKS
Document Number:52
Docket Text:
Certification in Support of Discharge Filed by Colette Abernathy on behalf of Teodoro Villanueva. (Abernathy, Colette)
The following document(s) are associated with this transaction:
Document description:Main Document
Original filename:cert.pdf
Electronic document Stamp:
[STAMP bkecfStamp_ID=1002741850 [Date=4/9/2025] [FileNumber=61122334-
0] [6c2217d57f45ab37954cfbefb29393e2826de3ce01a05d28d3c17ed52490b198db
6c241fd898e2378bb5e965860d9536792e]]
25-12876-JKS Notice will be electronically mailed to:
"""


def test_njb_outlook_print_with_unknown_doc_prefix_and_split_file_number() -> None:
    links = (("https://ecf.njb.uscourts.gov/cgi-bin/DktRpt.pl?1100223",),)
    facts = read(NJB_OUTLOOK, links=links)
    assert (facts.court_id, facts.court_type) == ("njb", CourtType.BANKRUPTCY)
    assert sources(facts) == {"header", "link", "stamp"}
    assert [(c.case_number, c.document_number) for c in facts.cases] == [("25-12876-JKS", "52")]
    assert facts.cases[0].case_name == "Teodoro Villanueva"
    assert facts.filer == "Abernathy, Colette"
    assert facts.filed_by == ("Colette Abernathy",)
    assert facts.filed_on == dt.date(2025, 4, 9)
    assert facts.file_numbers == ("61122334-0",)  # "61122334-\n0]" rejoined


# pdfplumber centres a label on a two-line value: the value straddles the label.
TXNB_PLUMBER = f"""{PUBLIC_NOTE}
U.S. Bankruptcy Court
Northern District of Texas
Notice of Electronic Filing
The following transaction was received from Delacroix, Simone entered on 6/3/2025 at 2:20 PM CDT and
filed on 6/3/2025
LONE STAR FREIGHT LIQUIDATING TRUSTEE v.
Case Name:
BRAZOS EQUIPMENT LEASING, LLC
Case Number: 25-03011-sgj
Document
22
Number:
Docket Text:
Clerk's correspondence requesting amended summons. (RE: related document(s)[20] Summons
filed by Plaintiff Lone Star Freight Liquidating Trustee). (Delacroix, Simone)
The following document(s) are associated with this transaction:
25-03011-sgj Notice will be electronically mailed to:
"""


def test_txnb_plumber_print_with_straddling_labels_and_no_stamp() -> None:
    facts = read(TXNB_PLUMBER)
    assert (facts.court_id, facts.court_type) == ("txnb", CourtType.BANKRUPTCY)
    assert sources(facts) == {"header"}
    assert [(c.case_number, c.case_name, c.document_number) for c in facts.cases] == [
        (
            "25-03011-sgj",
            "LONE STAR FREIGHT LIQUIDATING TRUSTEE v. BRAZOS EQUIPMENT LEASING, LLC",
            "22",
        )
    ]
    assert facts.filer == "Delacroix, Simone"
    # The only "filed by" belongs to a related document, in parentheses.
    assert facts.filed_by == ()
    assert facts.filed_on == dt.date(2025, 6, 3)
    assert (facts.stamp_kind, facts.stamp_id, facts.file_numbers) == (None, None, ())


CTB_MULTI_PAGE_1 = f"""From:     ecf_notices@ctb.uscourts.gov
Sent:     Friday, February 28, 2025 6:45 PM
To:       Wendell Ashby
Subject:  25-02004 Complaint

{PUBLIC_NOTE}

U.S. Bankruptcy Court

District of Connecticut
 Notice of Electronic Filing

The following transaction was received from Ashby, Wendell entered on 2/28/2025 at 6:44 PM
EST and filed on 2/28/2025

  Case Name:   Corcoran v. Northgate Mortgage Servicing LLC

  Case Number:  25-02004

  Document Number:    1

  Case Name:   Fiona Margaret Corcoran

  Case Number:  24-21190

  Document Number:    57

Docket Text:
 Adversary case 25-02004. Complaint (21 (Validity, priority or extent of lien)) filed by Wendell
Ashby on behalf of Fiona Margaret Corcoran against Northgate Mortgage Servicing LLC. Fee Amount
$350. (Ashby, Wendell)

The following document(s) are associated with this transaction:

 Document description:Main Document
Original filename:complaint.pdf
Electronic document Stamp:
[STAMP bkecfStamp_ID=1018027260 [Date=2/28/2025] [FileNumber=15900001
-0] [b62f864b285b5925b6a685449c54a1290aef8c5e400bb26440e2a0575a4a09235
2ead8528545efe9e53c2c322ed9ae12e5]]
 Document description:Main Document
Original filename:complaint.pdf
Electronic document Stamp:
[STAMP bkecfStamp_ID=1018027260 [Date=2/28/2025] [FileNumber=15900002
Page 1 of 2"""

CTB_MULTI_PAGE_2 = """2/28/25, 7:02 PM Mail - Wendell Ashby - Outlook
-0] [18834182338b3a081bd17cadae69000cd91cda1538665246a3b41313f286209ac
9b5e95b87340081b6aea9c62008b0]]

 25-02004 Notice will be electronically mailed to:
Page 2 of 2"""


def test_ctb_multi_case_notice_across_pages_with_printer_headers_and_footers() -> None:
    facts = read(CTB_MULTI_PAGE_1, CTB_MULTI_PAGE_2)
    assert facts.notice_type is NoticeType.ELECTRONIC_FILING
    assert (facts.court_id, facts.court_type) == ("ctb", CourtType.BANKRUPTCY)
    assert facts.court_name == "District of Connecticut"
    assert [(c.case_number, c.case_name, c.document_number) for c in facts.cases] == [
        ("25-02004", "Corcoran v. Northgate Mortgage Servicing LLC", "1"),
        ("24-21190", "Fiona Margaret Corcoran", "57"),
    ]
    assert facts.filer == "Ashby, Wendell"
    assert facts.filed_by == ("Wendell Ashby",)
    assert facts.filed_on == dt.date(2025, 2, 28)
    assert facts.stamp_kind == "bkecfStamp_ID"
    assert facts.stamp_id == "1018027260"
    # The second stamp is broken by the page break, a footer and a browser header.
    assert facts.file_numbers == ("15900001-0", "15900002-0")


CAEB_TEXT = """U.S. Bankruptcy Court
Eastern District of California

Notice of Electronic Filing
The following transaction was received from Gutierrez, Ana entered on 5/6/2025 at 11:30 AM PDT
and filed on 5/6/2025

Case Name: Harold Finch
Case Number: 25-21456

Document Number: 19
Copy the URL address from the line below into the location bar of your Web browser to view the
document:
https://ecf.caeb.uscourts.gov/doc1/032045678901?pdf_header=&magic_num=5&de_seq_num=60&caseid=7
01234

Docket Text:
Chapter 13 Plan Filed by Debtor Harold Finch (Gutierrez, Ana)

The following document(s) are associated with this transaction:
Document description: Main Document
Original filename: plan.pdf
Electronic document Stamp:
[STAMP  bkecfStamp_ID=1079402999  [Date=5/6/2025]  [FileNumber=77001234-0]
[aa00bb11cc22dd33]]
"""


def test_caeb_plain_text_print() -> None:
    facts = read(CAEB_TEXT)
    assert (facts.court_id, facts.court_type) == ("caeb", CourtType.BANKRUPTCY)
    assert sources(facts) == {"header", "text", "stamp"}
    assert any("prefix 032 = caeb" in e.text for e in facts.court_evidence)
    assert [(c.case_number, c.case_name, c.document_number) for c in facts.cases] == [
        ("25-21456", "Harold Finch", "19")
    ]
    assert facts.filer == "Gutierrez, Ana"
    assert facts.filed_by == ("Harold Finch",)  # the party role "Debtor" is not a name
    assert facts.filed_on == dt.date(2025, 5, 6)
    assert facts.file_numbers == ("77001234-0",)


def test_canb_browser_print_without_header_reads_links_and_doc_prefix() -> None:
    # The court header was cut off by the print; only annotations name the court.
    text = """Notice of Electronic Filing
The following transaction was received from Lindgren, Oskar entered on 7/1/2025 at 9:00 AM PDT and
filed on 7/1/2025
Case Name: Bayshore Bakery Inc.
Case Number: 25-40117
Document Number:12
Docket Text:
Notice of Appearance Filed by Oskar Lindgren on behalf of Bank of the Bay. (Lindgren, Oskar)
"""
    links = (("https://ecf.canb.uscourts.gov/doc1/034012345678?caseid=380001&de_seq_num=40",),)
    facts = read(text, links=links)
    assert (facts.court_id, facts.court_type) == ("canb", CourtType.BANKRUPTCY)
    assert facts.court_name is None
    assert sources(facts) == {"link"}
    assert any("prefix 034 = canb" in e.text for e in facts.court_evidence)
    assert [(c.case_number, c.document_number) for c in facts.cases] == [("25-40117", "12")]
    assert facts.filed_by == ("Oskar Lindgren",)


# --------------------------------------------------------------------- district courts

CAND_OUTLOOK = f"""From: ECF-CAND@cand.uscourts.gov
Sent: Thursday, May 15, 2025 5:01 PM
To: efiling@canb.uscourts.gov
Subject: Activity in Case 3:25-cv-01188-WHO Bayview Tenants Union v. Harbor Properties LP Motion to Dismiss
This is an automatic e-mail message generated by the CM/ECF system. Please DO NOT RESPOND to this
e-mail because the mail box is unattended.
{PUBLIC_NOTE}
U.S. District Court
California Northern District
Notice of Electronic Filing
The following transaction was entered by Lindqvist, Erik on 5/15/2025 at 5:00 PM PDT and filed on 5/15/2025
Case Name: Bayview Tenants Union v. Harbor Properties LP
Case Number: 3:25-cv-01188-WHO
Filer: Harbor Properties LP
Document Number:27
Docket Text:
MOTION to Dismiss filed by Harbor Properties LP. Motion Hearing set for 6/26/2025 02:00 PM in San
Francisco. (Lindqvist, Erik) (Filed on 5/15/2025)
3:25-cv-01188-WHO Notice has been electronically mailed to:
Erik Lindqvist elindqvist@harborlaw.example
3:25-cv-01188-WHO Please see Local Rule 5-5; Notice has NOT been electronically mailed to:
The following document(s) are associated with this transaction:
Document description:Main Document
Original filename:mtd.pdf
Electronic document Stamp:
[STAMP dcecfStamp_ID=977336130 [Date=5/15/2025] [FileNumber=19990001-0
] [0e5c2952c208c5927416479658c954d639cb0bfb878a81dbd3a368b82f2c2459b1a]]
"""


def test_cand_district_outlook_print_ignores_a_recipient_at_another_court() -> None:
    facts = read(CAND_OUTLOOK)
    assert facts.notice_type is NoticeType.ELECTRONIC_FILING
    assert (facts.court_id, facts.court_type) == ("cand", CourtType.DISTRICT)
    assert facts.court_name == "California Northern District"
    texts = [e.text for e in facts.court_evidence]
    assert "From: ECF-CAND@cand.uscourts.gov" in texts
    assert not any("canb" in t for t in texts)  # the To: line is not a clue
    assert [(c.case_number, c.case_name, c.document_number) for c in facts.cases] == [
        ("3:25-cv-01188-WHO", "Bayview Tenants Union v. Harbor Properties LP", "27")
    ]
    assert facts.filer == "Lindqvist, Erik"
    assert facts.filed_by == ("Harbor Properties LP",)
    assert facts.filed_on == dt.date(2025, 5, 15)
    assert facts.docket_text is not None
    assert facts.docket_text.endswith("(Filed on 5/15/2025)")
    assert facts.stamp_kind == "dcecfStamp_ID"
    assert facts.file_numbers == ("19990001-0",)


NYSD_BROWSER = f"""This is an automatic e-mail message generated by the CM/ECF system. Please DO NOT RESPOND to this
e-mail because the mail box is unattended.
{PUBLIC_NOTE}
U.S. District Court
Southern District of New York
Notice of Electronic Filing
The following transaction was entered on 9/9/2025 at 11:02 AM EDT and filed on 9/9/2025
Case Name: Okonkwo v. Empire Logistics Inc.
Case Number: 1:25-cv-04410-LJL
Filer: Empire Logistics Inc.
Document Number:33
Docket Text:
LETTER MOTION for Extension of Time addressed to Judge Lewis J. Liman. Document filed by Empire
Logistics Inc..(Marchetti, Paola)
1:25-cv-04410-LJL Notice has been electronically mailed to:
The following document(s) are associated with this transaction:
Document description:Main Document
Original filename:n/a
Electronic document Stamp:
[STAMP dcecfStamp_ID=1008691343 [Date=9/9/2025] [FileNumber=30001122-0
] [0e5c2952c208c5927416479658c954d639cb0bfb878a81dbd3a368b82f2c2459b1a]]
"""


def test_nysd_district_browser_print_takes_the_filer_row_when_no_name_entered() -> None:
    links = (
        (
            "https://ecf.nysd.uscourts.gov/cgi-bin/DktRpt.pl?600123",
            "https://ecf.nysd.uscourts.gov/doc1/127035550001?caseid=600123&de_seq_num=90",
        ),
    )
    facts = read(NYSD_BROWSER, links=links)
    assert (facts.court_id, facts.court_type) == ("nysd", CourtType.DISTRICT)
    assert sources(facts) == {"header", "link", "stamp"}
    assert [(c.case_number, c.document_number) for c in facts.cases] == [
        ("1:25-cv-04410-LJL", "33")
    ]
    assert facts.filer == "Empire Logistics Inc."
    assert facts.filed_by == ("Empire Logistics Inc.",)
    assert facts.filed_on == dt.date(2025, 9, 9)
    assert facts.file_numbers == ("30001122-0",)


ALMD_TEXT = """U.S. District Court

Middle District of Alabama
 Notice of Electronic Filing

 The following transaction was entered by Pruitt, Lamar on 10/2/2025 at 3:15 PM CDT and filed on
10/2/2025

  Case Name:   Greer v. Coosa Valley Poultry, Inc.

  Case Number:  2:25-cv-00318-RAH-SMD

  Filer:  Coosa Valley Poultry, Inc.

  Document Number:    14

 Docket Text:
  ANSWER to Complaint by Coosa Valley Poultry, Inc..(Pruitt, Lamar)

  2:25-cv-00318-RAH-SMD Notice has been electronically mailed to:

 Electronic document Stamp:
 [STAMP  dcecfStamp_ID=1053018546  [Date=10/2/2025]  [FileNumber=3300441-0]
 [717bcae4fd13b40a3b62bca1ad6ea5dbd5646af9111fc1ed5a]]
"""


def test_almd_district_plain_text_print() -> None:
    facts = read(ALMD_TEXT)
    assert (facts.court_id, facts.court_type) == ("almd", CourtType.DISTRICT)
    assert facts.court_name == "Middle District of Alabama"
    assert sources(facts) == {"header", "stamp"}
    assert [(c.case_number, c.case_name, c.document_number) for c in facts.cases] == [
        ("2:25-cv-00318-RAH-SMD", "Greer v. Coosa Valley Poultry, Inc.", "14")
    ]
    assert facts.filer == "Pruitt, Lamar"
    assert facts.filed_by == ()
    assert facts.filed_on == dt.date(2025, 10, 2)
    assert facts.docket_text == "ANSWER to Complaint by Coosa Valley Poultry, Inc..(Pruitt, Lamar)"
    assert (facts.stamp_kind, facts.stamp_id) == ("dcecfStamp_ID", "1053018546")
    assert facts.file_numbers == ("3300441-0",)


# --------------------------------------------------------------------- when clues disagree

MINIMAL_BODY = """Notice of Electronic Filing
The following transaction was received from Ito, Ken entered on 8/8/2025 at 8:08 AM and filed on 8/8/2025
Case Name: Maple Lane Homes LLC
Case Number: 25-50001
Document Number: 3
Docket Text:
Notice of Appearance Filed by Ken Ito on behalf of Creditor First Valley Bank. (Ito, Ken)
The following document(s) are associated with this transaction:
"""


def test_the_bankruptcy_header_dominates_district_clues() -> None:
    text = f"""From: notices@cand.uscourts.gov
U.S. Bankruptcy Court
Northern District of California
{MINIMAL_BODY}[STAMP dcecfStamp_ID=1 [Date=8/8/2025] [FileNumber=5-0] [ab]]
"""
    links = (("https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?1",),)
    facts = read(text, links=links)
    assert (facts.court_id, facts.court_type) == ("canb", CourtType.BANKRUPTCY)
    # The disagreeing clues are still shown, after the ones that agree.
    assert facts.court_evidence[0].text == "U.S. Bankruptcy Court / Northern District of California"
    assert {e.text for e in facts.court_evidence[1:]} >= {
        "From: notices@cand.uscourts.gov",
        "https://ecf.cand.uscourts.gov/cgi-bin/DktRpt.pl?1",
    }


def test_many_links_to_another_court_are_one_clue_and_do_not_outvote_the_rest() -> None:
    # A docket text may link to another court's docket; the notice is still cob's.
    text = (
        f"From: cmecf@cob.uscourts.gov\nU.S. Bankruptcy Court\nDistrict of Colorado\n{MINIMAL_BODY}"
    )
    links = (tuple(f"https://ecf.deb.uscourts.gov/cgi-bin/DktRpt.pl?{n}" for n in range(4)),)
    facts = read(text, links=links)
    assert (facts.court_id, facts.court_type) == ("cob", CourtType.BANKRUPTCY)
    deb = [e for e in facts.court_evidence if "ecf.deb" in e.text]
    assert len(deb) == 1  # shown once, after the agreeing clues
    assert facts.court_evidence[-1] == deb[0]


def test_a_link_in_the_docket_text_to_another_court_is_no_clue() -> None:
    text = f"U.S. Bankruptcy Court\nDistrict of New Jersey\n{MINIMAL_BODY}".replace(
        "(Ito, Ken)",
        "Transcript at https://ecf.nysb.uscourts.gov/doc1/126012345678 (Ito, Ken)",
    )
    facts = read(text)
    assert (facts.court_id, facts.court_type) == ("njb", CourtType.BANKRUPTCY)
    assert [e.text for e in facts.court_evidence] == [
        "U.S. Bankruptcy Court / District of New Jersey"
    ]
    assert facts.docket_text is not None and "ecf.nysb" in facts.docket_text


def test_the_header_alone_outweighs_one_other_clue_but_not_two() -> None:
    text = f"U.S. Bankruptcy Court\nDistrict of Colorado\n{MINIMAL_BODY}"
    one = (("https://ecf.utb.uscourts.gov/cgi-bin/DktRpt.pl?5",),)
    assert read(text, links=one).court_id == "cob"
    two = f"From: ecf@utb.uscourts.gov\n{text}"
    assert read(two, links=one).court_id == "utb"


def test_a_district_header_is_not_read_as_a_bankruptcy_court() -> None:
    text = f"U.S. District Court\nSouthern District of New York\n{MINIMAL_BODY}"
    links = (("https://ecf.nysb.uscourts.gov/doc1/126099999999?caseid=1",),)
    facts = read(text, links=links)
    assert (facts.court_id, facts.court_type) == ("nysd", CourtType.DISTRICT)


def test_without_a_header_the_sender_and_generic_stamp_decide() -> None:
    text = (
        f"From: BKECF_LiveDB@txnb.uscourts.gov\nTo: Courtmail@cob.uscourts.gov\n{MINIMAL_BODY}"
        "[STAMP bkecfStamp_ID=77 [Date=8/8/2025] [FileNumber=9-0] [cd]]\n"
    )
    facts = read(text)
    assert (facts.court_id, facts.court_type) == ("txnb", CourtType.BANKRUPTCY)
    assert {e.source for e in facts.court_evidence} == {"header", "stamp"}


def test_a_court_specific_stamp_alone_names_the_court() -> None:
    text = f"{MINIMAL_BODY}[STAMP VAEBStamp_ID=1 [Date=8/8/2025] [FileNumber=11-0] [ef]]\n"
    facts = read(text)
    assert (facts.court_id, facts.court_type) == ("vaeb", CourtType.BANKRUPTCY)
    text = text.replace("VAEBStamp_ID", "cacdStamp_ID")
    facts = read(text)
    assert (facts.court_id, facts.court_type) == ("cacd", CourtType.DISTRICT)


def test_a_generic_district_stamp_alone_gives_the_type_but_no_court() -> None:
    text = f"{MINIMAL_BODY}[STAMP dcecfStamp_ID=1 [Date=8/8/2025] [FileNumber=11-0] [ef]]\n"
    facts = read(text)
    assert (facts.court_id, facts.court_type) == (None, CourtType.DISTRICT)


def test_no_clue_at_all_leaves_the_court_unknown_but_the_wording_may_tell_the_type() -> None:
    facts = read(MINIMAL_BODY)  # "received from" is what bankruptcy courts print
    assert (facts.court_id, facts.court_type) == (None, CourtType.BANKRUPTCY)
    district = MINIMAL_BODY.replace("received from", "entered by")
    assert read(district).court_type is CourtType.DISTRICT
    assert read(district).court_evidence == ()


def test_an_unreadable_district_line_still_gives_the_type_and_other_clues_the_court() -> None:
    text = f"U.S. Bankruptcy Court\nSomewhere Special\n{MINIMAL_BODY}"
    links = (("https://ecf.njb.uscourts.gov/cgi-bin/DktRpt.pl?9",),)
    facts = read(text, links=links)
    assert (facts.court_id, facts.court_type) == ("njb", CourtType.BANKRUPTCY)
    assert facts.court_name == "Somewhere Special"
    assert "U.S. Bankruptcy Court / Somewhere Special" in [e.text for e in facts.court_evidence]


GMAIL_BROWSER = f"""Gmail Harriet Vance <harriet.vance@example.com>
25-10240-KHT Notice of Appearance
1 message
cmecf-noreply@cob.uscourts.gov <cmecf-noreply@cob.uscourts.gov> Wed, Mar 5, 2025 at 9:10 AM
To: courtmail@cob.uscourts.gov
{MINIMAL_BODY}"""


def test_a_gmail_print_names_its_sender_without_a_from_label() -> None:
    facts = read(GMAIL_BROWSER)
    assert (facts.court_id, facts.court_type) == ("cob", CourtType.BANKRUPTCY)
    assert [e.text for e in facts.court_evidence] == [
        "cmecf-noreply@cob.uscourts.gov <cmecf-noreply@cob.uscourts.gov> Wed, Mar 5, 2025 at 9:10 AM"
    ]


def test_a_recipient_line_names_no_court() -> None:
    text = f"To: courtmail@cob.uscourts.gov\nCc: clerk@utb.uscourts.gov\n{MINIMAL_BODY}"
    facts = read(text)
    assert facts.court_id is None
    assert facts.court_evidence == ()


def test_the_title_line_wins_over_a_subject_naming_another_notice() -> None:
    text = f"Subject: Notice of Electronic Filing - claim 4\nNotice of Electronic Claims Filing\n{MINIMAL_BODY}"
    text = text.replace("Notice of Electronic Filing\nThe following", "The following")
    assert read(text).notice_type is NoticeType.CLAIMS_FILING


# --------------------------------------------------------------------- fields


@pytest.mark.parametrize(
    "case_number",
    [
        "23-14130-JGR",
        "6:22-bk-13768",
        "6:22-bk-13768-SY",
        "1-23-01071-nhl",
        "24-04888-7",
        "22-00105-5-JNC",
        "24-03015",
        "1:20-cv-08924-CM",
        "2:25-cv-00318-RAH-SMD",
    ],
)
def test_case_number_formats(case_number: str) -> None:
    text = MINIMAL_BODY.replace("25-50001", f"{case_number} https://ecf.nyeb.uscourts.gov/x")
    assert [c.case_number for c in read(text).cases] == [case_number]


def test_labels_and_values_on_separate_lines() -> None:
    text = """U.S. Bankruptcy Court
District of Maryland
Notice of Electronic Filing
The following transaction was received from
Oyelaran, Tomi
entered on 12/1/2025 at 10:00 AM EST and filed on 12/1/2025
Case Name:
Chesapeake Marine Supply Co.
Case Number:
25-19876
Document Number:
44
Docket Text:
Objection to Claim Filed by Tomi Oyelaran on behalf of Debtor. (Oyelaran, Tomi)
"""
    facts = read(text)
    assert facts.court_id == "mdb"
    assert [(c.case_number, c.case_name, c.document_number) for c in facts.cases] == [
        ("25-19876", "Chesapeake Marine Supply Co.", "44")
    ]
    assert facts.filer == "Oyelaran, Tomi"
    assert facts.filed_by == ("Tomi Oyelaran",)
    assert facts.filed_on == dt.date(2025, 12, 1)


@pytest.mark.parametrize(
    ("docket", "expected"),
    [
        (
            "Motion Filed by Jane Q. Public on behalf of Acme LLC. (Public, Jane)",
            ("Jane Q. Public",),
        ),
        ("Motion Filed by Public, Jane on behalf of Acme LLC. (Public, Jane)", ("Public, Jane",)),
        ("Response Filed by Creditor Acme Lending Co.. (Doe, John)", ("Acme Lending Co.",)),
        ("Brief filed by Robert Lee Jr. on behalf of Debtor.", ("Robert Lee Jr.",)),
        ("Order (related document(s)[5] Motion filed by Debtor Sam Roe) (dmc)", ()),
        (
            "Stipulation Filed by Ann Bell on behalf of X. Joinder Filed by Carl Dunn.",
            ("Ann Bell", "Carl Dunn"),
        ),
    ],
)
def test_filed_by_names(docket: str, expected: tuple[str, ...]) -> None:
    text = MINIMAL_BODY.replace(
        "Notice of Appearance Filed by Ken Ito on behalf of Creditor First Valley Bank. (Ito, Ken)",
        docket,
    )
    assert read(text).filed_by == expected


def test_evidence_carries_the_page_it_was_found_on() -> None:
    page_1 = f"U.S. Bankruptcy Court\nDistrict of Oregon\n{MINIMAL_BODY}"
    page_2 = "[STAMP ORBStamp_ID=4 [Date=8/8/2025] [FileNumber=12-0] [aa]]\n"
    facts = read(page_1, page_2)
    assert facts.court_id == "orb"
    pages = {e.source: e.page for e in facts.court_evidence}
    assert pages == {"header": 1, "stamp": 2}


# --------------------------------------------------------------------- not NEFs

APPELLATE_NOTICE = """United States Court of Appeals for the Ninth Circuit
Notice of Docket Activity
The following transaction was entered on 03/04/2025 at 9:12:33 AM PST and filed on 03/04/2025
Case Name: Rivera v. Pacific Rail Co.
Case Number: 25-1234
Document(s): Document(s)
Docket Text: Filed (ECF) Appellant Opening Brief for review. Submitted by Appellant Luis Rivera.
"""

LETTER = """Dear Clerk,
I respectfully request a waiver of the CM/ECF training. Attached are six Notices of
Electronic Filing from other districts; each Notice of Electronic Filing shows my filing.
Sincerely, /s/ Jane Doe
"""

HEARING_MAIL = """U.S. Bankruptcy Court
Northern District of California
Zoom hearing information for Case Number: 25-40117
Join the hearing at https://www.canb.uscourts.gov/hearings
"""


@pytest.mark.parametrize(
    "text", [APPELLATE_NOTICE, LETTER, HEARING_MAIL, "", "Notice of Electronic Filing"]
)
def test_documents_that_are_not_nefs(text: str) -> None:
    document = pdf(text)
    assert not looks_like_nef(document)
    assert read_nef(document) is None


def test_an_appellate_notice_titled_as_an_nef_is_read_as_appellate() -> None:
    # Not what SPEC 3 excludes (that is "Notice of Docket Activity"): a notice that calls
    # itself an NEF is read, and the policy rejects it as not from a bankruptcy court.
    text = f"United States Court of Appeals for the Tenth Circuit\n{MINIMAL_BODY}"
    facts = read(text)
    assert (facts.court_id, facts.court_type) == ("ca10", CourtType.APPELLATE)
    assert facts.court_name == "Tenth Circuit"


def test_an_unreadable_pdf_is_not_an_nef() -> None:
    unreadable = PdfText(ok=False, reason="encrypted")
    assert not looks_like_nef(unreadable)
    assert read_nef(unreadable) is None
    assert read_nef(PdfText(ok=True)) is None


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.text(max_size=300),
    middle=st.text(max_size=300),
    suffix=st.text(max_size=300),
)
def test_arbitrary_text_never_raises(prefix: str, middle: str, suffix: str) -> None:
    text = (
        f"{prefix}\nNotice of Electronic Filing\n{middle}\nCase Number: {suffix}\nDocument Number:"
    )
    facts = read_nef(pdf(text))
    assert facts is None or facts.notice_type is NoticeType.ELECTRONIC_FILING
