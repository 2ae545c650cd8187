"""The court's policy, as data: loads and validates `rules/*.toml`.

A court edits these files without a release. Each file is validated by a pydantic
model; a mistake is reported as `RulesError` naming the file, the key and the problem,
never as a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from intake.core.model import NoticeType
from intake.core.tomlfile import read_toml

DEFAULT_RULES_DIR = Path(__file__).resolve().parents[3] / "rules"


class RulesError(Exception):
    """A rules file is missing, is not TOML, or says something invalid."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


CourtId = Annotated[str, Field(pattern=r"^[a-z]{2,5}$")]


class ExcludedCourt(_Strict):
    id: CourtId
    message: str = Field(min_length=1, description="Told to the attorney when an NEF is from here")


class NefPolicy(_Strict):
    required_nefs: int = Field(ge=1, le=100)
    own_court: CourtId
    counted_notice_types: tuple[NoticeType, ...] = Field(min_length=1)
    excluded_courts: tuple[ExcludedCourt, ...] = ()

    def excluded(self, court_id: str | None) -> ExcludedCourt | None:
        return next((c for c in self.excluded_courts if c.id == court_id), None)


def _check_patterns(phrases: tuple[str, ...]) -> None:
    for phrase in phrases:
        try:
            re.compile(phrase)
        except re.error as exc:
            raise ValueError(f"phrase {phrase!r} is not a valid pattern: {exc}") from exc


class Wording(_Strict):
    """A passage matches when, for every group, at least one of its phrases occurs,
    and none of the `none_of` phrases does.

    Phrases are regular expressions matched case-insensitively against the sentence with
    white space folded, so 'e-?filing' or 'log ?in' cover common spellings. A passage is
    one sentence, or up to `window` consecutive sentences (for affirmations that writers
    often split in two: "My login is for my use only. A filing with it is my signature.").
    A list item is matched together with the lead-in that introduces it ("I affirm that:").
    """

    all_of: tuple[tuple[str, ...], ...] = Field(min_length=1)
    # Phrases that veto a passage: negations, questions ("I have not yet read...").
    none_of: tuple[str, ...] = ()
    window: int = Field(default=1, ge=1, le=3)

    @field_validator("all_of")
    @classmethod
    def _compiles(cls, groups: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        for group in groups:
            if not group:
                raise ValueError("a group of phrases is empty")
            _check_patterns(group)
        return groups

    @field_validator("none_of")
    @classmethod
    def _vetoes_compile(cls, phrases: tuple[str, ...]) -> tuple[str, ...]:
        _check_patterns(phrases)
        return phrases


class AffirmationRule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = Field(min_length=1, description="Plain words, used in replies")
    wordings: tuple[Wording, ...] = Field(min_length=1)


class LetterPolicy(_Strict):
    # A readable PDF is taken for the acknowledgment letter when it matches this wording.
    recognized_by: tuple[Wording, ...] = Field(min_length=1)
    affirmations: tuple[AffirmationRule, ...] = Field(min_length=0)

    @field_validator("affirmations")
    @classmethod
    def _unique_ids(cls, rules: tuple[AffirmationRule, ...]) -> tuple[AffirmationRule, ...]:
        ids = [r.id for r in rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"affirmation ids repeat: {', '.join(dupes)}")
        return rules


class Messages(_Strict):
    """Plain-English wording of each finding code, as str.format templates, and what to
    tell an attorney whose PDF could not be read, by the start of the reader's reason."""

    findings: dict[str, str]
    unreadable_advice: dict[str, str] = {}


class Rules(_Strict):
    nef: NefPolicy
    letter: LetterPolicy
    messages: Messages

    def message(self, code: str, **fields: object) -> str:
        template = self.messages.findings.get(code)
        if template is None:
            return code.replace("_", " ")
        try:
            return template.format(**fields)
        except (KeyError, IndexError, ValueError):
            # A court's edit named a field we do not supply: say the code, not crash.
            return template

    def unreadable_advice(self, reason: str) -> str | None:
        """The advice whose key starts `reason` (the longest such key), if any."""
        keys = [key for key in self.messages.unreadable_advice if reason.startswith(key)]
        return self.messages.unreadable_advice[max(keys, key=len)] if keys else None


def _describe(exc: ValidationError, path: Path) -> str:
    lines = [f"{path}: invalid rules"]
    errors = exc.errors()
    for err in errors:
        loc = err["loc"]
        # A list whose only fault is an item that failed ("should have at least 1 item
        # after validation") says nothing the item's own error does not.
        if err["type"] == "too_short" and any(
            len(o["loc"]) > len(loc) and o["loc"][: len(loc)] == loc for o in errors
        ):
            continue
        key = ".".join(str(p) for p in loc) or "(top level)"
        lines.append(f"  {key}: {err['msg']}")
    return "\n".join(lines)


M = TypeVar("M", bound=BaseModel)


def load_file(path: Path, model: type[M]) -> M:
    data = read_toml(path, RulesError, "the rules")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RulesError(_describe(exc, path)) from exc


def load_rules(directory: Path | None = None) -> Rules:
    """Load every rules file of `directory` (default: the project's `rules/`)."""
    directory = directory or DEFAULT_RULES_DIR
    return Rules(
        nef=load_file(directory / "nef.toml", NefPolicy),
        letter=load_file(directory / "letter.toml", LetterPolicy),
        messages=load_file(directory / "messages.toml", Messages),
    )
