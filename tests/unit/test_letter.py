"""The letter reader against letters written many ways, read with the shipped rules."""

from __future__ import annotations

from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.core.documents.letter import (
    clean_signed_name,
    looks_like_letter,
    read_letter,
    recognise_letter,
    split_sentences,
)
from intake.core.model import AffirmationState, FactState, LetterFacts, PageText, PdfText
from intake.core.policy.rules import DEFAULT_RULES_DIR, LetterPolicy, load_file

POLICY = load_file(DEFAULT_RULES_DIR / "letter.toml", LetterPolicy)
IDS = ("ecf_procedures", "local_rules", "qualification", "login_responsibility")


def pdf(*pages: str) -> PdfText:
    return PdfText(
        ok=True,
        page_count=len(pages),
        pages=tuple(PageText(number=i, text=dedent(t)) for i, t in enumerate(pages, 1)),
    )


def found(facts: LetterFacts) -> dict[str, str | None]:
    """Affirmation id → evidence text (None unless found)."""
    return {a.id: a.evidence.text if a.evidence and a.found else None for a in facts.affirmations}


# The statements of the compliant letter, one per affirmation, as the attorney wrote them.
STATEMENTS = {
    "ecf_procedures": "I have read and will comply with the Court's Electronic Case Filing "
    "Procedures.",
    "local_rules": "I am familiar with the Bankruptcy Local Rules of this Court.",
    "qualification": "I qualify under Civil L.R. 11-1(a) because I am a member in good "
    "standing of the bar of the U.S. District Court for the Northern District of California.",
    "login_responsibility": "My login and password will be used only by me, and any document "
    "filed using them constitutes my signature.",
}


def numbered_letter(omit: str | None = None) -> str:
    """A compliant letter, hard-wrapped at 80 columns, with one statement left out."""
    items = [s for key, s in STATEMENTS.items() if key != omit]
    body = "\n".join(_wrap(f"{n}. {s}") for n, s in enumerate(items, 1))
    return (
        dedent("""\
        Jane A. Doe, Esq. (SBN 123456)
        Doe Law Group, LLP
        123 Market Street, Suite 400
        San Francisco, CA 94105
        March 4, 2024
        Clerk of Court
        United States Bankruptcy Court
        Northern District of California
        Re: Request for Waiver of CM/ECF Training
        Dear Clerk:
        I am writing to request a waiver of the CM/ECF training requirement so that I may re-
        ceive a CM/ECF login and password for this Court. In support of my request, I affirm
        that:
        """)
        + body
        + dedent("""
        Enclosed are six Notices of Electronic Filing from the U.S. Bankruptcy Court for the
        Central District of California.
        Sincerely,
        /s/ Jane A. Doe
        Jane A. Doe
        Attorney at Law
        State Bar No. 123456
        """)
    )


def _wrap(text: str, width: int = 86) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


# ------------------------------------------------------------------ compliant letters


def test_compliant_numbered_letter_finds_everything_with_its_sentence() -> None:
    facts = read_letter(pdf(numbered_letter()), POLICY)
    assert facts.signed
    assert facts.attorney_name == "Jane A. Doe"
    assert facts.bar_number == "123456"
    assert facts.signature_evidence is not None
    assert facts.signature_evidence.text == "/s/ Jane A. Doe"
    assert facts.missing == []
    # The evidence is the attorney's sentence, unwrapped, without its list number.
    assert found(facts) == STATEMENTS
    assert all(a.evidence and a.evidence.page == 1 for a in facts.affirmations)


