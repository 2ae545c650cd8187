"""Classes of sentence shape the statement reader must read (or refuse) whatever the words.

Each case is one sentence (or two) in a short signed letter; the expectation is the
affirmation's state. They are grouped by the class of shape, not by wording: passive
voice, a subject left out, a defined term standing for the object, a verb whose object
is understood, two verbs sharing one object across commas, a subject far from its
predicate, someone else named as who knows, synonyms from the lexicon.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from intake.core.documents.letter import read_letter
from intake.core.model import AffirmationState, DrawnBox, PageText, PdfText
from intake.core.policy.rules import DEFAULT_RULES_DIR, LetterPolicy, RulesError, load_file

POLICY = load_file(DEFAULT_RULES_DIR / "letter.toml", LetterPolicy)
FOUND, UNCLEAR = AffirmationState.FOUND, AffirmationState.UNCLEAR


def state(affirmation: str, body: str) -> AffirmationState:
    text = f"Dear Clerk:\n\n{body}\n\nSincerely,\n/s/ Jane Q. Doe\nJane Q. Doe"
    facts = read_letter(
        PdfText(ok=True, page_count=1, pages=(PageText(number=1, text=text),)), POLICY
    )
    return next(a.state for a in facts.affirmations if a.id == affirmation)


ECF, LOCAL, QUAL, LOGIN = "ecf_procedures", "local_rules", "qualification", "login_responsibility"

MADE = [
    # passive voice and the object first
    (LOCAL, "The Local Rules of this Court have been reviewed by me."),
    (ECF, "The ECF Procedures have been reviewed by me and I agree to be bound by them."),
    # the subject left out, on a form or in a list
    (LOCAL, "Have read and understand the Bankruptcy Local Rules."),
    (ECF, "Have read the Court's Electronic Case Filing Procedures and will abide by them."),
    (
        ECF,
        "Attorney statements\n- Has read the ECF Procedures and agrees to follow them\n"
        "- Is familiar with the Bankruptcy Local Rules",
    ),
    # a defined term, "both", and a verb whose object is understood
    (
        ECF,
        'I have read the Court\'s Electronic Case Filing Procedures (the "Procedures"). '
        "I will comply with the Procedures.",
    ),
    (
        ECF,
        "I have read the CM/ECF User's Manual and the ECF Procedures, and I will comply with both.",
    ),
    (ECF, "I have read the ECF Procedures; I will comply."),
    (
        ECF,
        "I have read the Court's Electronic Case Filing Procedures and I intend to comply with "
        "them fully.",
    ),
    # two verbs sharing one object across commas
    (
        ECF,
        "I have carefully read, and I agree to comply with, the Electronic Case Filing Procedures "
        "of this Court.",
    ),
    # the Procedures' other names
    (
        ECF,
        "I have read the Administrative Procedures for Electronically Filed Cases and will comply "
        "with them.",
    ),
    (ECF, "I have read the electronic-filing procedures of this Court and agree to follow them."),
    (ECF, "I have read the Court's Electronic Case Filing Procedures and will be guided by them."),
    # the district and the bar, however named
    (QUAL, "I am an active member of the Northern District of California bar."),
    (
        QUAL,
        "I belong to the bar of the United States District Court for the Northern District of "
        "California.",
    ),
    (QUAL, "I am an active member of the bar of this District's District Court."),
    (
        QUAL,
        "I am admitted to practice in bankruptcy matters before the U.S. District Court for the "
        "Northern District of California.",
    ),
    (
        QUAL,
        "I am admitted to practice in California state courts and in the United States District "
        "Court for the Northern District of California.",
    ),
    (
        QUAL,
        "I am an attorney licensed in California and a member of the bar of the United States "
        "District Court for the Northern District of California.",
    ),
    # the login's other names, the signature's other wordings
    (
        LOGIN,
        "Nobody but me will use my passcode, and any filing made with my login constitutes my "
        "signature.",
    ),
    (
        LOGIN,
        "My ECF credentials will not be shared with anyone, including my staff. Any filing made "
        "under my credentials shall serve as my signature.",
    ),
    (
        LOGIN,
        "My login and password are for my use alone, and everything filed with them carries my "
        "e-signature.",
    ),
    (
        LOGIN,
        "My login and password are limited to my own use, and any filing made with them "
        "constitutes my signature.",
    ),
]

# Denying that anyone else may use the login is the statement, not its negation.
MADE += [
    (LOGIN, s)
    for s in (
        "I will not reveal my password to anyone, and any filing made with my login is my "
        "signature.",
        "I will not, under any circumstances, share my password; a filing made with my login "
        "is my signature.",
        "My password will never be disclosed to my staff, and any filing made with my login is "
        "my signature.",
        "I will not make my login available to anyone else; a filing made with it is my signature.",
        "I will neither share my password nor permit anyone else to use my login, and any "
        "filing made with them is my signature.",
        "My login and password will be used by me and by no other person, and any filing made "
        "with them is my signature.",
        "A filing made with my login, whether or not I personally submit it, is my signature, "
        "and my login and password are for my use only.",
        "Declarant's login and password are for Declarant's exclusive use, and any filing made "
        "with them is Declarant's signature.",
        "The undersigned understands that the login and password are for his/her use only and "
        "that any filing made with them constitutes his/her signature.",
    )
] + [
    (
        LOCAL,
        "While I do not practice regularly in this District, I have become familiar with "
        "the Bankruptcy Local Rules.",
    ),
    (LOCAL, "I have no doubt that I am familiar with the Bankruptcy Local Rules."),
]

# The speaker's own name set off by commas ("I, Dr. Jane Q. Doe, ..." in the letter she signs).
MADE += [
    (ECF, "I, Dr. Jane Q. Doe, have read the Court's ECF Procedures and will comply with them."),
    (
        ECF,
        "I, Jane Q. Doe, an attorney with Doe Law, have read the Court's ECF Procedures and "
        "will comply with them.",
    ),
    (
        LOGIN,
        "I am the sole user of my login and password, and any filing made with them is my "
        "signature.",
    ),
]

REFUSED = [
    # someone else is the subject, however far from the predicate
    (
        LOCAL,
        "My paralegal, who I have trained for many years and whom I trust completely, is familiar "
        "with the Bankruptcy Local Rules.",
    ),
    (
        LOCAL,
        "The associate who handles my bankruptcy filings, and on whom I rely, has read the "
        "Bankruptcy Local Rules.",
    ),
    (LOCAL, "Ms. Tran, whom I supervise, is familiar with the Local Rules."),
    (LOCAL, "The lawyer who will use my account is familiar with the Bankruptcy Local Rules."),
    # someone else named as who knows it
    (LOCAL, "The Bankruptcy Local Rules, which I keep on my desk, are familiar to my associate."),
    (LOCAL, "The Bankruptcy Local Rules have been reviewed by my paralegal."),
    (LOCAL, "In my office, the Bankruptcy Local Rules are familiar to everyone on my staff."),
    # a weak degree said after the statement
    (
        LOCAL,
        "My familiarity with the Bankruptcy Local Rules, as my colleagues would confirm, is "
        "limited.",
    ),
    # an intention to read is not having read, even where an intention to comply is a promise
    (ECF, "I intend to read the ECF Procedures next week, and I will comply with them."),
    # a signature sentence that does not speak of the login, after an own-use one
    (LOGIN, "My password is mine alone. Every pleading I file will bear my signature."),
    # a future or conditional reading, however the condition is placed
    (ECF, "I will read and comply with the Court's Electronic Case Filing Procedures."),
    (ECF, "I'll read the Court's ECF Procedures this week and comply with them."),
    (ECF, "Provided my request is granted, I have read and will comply with the ECF Procedures."),
    (ECF, "Should the Court grant my request, I will review and follow the ECF Procedures."),
    (
        ECF,
        "I have read the ECF Procedures and will comply with them, provided that my request is "
        "granted.",
    ),
    (ECF, "I have read the ECF Procedures and will comply with them when my account is activated."),
    (ECF, "Upon activation of my account, I will read the ECF Procedures and comply with them."),
    # a real negation near a login word is still one
    (
        LOGIN,
        "I have not kept my password to myself, and a filing made with my login is my signature.",
    ),
    (LOCAL, "I have not given the Bankruptcy Local Rules much attention."),
    (LOCAL, "I am becoming familiar with the Bankruptcy Local Rules."),
    # another district's court, coordinated or not
    (
        QUAL,
        "I am admitted to practice before the United States District Court for the District of "
        "Nevada, and I am requesting access to this Court in the Northern District of California.",
    ),
]


@pytest.mark.parametrize(("affirmation", "body"), MADE)
def test_statement_shapes_are_read(affirmation: str, body: str) -> None:
    assert state(affirmation, body) is FOUND


@pytest.mark.parametrize(("affirmation", "body"), REFUSED)
def test_statement_shapes_that_are_not_the_attorneys_are_refused(
    affirmation: str, body: str
) -> None:
    assert state(affirmation, body) is UNCLEAR


def test_the_lexicon_serves_every_phrase_that_names_it() -> None:
    ecf = POLICY.affirmations[0]
    read, comply = (part.forms[0].object for part in ecf.parts)
    assert read == comply  # one list of names for both parts
    assert "{ecf_procedures}" not in read[0] and "electronic(?:ally)?" in read[0]


def test_an_unknown_lexicon_name_is_refused_at_load(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (DEFAULT_RULES_DIR / "letter.toml").read_text(encoding="utf-8")
    bad = tmp_path / "letter.toml"
    bad.write_text(
        text.replace("object = ['{login}']", "object = ['{logins}']", 1), encoding="utf-8"
    )
    with pytest.raises(RulesError, match="logins"):
        load_file(bad, LetterPolicy)


FORM_ITEMS = (
    "I have read the Court's Electronic Case Filing Procedures and will comply with them.",
    "I am familiar with the Bankruptcy Local Rules.",
    "I am a member of the bar of the U.S. District Court for the Northern District of California.",
    "My login and password are for my use only, and a filing made with them is my signature.",
)


def form_states(instruction: str, marks: tuple[str, ...], where: str = "start") -> list[str]:
    """A form: its instruction, then one line per item with its mark as the text shows it."""
    rows = []
    for mark, item in zip(marks, FORM_ITEMS, strict=True):
        if where == "start":
            rows.append(f"{mark} {item}".strip())
        elif where == "end":
            rows.append(f"{item} {mark}".rstrip())
        else:  # an initials column read as a line of its own under the item
            rows += [item, mark] if mark else [item]
    text = "\n".join(
        [
            "CM/ECF ATTORNEY ACKNOWLEDGMENT",
            "Attorney name: Jane Q. Doe",
            "",
            instruction,
            *rows,
            "",
            "Signature: /s/ Jane Q. Doe   Date: 03/03/2026",
        ]
    )
    facts = read_letter(
        PdfText(ok=True, page_count=1, pages=(PageText(number=1, text=text),)), POLICY
    )
    return [a.state.value for a in facts.affirmations]


@pytest.mark.parametrize(
    "instruction",
    [
        "Place an X in the box beside each statement that applies.",
        "Fill in the box next to each statement you affirm:",
        "Please confirm the following (mark all that apply)",
        "Initial each line below.",
    ],
)
def test_a_form_whose_marks_are_not_in_the_text_goes_to_a_clerk(instruction: str) -> None:
    # Boxes drawn as shapes leave nothing in the text: empty or ticked, it reads the same.
    assert form_states(instruction, ("", "", "", "")) == ["unclear"] * 4


def test_a_form_read_item_by_item_by_its_glyph_marks() -> None:
    marks = ("[X]", "\u2612", "[ ]", "\u2714")
    assert form_states("Check each box that applies:", marks) == [
        "found",
        "found",
        "unclear",
        "found",
    ]


@pytest.mark.parametrize("where", ["start", "end", "column"])
def test_typed_initials_mark_their_items_and_a_blank_one_does_not(where: str) -> None:
    states = form_states("Initial each statement below.", ("JQD", "JQD", "", "J.Q.D."), where)
    assert states == ["found", "found", "unclear", "found"]


def test_a_letter_that_only_mentions_checking_is_not_a_form() -> None:
    body = "I will check the docket every day. " + " ".join(FORM_ITEMS)
    assert {state(a, body) for a in (ECF, LOCAL, QUAL, LOGIN)} == {FOUND}


def test_boxes_the_pdf_drew_as_shapes_are_read_item_by_item() -> None:
    # The PDF reader finds drawn squares and what is drawn inside them (`PageText.boxes`).
    text = "\n".join(
        [
            "CM/ECF ATTORNEY ACKNOWLEDGMENT",
            "Fill in the box next to each statement you affirm:",
            *FORM_ITEMS,
            "",
            "Signature: /s/ Jane Q. Doe   Date: 03/03/2026",
        ]
    )
    ticks = (True, True, False, True)
    boxes = tuple(
        DrawnBox(ticked=t, line=item[:40]) for t, item in zip(ticks, FORM_ITEMS, strict=True)
    )
    page = PageText(number=1, text=text, boxes=boxes)
    facts = read_letter(PdfText(ok=True, page_count=1, pages=(page,)), POLICY)
    assert [a.state.value for a in facts.affirmations] == ["found", "found", "unclear", "found"]


@pytest.mark.parametrize(
    ("local_row", "expected"),
    [
        ("I am familiar with the Bankruptcy Local Rules. Yes [X] No [ ]", "found"),
        ("I am familiar with the Bankruptcy Local Rules. Yes [ ] No [X]", "unclear"),
        ("I am familiar with the Bankruptcy Local Rules.\n\u2610 Yes \u2612 No", "unclear"),
        ("I am familiar with the Bankruptcy Local Rules.\n\u2612 Yes \u2610 No", "found"),
        ("I am familiar with the Bankruptcy Local Rules. Yes [X] No [X]", "unclear"),
    ],
)
def test_a_yes_no_pair_of_boxes_answers_its_row(local_row: str, expected: str) -> None:
    text = "\n".join(
        [
            "ATTORNEY ACKNOWLEDGMENT",
            "Answer each statement:",
            "I have read the ECF Procedures and will comply with them. Yes [X] No [ ]",
            local_row,
            "",
            "Signature: /s/ Jane Q. Doe   Date: 03/03/2026",
        ]
    )
    facts = read_letter(
        PdfText(ok=True, page_count=1, pages=(PageText(number=1, text=text),)), POLICY
    )
    states = {a.id: a.state.value for a in facts.affirmations}
    assert states["ecf_procedures"] == "found"
    assert states["local_rules"] == expected


def _answer_rows(answer: Callable[[bool], list[str]], header: str) -> list[str]:
    rows = ["CM/ECF ACKNOWLEDGMENT", header]
    for number, item in enumerate(FORM_ITEMS):
        rows += [item, *answer(number != 1)]  # the second row (local rules) answered no
    return [*rows, "", "Signature: /s/ Jane Q. Doe   Date: 03/03/2026"]


@pytest.mark.parametrize(
    ("header", "answer"),
    [
        # A mark whose column (Yes or No) the text has lost: every row reads the same.
        ("Statement Yes No", lambda yes: ["X"]),
        ("Statement Yes No", lambda yes: ["     X" if not yes else " X"]),
        ("Statement Yes/No", lambda yes: ["X"]),
        # An answer circled: the parentheses are all the text keeps of the circle.
        ("Circle your answer to each statement.", lambda yes: ["(Yes) No" if yes else "Yes (No)"]),
    ],
)
def test_a_yes_no_column_whose_marks_the_text_loses_goes_to_a_clerk(
    header: str, answer: Callable[[bool], list[str]]
) -> None:
    """Row 2 is answered "No" on the page; from the text that cannot be told from "Yes",
    so no row may read as found (a found row here once made a bad form complete)."""
    text = "\n".join(_answer_rows(answer, header))
    facts = read_letter(
        PdfText(ok=True, page_count=1, pages=(PageText(number=1, text=text),)), POLICY
    )
    assert [a.state.value for a in facts.affirmations] == ["unclear"] * 4
