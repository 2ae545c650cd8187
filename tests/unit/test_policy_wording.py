"""Policy facts have one source: codes worded from rules/messages.toml, court names from
the rules and the court table, court ids checked when the rules load."""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import itertools
import re
import shutil
from pathlib import Path

import pytest

from intake.core.model import (
    Affirmation,
    AffirmationState,
    CourtType,
    Document,
    DocumentKind,
    Envelope,
    Evidence,
    LetterFacts,
    LetterStatus,
    NefCase,
    NefFacts,
    NoticeType,
    Status,
)
from intake.core.policy.assess import assess
from intake.core.policy.codes import FINDING_CODES, MISSING_CODES, VIEW_WORDS
from intake.core.policy.rules import DEFAULT_RULES_DIR, Rules, RulesError, load_rules
from intake.core.replies.compose import Reply, compose_reply
from intake.core.replies.situation import document_lines, without_repeated_reasons
from intake.core.summary.pages import IndexEntry, render_index
from intake.core.summary.view import RequestFacts, build_summary
from tests.court import reply_settings

NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)
_serial = itertools.count(1)


def _rules_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, folder)
    return folder


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text()
    assert old in text, f"{old!r} is not in {name}"
    path.write_text(text.replace(old, new, 1))


def _nef(court: str, filer: str = "Doe, Jane") -> Document:
    n = next(_serial)
    return Document(
        filename=f"nef{n}.pdf",
        sha256=hashlib.sha256(f"nef{n}".encode()).hexdigest(),
        size=1000,
        kind=DocumentKind.NEF,
        nef=NefFacts(
            notice_type=NoticeType.ELECTRONIC_FILING,
            court_id=court,
            court_type=CourtType.BANKRUPTCY,
            cases=(NefCase(case_number=f"24-{20000 + n}", document_number=str(n)),),
            filer=filer,
        ),
    )


def _letter(missing: tuple[str, ...] = (), signed: bool = True) -> Document:
    ids = ("ecf_procedures", "local_rules", "qualification", "login_responsibility")
    return Document(
        filename="letter.pdf",
        sha256=hashlib.sha256(f"letter{next(_serial)}".encode()).hexdigest(),
        size=1000,
        kind=DocumentKind.LETTER,
        letter=LetterFacts(
            attorney_name="Jane Doe",
            signed=signed,
            affirmations=tuple(
                Affirmation(
                    id=a, state=AffirmationState.MISSING if a in missing else AffirmationState.FOUND
                )
                for a in ids
            ),
        ),
    )


def _reply(documents: list[Document], rules: Rules) -> Reply:
    settings = reply_settings(rules)
    envelope = Envelope(
        message_id="<a1@example-law.com>",
        sender_address="jane@example-law.com",
        sender_name="Jane Doe",
    )
    return compose_reply(
        assess(documents, "Jane Doe", rules),
        documents,
        envelope,
        settings,
        message_id="<r1@canb.example.gov>",
        now=NOW,
        completed_at=NOW,
    )