def test_paraphrased_prose_letter() -> None:
    text = """\
    John Q. Public
    Public & Partners
    Re: CM/ECF training waiver

    To the Clerk of the Court:

    Please accept this letter as my acknowledgment in support of my request for a waiver
    of the ECF training. I have read and will abide by the ECF procedures. I am familiar
    with the Bankruptcy Local Rules of this Court. I am admitted pro hac vice in the
    matter of In re Acme Corp. My login and password will be used only by me. I under-
    stand that any filing made with them constitutes my signature.

    Very truly yours,

    John Q. Public, Esq.
    SBN 654321
    """
    facts = read_letter(pdf(text), POLICY)
    evidence = found(facts)
    assert evidence["ecf_procedures"] == "I have read and will abide by the ECF procedures."
    assert evidence["local_rules"] == "I am familiar with the Bankruptcy Local Rules of this Court."
    assert evidence["qualification"] == (
        "I am admitted pro hac vice in the matter of In re Acme Corp."
    )
    # Two sentences in a row make the login affirmation; hyphenation undone.
    assert evidence["login_responsibility"] == (
        "My login and password will be used only by me. I understand that any filing made "
        "with them constitutes my signature."
    )
    assert facts.signed and facts.attorney_name == "John Q. Public"
    assert facts.bar_number == "654321"
    assert facts.signature_evidence is not None
    assert facts.signature_evidence.text.startswith("Very truly yours,")


def test_items_without_subject_read_with_their_lead_in() -> None:
    text = """\
    Dear Clerk:
    I, Maria Lopez, hereby certify in support of my request for a waiver of the CM/ECF
    training that I:
    (a) Have read and will comply with the ECF Procedures;
    (b) Am familiar with the Local Bankruptcy Rules;
    (c) Am an attorney representing the United States Government (Civil L.R. 11-2); and
    (d) Understand that my login and password are for my use only and that any filing
    made with them constitutes my signature.
    Respectfully submitted,
    ____________________
    Maria Lopez
    """
    facts = read_letter(pdf(text), POLICY)
    evidence = found(facts)
    assert evidence["ecf_procedures"] == "Have read and will comply with the ECF Procedures;"
    assert evidence["local_rules"] == "Am familiar with the Local Bankruptcy Rules;"
    assert evidence["qualification"] is not None
    assert evidence["qualification"].startswith("Am an attorney representing the United States")
    assert evidence["login_responsibility"] is not None
    assert facts.signed and facts.attorney_name == "Maria Lopez"
    assert facts.bar_number is None
    # The evidence shows the closing and the name, not the rule between them.
    assert facts.signature_evidence is not None
    assert facts.signature_evidence.text == "Respectfully submitted, Maria Lopez"


def test_inline_enumeration_in_one_paragraph() -> None:
    text = """\
    In support of my request for a CM/ECF training waiver, I affirm that: (1) I have read
    and will follow the Electronic Case Filing Procedures; (2) I am familiar with the
    Bankruptcy Local Rules; (3) I am admitted to practice before the United States District
    Court for the Northern District of California; and (4) my password is for my use only
    and a filing with my login is my signature.
    /s/ Ann Lee
    """
    facts = read_letter(pdf(text), POLICY)
    evidence = found(facts)
    assert evidence["ecf_procedures"] == (
        "I have read and will follow the Electronic Case Filing Procedures;"
    )
    assert evidence["local_rules"] == "I am familiar with the Bankruptcy Local Rules;"
    assert evidence["qualification"] is not None
    assert "Northern District of California" in evidence["qualification"]
    assert evidence["login_responsibility"] == (
        "my password is for my use only and a filing with my login is my signature."
    )
    assert facts.attorney_name == "Ann Lee"


def test_hyphenated_line_breaks_are_undone() -> None:
    text = """\
    Re: Waiver of CM/ECF training requirement for electronic filing access in this Court
    I have read and will com-
    ply with the Court's Elec-
    tronic Case Filing Proce-
    dures. I qualify under Civil L.R. 11-
    1(a) as a member of the bar of the district court for the Northern District of Cali-
    fornia. I am familiar with the Bank-
    ruptcy Local Rules.
    """
    facts = read_letter(pdf(text), POLICY)
    evidence = found(facts)
    assert evidence["ecf_procedures"] == (
        "I have read and will comply with the Court's Electronic Case Filing Procedures."
    )
    assert evidence["qualification"] == (
        "I qualify under Civil L.R. 11-1(a) as a member of the bar of the district court for "
        "the Northern District of California."
    )
    assert evidence["local_rules"] == "I am familiar with the Bankruptcy Local Rules."


