"""The rules loader: the shipped rules load; a court's mistakes name the file and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from intake.core.policy.rules import (
    DEFAULT_RULES_DIR,
    LetterPolicy,
    Rules,
    RulesError,
    load_file,
    load_rules,
)

DEFAULT_AFFIRMATIONS = ["ecf_procedures", "local_rules", "qualification", "login_responsibility"]

# The smallest letter.toml the loader accepts; the broken variants below change one thing.
VALID_LETTER = """\
[recognition]
about = ['\\bECF\\b']
letter_form = ['^dear\\b']

[scope]
speaker = ['\\bI\\b']
negations = ['\\bnot\\b']

[[affirmations]]
id = "local_rules"
description = "is familiar with the Bankruptcy Local Rules"
touches = ['\\blocal rules\\b']
[[affirmations.parts]]
id = "familiar"
[[affirmations.parts.forms]]
predicate = ['\\bfamiliar\\b']
object = ['\\blocal rules\\b']
reach = 8
"""


def rules_copy(tmp_path: Path) -> Path:
    """The shipped rules in a scratch folder (with a minimal messages.toml if the project
    has none yet), ready to be broken."""
    folder = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, folder)
    messages = folder / "messages.toml"
    if not messages.exists():
        messages.write_text('[findings]\nletter_unsigned = "The letter is not signed."\n')
    return folder


def _without_advice(folder: Path) -> str:
    """The folder's messages.toml with its [unreadable_advice] table cut off (it is last)."""
    text = (folder / "messages.toml").read_text()
    return text[: text.index("[unreadable_advice]")]


def test_shipped_letter_rules_load_with_the_default_affirmations() -> None:
    policy = load_file(DEFAULT_RULES_DIR / "letter.toml", LetterPolicy)
    assert [a.id for a in policy.affirmations] == DEFAULT_AFFIRMATIONS
    assert all(a.description and a.parts and a.touches for a in policy.affirmations)
    assert policy.recognition.about and policy.scope.speaker


def test_shipped_rules_folder_loads(tmp_path: Path) -> None:
    rules = load_rules(rules_copy(tmp_path))
    assert isinstance(rules, Rules)
    assert [a.id for a in rules.letter.affirmations] == DEFAULT_AFFIRMATIONS


def test_minimal_letter_rules_load(tmp_path: Path) -> None:
    path = tmp_path / "letter.toml"
    path.write_text(VALID_LETTER)
    policy = load_file(path, LetterPolicy)
    assert policy.affirmations[0].parts[0].forms[0].reach == 8
    assert policy.scope.negations == ("\\bnot\\b",)


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (("reach = 8", "reach = 8\nreach = 9"), "line 19", "not valid TOML"),
        (("reach = 8", 'reach = "eight"'), "affirmations.0.parts.0.forms.0.reach", "integer"),
        (("reach = 8", "reach = 99"), "affirmations.0.parts.0.forms.0.reach", "less than or equal"),
        (
            ("['\\bfamiliar\\b']", "['(familiar']"),
            "affirmations.0.parts.0.forms.0.predicate",
            "not a valid pattern",
        ),
        (("['\\bnot\\b']", "['[not']"), "scope.negations", "not a valid pattern"),
        (('id = "familiar"\n', ""), "affirmations.0.parts.0.id", "Field required"),
        (
            ('description = "is familiar with the Bankruptcy Local Rules"\n', ""),
            "affirmations.0.description",
            "Field required",
        ),
        (("about = ['", "abut = ['"), "recognition.abut", "not permitted"),
        (('id = "local_rules"', 'id = "Local Rules"'), "affirmations.0.id", "pattern"),
    ],
)
def test_broken_letter_rules_name_file_key_and_problem(
    tmp_path: Path, change: tuple[str, str], key: str, problem: str
) -> None:
    old, new = change
    assert old in VALID_LETTER  # the change applies: the test breaks what it says
    folder = rules_copy(tmp_path)
    path = folder / "letter.toml"
    path.write_text(VALID_LETTER.replace(old, new, 1))
    with pytest.raises(RulesError) as caught:
        load_rules(folder)
    message = str(caught.value)
    assert str(path) in message
    assert key in message
    assert problem in message
    # Only the fault itself, not its echo on every enclosing list.
    assert "after validation" not in message


def test_duplicate_affirmation_id_is_named(tmp_path: Path) -> None:
    folder = rules_copy(tmp_path)
    path = folder / "letter.toml"
    affirmation = VALID_LETTER[VALID_LETTER.index("[[affirmations]]") :]
    path.write_text(VALID_LETTER + "\n" + affirmation)
    with pytest.raises(RulesError) as caught:
        load_rules(folder)
    message = str(caught.value)
    assert str(path) in message
    assert "affirmations" in message
    assert "repeat: local_rules" in message


def test_missing_and_undecodable_files_are_named(tmp_path: Path) -> None:
    folder = rules_copy(tmp_path)
    (folder / "letter.toml").unlink()
    with pytest.raises(RulesError, match=r"letter\.toml: cannot read"):
        load_rules(folder)
    (folder / "letter.toml").write_bytes(b"\xff\xfe not utf-8")
    with pytest.raises(RulesError, match=r"letter\.toml: not UTF-8"):
        load_rules(folder)


def test_missing_top_level_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "letter.toml"
    path.write_text(VALID_LETTER[VALID_LETTER.index("[[affirmations]]") :])
    with pytest.raises(RulesError) as caught:
        load_file(path, LetterPolicy)
    assert "recognition: Field required" in str(caught.value)


def test_unreadable_advice_is_chosen_by_the_longest_key_that_starts_the_reason(
    tmp_path: Path,
) -> None:
    folder = rules_copy(tmp_path)
    (folder / "messages.toml").write_text(
        _without_advice(folder) + '[unreadable_advice]\n"took longer" = "Send it alone."\n'
        '"took longer than 1 s of CPU" = "Split it."\n'
    )
    rules = load_rules(folder)
    assert rules.unreadable_advice("took longer than 1 s of CPU time") == "Split it."
    assert rules.unreadable_advice("took longer than 120 s") == "Send it alone."
    assert rules.unreadable_advice("no text layer") is None


def test_a_messages_file_without_advice_still_loads(tmp_path: Path) -> None:
    folder = rules_copy(tmp_path)
    (folder / "messages.toml").write_text(_without_advice(folder))
    assert load_rules(folder).unreadable_advice("no text layer (scanned image)") is None
