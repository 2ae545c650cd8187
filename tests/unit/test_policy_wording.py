"""Policy facts have one source: codes worded from rules/messages.toml, court names from
the rules and the court table, court ids checked when the rules load."""

from __future__ import annotations

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
    LetterFacts,
    NefCase,
    NefFacts,
    NoticeType,
)
from intake.core.policy.assess import assess
from intake.core.policy.codes import FINDING_CODES, MISSING_CODES
from intake.core.policy.rules import DEFAULT_RULES_DIR, Rules, RulesError, load_rules
from intake.core.replies.compose import Reply, compose_reply
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


@pytest.mark.parametrize(
    ("table", "code"),
    [("findings", "duplicate"), ("still_needed", "signature"), ("still_needed_reply", "nefs")],
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