def test_sentence_across_a_page_break_keeps_its_first_page() -> None:
    first = """\
    Re: Request for waiver of the CM/ECF training requirement for this Court, with NEFs
    I am familiar with the Bankruptcy Local Rules. My login and password are for my own
    Page 1 of 2
    """
    second = """\
    use only, and I understand that a document filed with them constitutes my signature.
    Sincerely,
    Jane Doe
    """
    facts = read_letter(pdf(first, second), POLICY)
    login = next(a for a in facts.affirmations if a.id == "login_responsibility")
    assert login.evidence is not None
    assert login.evidence.page == 1
    assert "Page 1" not in login.evidence.text
    assert login.evidence.text.endswith("constitutes my signature.")
    assert facts.signature_evidence is not None and facts.signature_evidence.page == 2


def test_a_very_long_line_does_not_cut_wrapped_sentences() -> None:
    url = "https://www.canb.uscourts.gov/sites/default/files/procedures/ecf-procedures-" + "x" * 90
    text = f"""\
    Jane Doe
    Doe Law
    Re: CM/ECF training waiver
    The Court publishes its Electronic Case Filing Procedures on its website, at the address
    below, together with the forms and the general orders that attorneys use every day.
    {url}
    In support of my request for a waiver, I confirm that I have read the Court's ECF
    Procedures and that I will comply with them in all of my filings with this Court. I
    also attach six Notices of Electronic Filing from cases that I filed in other courts
    of the United States, each of them filed by me with my own login and password.
    Sincerely,
    Jane Doe
    """
    wanted = (
        "In support of my request for a waiver, I confirm that I have read the Court's ECF "
        "Procedures and that I will comply with them in all of my filings with this Court."
    )
    assert wanted in [s.text for s in split_sentences(pdf(text))]
    assert found(read_letter(pdf(text), POLICY))["ecf_procedures"] == wanted


# ------------------------------------------------------------------ what is missing


@pytest.mark.parametrize("omitted", IDS)
def test_each_left_out_affirmation_is_never_found_and_only_it(omitted: str) -> None:
    facts = read_letter(pdf(numbered_letter(omit=omitted)), POLICY)
    states = {a.id: a.state for a in facts.affirmations}
    assert [a for a, s in states.items() if s is not AffirmationState.FOUND] == [omitted]
    # Missing, or unclear where the rest of the letter speaks of its matter (the request
    # asks for "a CM/ECF login and password"): never told missing while the letter
    # touches it, never taken as made.
    assert states[omitted] in {AffirmationState.MISSING, AffirmationState.UNCLEAR}
    assert found(facts)[omitted] is None


def test_an_affirmation_nothing_touches_is_missing_and_told() -> None:
    text = """\
    Dear Clerk:
    I ask for a waiver of the CM/ECF training. I have read and will comply with the ECF
    Procedures. I am familiar with the Bankruptcy Local Rules.
    Sincerely,
    /s/ Ann Lee
    """
    facts = read_letter(pdf(text), POLICY)
    assert facts.missing == ["qualification", "login_responsibility"]
    assert facts.unclear == []