def _flat(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- every code worded


def test_the_shipped_messages_word_every_code() -> None:
    messages = load_rules().messages
    for code in FINDING_CODES:
        assert messages.findings.get(code), code
    for code in MISSING_CODES:
        assert messages.still_needed.get(code), code
        assert messages.still_needed_reply.get(code), code
    # The words of the replies' and the clerk's pages' lines.
    for table, keys in [
        (messages.notice_names, [t.value for t in NoticeType]),
        (messages.kind_names, [k.value for k in DocumentKind]),
        (messages.kind_labels, [k.value for k in DocumentKind]),
        (messages.status_labels, [s.value for s in Status]),
        (messages.letter_labels, [s.value for s in LetterStatus]),
        (messages.view, list(VIEW_WORDS)),
    ]:
        for key in keys:
            assert table.get(key), key


@pytest.mark.parametrize(
    ("table", "code"),
    [
        ("findings", "duplicate"),
        ("still_needed", "signature"),
        ("still_needed_reply", "nefs"),
        ("notice_names", "claims_filing"),
        ("kind_names", "not_pdf"),
        ("kind_labels", "unreadable"),
        ("status_labels", "needs_review"),
        ("letter_labels", "unclear"),
        ("view", "same_reason"),
    ],
)
def test_a_messages_file_that_leaves_a_code_unworded_is_refused(
    tmp_path: Path, table: str, code: str
) -> None:
    folder = _rules_folder(tmp_path)
    text = (folder / "messages.toml").read_text()
    start = text.index(f"[{table}]")
    line = re.compile(rf"^{code} = .*\n", re.MULTILINE).search(text, start)
    assert line is not None
    (folder / "messages.toml").write_text(text[: line.start()] + text[line.end() :])
    with pytest.raises(RulesError) as caught:
        load_rules(folder)
    assert f"[{table}] has no wording for {code}" in str(caught.value)


# The two modules that turn an assessment into the lines of replies and pages add no
# words of their own: every wording has one home, rules/messages.toml.
_WORDED_ELSEWHERE = ["intake/core/replies/situation.py", "intake/core/summary/view.py"]


@pytest.mark.parametrize("module", _WORDED_ELSEWHERE)
def test_the_lines_of_replies_and_pages_hold_no_wording_of_their_own(module: str) -> None:
    tree = ast.parse((Path(__file__).resolve().parents[2] / module).read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    prose = [
        f"line {node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and re.search(r"[A-Za-z]{2,}\W+[A-Za-z]{2,}", node.value)
    ]
    assert prose == []


def test_the_lines_of_replies_and_pages_are_worded_by_messages_toml(tmp_path: Path) -> None:
    folder = _rules_folder(tmp_path)
    for old, new in [
        ('electronic_filing = "Notice of Electronic Filing"', 'electronic_filing = "E-NOTICE"'),
        ('acknowledgment_letter = "letter of', 'acknowledgment_letter = "A-LETTER" # "'),
        (
            'nef = "Notice of Electronic Filing"\nacknowledgment_letter = "Let',
            'nef = "NEF-ROW"\nacknowledgment_letter = "Let',
        ),
        ('incomplete = "Incomplete"', 'incomplete = "NOT YET"'),
        ('deficient = "deficient"', 'deficient = "LACKING"'),
        (
            'same_reason = "The same reason as for {document}, above."',
            'same_reason = "AS {document}"',
        ),
        ('tally = "{counted} of {required} required"', 'tally = "{counted}/{required}"'),
        ('page_unknown = "page unknown"', 'page_unknown = "NOWHERE"'),
    ]:
        _edit(folder, "messages.toml", old, new)
    rules = load_rules(folder)
    unplaced = _nef("cob")
    assert unplaced.nef is not None
    placed = unplaced.nef.model_copy(update={"court_evidence": (Evidence(text="Colorado"),)})
    documents = [
        _letter(missing=("local_rules",)),
        Document(**{**unplaced.model_dump(), "nef": placed, "nefs": (placed,)}),
        _nef("canb"),
        _nef("canb"),
    ]
    assessment = assess(documents, "Jane Doe", rules)
    lines = document_lines(assessment, documents, rules)
    assert [line.description for line in lines] == ["A-LETTER", *["E-NOTICE"] * 3]
    again = without_repeated_reasons(lines, rules)
    assert again[3].reasons == (f"AS {documents[2].filename}",)
    view = build_summary(
        RequestFacts("R-1", "Jane Doe", "jane@example-law.com", NOW, NOW),
        assessment,
        documents,
        generated_at=NOW,
        rules=rules,
    )
    assert view.status_label == "NOT YET" and view.letter_status == "LACKING"
    assert view.nef_tally == "1/6"
    assert [row.kind for row in view.documents][1:] == ["NEF-ROW"] * 3
    assert [e.where for e in view.nefs[0].court_evidence] == ["NOWHERE"]
    index = render_index(
        [IndexEntry("R-1", "Jane Doe", "incomplete", NOW)], rules=rules, generated_at=NOW
    )
    assert "NOT YET" in index


# ------------------------------------------------------------ what is still needed


def test_missing_items_are_codes_worded_for_the_attorney_and_for_the_clerk(
    tmp_path: Path,
) -> None:
    folder = _rules_folder(tmp_path)
    _edit(
        folder,
        "messages.toml",
        'signature = "your signature on the letter',
        'signature = "YOUR OWN SIGNATURE on the letter',
    )
    _edit(
        folder,
        "messages.toml",
        'affirmation = "the statement that the attorney {description}"',
        'affirmation = "CLERK: statement {id} ({description})"',
    )
    rules = load_rules(folder)
    documents = [_letter(missing=("local_rules",), signed=False), _nef("cob")]
    assessment = assess(documents, "Jane Doe", rules)
    assert [m.code for m in assessment.missing] == ["affirmation", "signature", "nefs"]
    reply = _flat(_reply(documents, rules).text)
    assert "YOUR OWN SIGNATURE on the letter" in reply
    view = build_summary(
        RequestFacts("R-1", "Jane Doe", "jane@example-law.com", NOW, NOW),
        assessment,
        documents,
        generated_at=NOW,
        rules=rules,
    )
    assert view.missing[0].startswith("CLERK: statement local_rules (")
    assert view.missing[2] == "5 more qualifying Notices of Electronic Filing"
    # The letter's summary finding lists the same items in the clerk's words.
    deficient = next(f for f in assessment.findings if f.code == "letter_deficient")
    assert deficient.params["missing"] == "; ".join(view.missing[:2])


# ------------------------------------------------------------------- court names


def test_a_court_that_excludes_another_court_names_it_in_replies(tmp_path: Path) -> None:
    folder = _rules_folder(tmp_path)
    (folder / "nef.toml").write_text(
        (folder / "nef.toml").read_text()
        + '\n[[excluded_courts]]\nid = "nysb"\nmessage = "New York filings do not qualify."\n'
    )
    rules = load_rules(folder)
    assert rules.excluded_court_names == (
        "the U.S. Bankruptcy Court for the Eastern District of California",
        "the U.S. Bankruptcy Court for the Southern District of New York",
    )
    documents = [_letter(), _nef("nysb"), _nef("cob")]
    reply = _reply(documents, rules)
    text = _flat(reply.text)
    assert (
        "Filings in the U.S. Bankruptcy Court for the Eastern District of California or "
        "the U.S. Bankruptcy Court for the Southern District of New York do not qualify."
    ) in text
    assert "New York filings do not qualify." in text


def test_an_excluded_courts_name_may_be_given_in_the_rules(tmp_path: Path) -> None:
    folder = _rules_folder(tmp_path)
    _edit(
        folder, "nef.toml", 'id = "caeb"', 'id = "caeb"\nname = "the Sacramento bankruptcy court"'
    )
    rules = load_rules(folder)
    assert rules.excluded_court_names == ("the Sacramento bankruptcy court",)
    text = _flat(_reply([_letter(), _nef("cob")], rules).text)
    assert "Filings in the Sacramento bankruptcy court do not qualify." in text


def test_no_excluded_court_means_no_sentence_about_one(tmp_path: Path) -> None:
    folder = _rules_folder(tmp_path)
    text = (folder / "nef.toml").read_text()
    (folder / "nef.toml").write_text(text[: text.index("[[excluded_courts]]")])
    text = _flat(_reply([_letter(), _nef("cob")], load_rules(folder)).text)
    assert "do not qualify." not in text
    assert "Eastern District of California" not in text


# ---------------------------------------------------------------- court ids at load


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ('own_court = "canb"', 'own_court = "cnab"', "'cnab' is not a bankruptcy court id"),
        ('id = "caeb"', 'id = "caebb"', "'caebb' is not a bankruptcy court id"),
        ('id = "caeb"', 'id = "caed"', "'caed' is not a bankruptcy court (United States District"),
        ('own_court = "canb"', 'own_court = "cadc"', "'cadc' is not a bankruptcy court (United"),
    ],
)
def test_a_court_id_of_the_rules_that_is_no_bankruptcy_court_is_refused_at_load(
    tmp_path: Path, old: str, new: str, said: str
) -> None:
    folder = _rules_folder(tmp_path)
    _edit(folder, "nef.toml", old, new)
    with pytest.raises(RulesError) as caught:
        load_rules(folder)
    assert said in str(caught.value)
    assert "nef.toml" in str(caught.value)


def test_a_misspelt_court_id_gets_a_suggestion(tmp_path: Path) -> None:
    folder = _rules_folder(tmp_path)
    _edit(folder, "nef.toml", 'id = "caeb"', 'id = "caebb"')
    with pytest.raises(RulesError, match=r"did you mean 'caeb'"):
        load_rules(folder)


def test_config_check_reports_a_misspelt_court_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from intake.commands.cli import main

    folder = _rules_folder(tmp_path)
    _edit(folder, "nef.toml", 'id = "caeb"', 'id = "caebb"')
    config = tmp_path / "intake.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "state"}"\nrules_dir = "{folder}"\n'
        f'[source]\nmaildir = "{tmp_path / "mail"}"\n'
    )
    assert main(["config", "check", "--config", str(config)]) != 0
    out = capsys.readouterr()
    said = " ".join((out.out + out.err).split())
    assert "FAIL rules:" in said
    assert "excluded_courts.0.id: 'caebb' is not a bankruptcy court id of CM/ECF" in said
    assert "(did you mean 'caeb'" in said