# One sentence each: what a wording must accept, and what it must not take for an
# affirmation (negations, questions, other courts, the State Bar, half a statement).
PARAPHRASES = [
    # Issue 9's classes: paraphrases outside any wording list, "not only ... but also",
    # coordinated courts; and statements that only co-occur.
    ("local_rules", True, "I am well acquainted with the Bankruptcy Local Rules."),
    (
        "login_responsibility",
        True,
        "My CM/ECF login and password are solely mine; nobody but me will use them, and any "
        "filing made with them shall be deemed my signature.",
    ),
    (
        "qualification",
        True,
        "I am counsel for a federal agency qualifying under Civil L.R. 11-2.",
    ),
    (
        "ecf_procedures",
        True,
        "I have not only read the Electronic Case Filing (ECF) Procedures but also will comply "
        "with them.",
    ),
    (
        "qualification",
        True,
        "I am a member in good standing of the State Bar of California and of the United States "
        "District Court for the Northern District of California.",
    ),
    (
        "qualification",
        False,
        "I am admitted to the State Bar of California and practice in the Northern District of "
        "California.",
    ),
    (
        "qualification",
        False,
        "I am admitted to practice before the United States District Court for the District of "
        "Arizona, and this request is made to the Northern District of California.",
    ),
    (
        "qualification",
        False,
        "I qualify under Civil L.R. 11-1(a), although my admission is inactive.",
    ),
    ("ecf_procedures", False, "I have read most of the ECF Procedures and will comply with them."),
    ("local_rules", False, "I am somewhat familiar with the Bankruptcy Local Rules."),
    (
        "qualification",
        False,
        "I am admitted to practice in the Northern District of California Bankruptcy Court.",
    ),
    (
        "login_responsibility",
        False,
        "My login and password will be used only by me and my assistant, and any filing made "
        "with them is my signature.",
    ),
    ("ecf_procedures", True, "Applicant has read and will comply with the ECF Procedures."),
    ("ecf_procedures", True, "I have read and will abide by the ECF procedures."),
    (
        "ecf_procedures",
        True,
        (
            "I certify that I have read and agree to comply with the Electronic Case Filing "
            "Procedures."
        ),
    ),
    (
        "ecf_procedures",
        True,
        "I have read and understand the Court's ECF Procedures and agree to be bound by them.",
    ),
    (
        "ecf_procedures",
        True,
        "I acknowledge that I have read the CM/ECF Administrative Procedures and will follow them.",
    ),
    (
        "ecf_procedures",
        True,
        "The undersigned has reviewed and will adhere to the court's e-filing procedures.",
    ),
    (
        "ecf_procedures",
        True,
        "I have read the ECF Procedures. I will comply with them in every case.",
    ),
    ("ecf_procedures", False, "I will comply with the ECF Procedures once I have read them?"),
    ("ecf_procedures", False, "I have not read the ECF Procedures and cannot comply with them."),
    (
        "ecf_procedures",
        False,
        "The ECF Procedures require that attorneys read and comply with them.",
    ),
    (
        "ecf_procedures",
        False,
        "Please let me know if I need to read and comply with the ECF procedures.",
    ),
    ("local_rules", True, "I am familiar with the Bankruptcy Local Rules of this Court."),
    ("local_rules", True, "I have a working knowledge of the Bankruptcy Local Rules."),
    (
        "local_rules",
        True,
        (
            "I am familiar with the Local Rules of the United States Bankruptcy Court for the "
            "Northern District of California."
        ),
    ),
    ("local_rules", True, "I have read and am familiar with the B.L.R."),
    ("local_rules", True, "I'm familiar with the local bankruptcy rules."),
    ("local_rules", False, "I am not familiar with the Bankruptcy Local Rules."),
    ("local_rules", False, "I qualify under Civil Local Rule 11-1(a)."),
    ("local_rules", False, "The Local Rules are available on the Court's website."),
    (
        "qualification",
        True,
        (
            "I am a member in good standing of the bar of the U.S. District Court for the "
            "Northern District of California."
        ),
    ),
    ("qualification", True, "I am admitted pro hac vice."),
    ("qualification", True, "I meet the requirements of Civil Local Rule 11-1(a)."),
    ("qualification", True, "I am admitted to practice in the Northern District of California."),
    ("qualification", True, "I am an Assistant United States Attorney."),
    ("qualification", True, "I am a trial attorney with the U.S. Department of Justice."),
    (
        "qualification",
        True,
        "I am employed as an attorney by the Office of the United States Trustee.",
    ),
    ("qualification", True, "I am admitted to the USDC, N.D. Cal."),
    ("qualification", False, "I am a member of the State Bar of California."),
    (
        "qualification",
        False,
        (
            "I am admitted to practice before the U.S. Bankruptcy Court for the Central District "
            "of California."
        ),
    ),
    (
        "qualification",
        False,
        (
            "I intend to apply for admission to the U.S. District Court for the Northern District "
            "of California."
        ),
    ),
    (
        "qualification",
        False,
        (
            "I am not a member of the bar of the U.S. District Court for the Northern District of "
            "California."
        ),
    ),
    (
        "login_responsibility",
        True,
        (
            "My login and password will be used only by me, and any filing made with them "
            "constitutes my signature."
        ),
    ),
    (
        "login_responsibility",
        True,
        (
            "I understand that my CM/ECF password may not be shared with anyone and that its use "
            "constitutes my signature."
        ),
    ),
    (
        "login_responsibility",
        True,
        (
            "I will not permit any other person to use my login and password, and I understand "
            "that any filing made using my password will be deemed my signature."
        ),
    ),
    (
        "login_responsibility",
        True,
        (
            "My user ID and password are for my exclusive use. Any document filed with them is "
            "signed by me."
        ),
    ),
    (
        "login_responsibility",
        False,
        "Use of my login constitutes my signature under Fed. R. Bankr. P. 9011.",
    ),
    (
        "login_responsibility",
        False,
        "My paralegal will use my login and password, which constitutes my signature.",
    ),
    ("login_responsibility", False, "My login and password are for my use only."),
]


@pytest.mark.parametrize(("affirmation", "affirms", "sentence"), PARAPHRASES)
def test_paraphrases(affirmation: str, affirms: bool, sentence: str) -> None:
    evidence = found(read_letter(pdf(sentence), POLICY))[affirmation]
    assert evidence == (sentence if affirms else None)


def test_half_of_the_login_affirmation_is_not_enough() -> None:
    text = """\
    Re: CM/ECF training waiver
    I understand that any document filed with my login constitutes my signature.
    """
    assert found(read_letter(pdf(text), POLICY))["login_responsibility"] is None


def test_mentions_without_affirming_do_not_count() -> None:
    text = """\
    Re: CM/ECF training waiver
    I have not yet read the ECF Procedures, but I will comply with them.
    Do I need to be familiar with the Bankruptcy Local Rules?
    Attached is my letter, as the Local Rules and the ECF Procedures require.
    Please let me know whether I qualify under Civil L.R. 11-1(a).
    The ECF Procedures say that attorneys must read and comply with them.
    """
    assert found(read_letter(pdf(text), POLICY)) == dict.fromkeys(IDS)


def test_civil_local_rule_is_not_the_bankruptcy_local_rules() -> None:
    text = "I am familiar with Civil Local Rules 11-1(a) and 11-3 and qualify under them.\n"
    evidence = found(read_letter(pdf(text), POLICY))
    assert evidence["local_rules"] is None
    assert evidence["qualification"] is not None


def test_not_qualified_is_not_qualification() -> None:
    text = (
        "I am not admitted to the U.S. District Court for the Northern District of California"
        " and my pro hac vice application is pending.\n"
    )
    assert found(read_letter(pdf(text), POLICY))["qualification"] is None


# ------------------------------------------------------------------ signature and name


def test_a_name_field_without_a_signature_mark_is_unclear_and_names_the_attorney() -> None:
    # A form ending with "Name: Jane A. Doe" may be signed by hand above it: a clerk
    # looks; the attorney is not told the letter is unsigned.
    text = numbered_letter().split("Sincerely,")[0] + "Name: Jane A. Doe\n"
    facts = read_letter(pdf(text), POLICY)
    assert not facts.signed
    assert facts.signature is FactState.UNCLEAR
    assert facts.signature_evidence is None
    assert facts.attorney_name == "Jane A. Doe"
    assert facts.missing == []


def test_unsigned_letter_names_the_attorney_from_i_comma_name() -> None:
    text = "I, Robert Smith-Jones, request a waiver of the CM/ECF training.\n"
    facts = read_letter(pdf(text), POLICY)
    assert not facts.signed
    assert facts.attorney_name == "Robert Smith-Jones"


def test_unsigned_letter_names_the_attorney_from_the_letterhead() -> None:
    text = "Jane Roe, Esq.\n100 Main Street\nRe: CM/ECF training waiver\n"
    facts = read_letter(pdf(text), POLICY)
    assert not facts.signed
    assert facts.attorney_name == "Jane Roe"


def test_signature_block_with_esq_and_sbn() -> None:
    text = """\
    I request a waiver of the CM/ECF training.
    Respectfully submitted,

    JANE A. DOE, ESQ.
    SBN 123456
    Doe Law Group
    1 Main Street, Oakland, CA 94612
    """
    facts = read_letter(pdf(text), POLICY)
    assert facts.signed
    assert facts.attorney_name == "JANE A. DOE"
    assert facts.bar_number == "123456"
    assert facts.signature_evidence is not None
    assert facts.signature_evidence.text == "Respectfully submitted, JANE A. DOE, ESQ."


def test_closing_followed_by_firm_then_name() -> None:
    text = "Regarding CM/ECF access.\nSincerely,\nDOE & ROE LLP\nBy: Jane Doe\n"
    facts = read_letter(pdf(text), POLICY)
    assert facts.signed and facts.attorney_name == "Jane Doe"


def test_closing_without_a_name_is_not_a_signature() -> None:
    text = "Regarding CM/ECF access.\nSincerely,\nDoe Law Group LLP\n123 Main Street\n"
    facts = read_letter(pdf(text), POLICY)
    assert not facts.signed
    assert facts.attorney_name is None


def test_slash_s_on_its_own_line_takes_the_name_below() -> None:
    facts = read_letter(pdf("CM/ECF training waiver request.\n/s/\nJane Doe\n"), POLICY)
    assert facts.signed and facts.attorney_name == "Jane Doe"


def test_slash_s_name_wins_over_the_letterhead() -> None:
    text = "Law Offices of Mark Twain\nCM/ECF training waiver.\nRegards,\n/s/ Samuel Clemens\n"
    facts = read_letter(pdf(text), POLICY)
    assert facts.attorney_name == "Samuel Clemens"


def test_a_url_with_s_slash_is_not_a_signature() -> None:
    text = "See https://example.com/s/abc and http://docs/ for CM/ECF training.\n"
    assert not read_letter(pdf(text), POLICY).signed


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("Jane A. Doe, Esq. (SBN 123456)", "Jane A. Doe"),
        ("Jane A. Doe Esq.", "Jane A. Doe"),
        ("By: Jane Doe, Attorney at Law", "Jane Doe"),
        ("Jane Doe, Jr.", "Jane Doe, Jr."),
        ("Jane Doe, State Bar No. 123456", "Jane Doe"),
        ("Doe, Jane A.", "Jane A. Doe"),
        ("Doe, Esq.", "Doe"),
    ],
)
def test_clean_signed_name(line: str, name: str) -> None:
    assert clean_signed_name(line) == name


@pytest.mark.parametrize(
    "line",
    [
        "SBN 123456",
        "SBN: 123456",
        "State Bar No. 123456",
        "Cal. Bar No.: 123456",
        "California State Bar Number 123456",
        "State Bar of California No. 123456",
        "Bar # 123456",
        "CSBN 123456",
    ],
)
def test_bar_number_spellings(line: str) -> None:
    text = f"CM/ECF training waiver.\nSincerely,\n/s/ Jane Doe\n{line}\n"
    assert read_letter(pdf(text), POLICY).bar_number == "123456"


# ------------------------------------------------------------------ recognizing a letter


def test_letters_are_recognized() -> None:
    assert looks_like_letter(pdf(numbered_letter()), POLICY)
    # Written by the attorney about their own account: a letter, though it makes no
    # statement yet (the reply then says which are missing).
    short = "Subject: ECF login request\nDear Clerk:\nI ask for a CM/ECF login.\n/s/ Ann Lee\n"
    assert recognise_letter(pdf(short), POLICY).kind == "letter"
    # A subject line alone is no letter by anyone.
    assert recognise_letter(pdf("Subject: ECF login request\n"), POLICY).kind == "other"


@pytest.mark.parametrize(
    "text",
    [
        # An NEF as printed, written for this test.
        """\
        U.S. Bankruptcy Court
        District of Oregon
        Notice of Electronic Filing
        The following transaction was received from Jane Doe entered on 1/2/2024 at 9:00 AM
        and filed on 1/2/2024
        Case Name: Acme, LLC
        ***NOTE TO PUBLIC ACCESS USERS*** You may view the filed documents once without charge.
        Electronic document Stamp: [STAMP bkecfStamp_ID=1 [Date=1/2/2024] [FileNumber=2-0]]
        """,
        "INVOICE 1234\nLegal services, March 2024: 3.5 hours\nTotal due: $1,200.00\n",
        "Motion for relief from stay, filed in accordance with the local rules.\n",
        "",
    ],
)
def test_other_documents_are_not_letters(text: str) -> None:
    assert not looks_like_letter(pdf(text), POLICY)


def test_unreadable_pdf_is_not_a_letter() -> None:
    assert not looks_like_letter(PdfText(ok=False, reason="encrypted"), POLICY)


# ------------------------------------------------------------------ sentences


def test_abbreviations_and_initials_do_not_end_sentences() -> None:
    text = (
        "I am admitted to the U.S. District Court under Civil L.R. 11-1(a) as Jane A. Doe. "
        "Mr. Roe is not. Done!\n"
    )
    assert [s.text for s in split_sentences(pdf(text))] == [
        "I am admitted to the U.S. District Court under Civil L.R. 11-1(a) as Jane A. Doe.",
        "Mr. Roe is not.",
        "Done!",
    ]


def test_typographic_characters_are_made_plain() -> None:
    text = "I\u2019ve read the \ufb01ling rules \u2014 Civil L.R. 11\u20131(a).\n"
    (sentence,) = split_sentences(pdf(text))
    assert sentence.text == "I've read the filing rules - Civil L.R. 11-1(a)."


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=200), min_size=0, max_size=3))
def test_any_text_reads_without_error(pages: list[str]) -> None:
    facts = read_letter(pdf(*pages), POLICY)
    assert [a.id for a in facts.affirmations] == list(IDS)
    assert facts.signed == (facts.signature_evidence is not None)


# Pieces of letters, to shuffle into letter-like texts with every layout feature at once.
PIECES = [
    *STATEMENTS.values(),
    "I affirm that:",
    "1.",
    "(b)",
    "\u2022",
    "Sincerely,",
    "Respectfully submitted,",
    "/s/ Jane A. Doe",
    "Jane A. Doe, Esq.",
    "SBN 123456",
    "______________",
    "Re: CM/ECF training waiver",
    "Page 1 of 2",
    "Doe Law Group LLP",
    "I have read and will com-",
    "ply with the ECF Procedures.",
    "",
]


def _joins_sentences(text: str, sentences: list[str]) -> bool:
    """`text` is words of `sentences`, in their order: the sentences (or clauses) that
    say an affirmation's parts, joined, and not always next to each other."""
    letter = iter(" ".join(sentences).split())
    return all(word in letter for word in text.split())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=25), min_size=1, max_size=3))
def test_shuffled_letters_give_consistent_facts(pages: list[list[str]]) -> None:
    document = PdfText(
        ok=True,
        page_count=len(pages),
        pages=tuple(PageText(number=i, text="\n".join(p)) for i, p in enumerate(pages, 1)),
    )
    facts = read_letter(document, POLICY)
    sentences = [s.text for s in split_sentences(document)]
    for affirmation in facts.affirmations:
        if affirmation.evidence is not None:
            # Evidence is text of the letter, on one of its pages: its sentences in order
            # (one for each part, not always next to each other).
            assert _joins_sentences(affirmation.evidence.text, sentences)
            assert affirmation.evidence.page in range(1, len(pages) + 1)
    if facts.attorney_name is not None:
        assert facts.attorney_name == "Jane A. Doe"
    if facts.bar_number is not None:
        assert facts.bar_number == "123456"


def test_unreadable_pdf_reads_as_an_empty_letter() -> None:
    facts = read_letter(PdfText(ok=False, reason="encrypted"), POLICY)
    assert facts.attorney_name is None
    assert facts.missing == [*IDS, "signature"]
