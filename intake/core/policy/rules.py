"""The court's policy, as data: loads and validates `rules/*.toml`.

A court edits these files without a release. Each file is validated by a pydantic
model; a mistake is reported as `RulesError` naming the file, the key and the problem,
never as a traceback.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from intake.core.documents.courts import (
    all_courts,
    court_name,
    court_type,
    is_court_id,
    short_court_name,
)
from intake.core.model import (
    CourtType,
    DocumentKind,
    Finding,
    LetterStatus,
    MissingItem,
    NoticeType,
    Params,
    Status,
)
from intake.core.policy.codes import (
    DECISION_KINDS,
    FINDING_CODES,
    MISSING_CODES,
    NOTICE_WORDS,
    VIEW_WORDS,
)
from intake.core.tomlfile import read_toml
from intake.errors import SetupError
from intake.shipped import shipped_folder

DEFAULT_RULES_DIR = shipped_folder("rules")
# The files of a rules folder, all read by `load_rules`.
RULES_FILES = ("nef.toml", "letter.toml", "messages.toml")


class RulesError(SetupError):
    """A rules file is missing, is not TOML, or says something invalid."""


class _Strict(BaseModel):
    # Built when first validated: rules taken from the cache (edges/rules_cache.py) never are.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _bankruptcy_court(court_id: str) -> str:
    """A court id of the court table's bankruptcy courts: a misspelt id would silently
    never match a notice, so the rules are refused at load instead."""
    if court_type(court_id) is CourtType.BANKRUPTCY:
        return court_id
    if is_court_id(court_id):
        raise ValueError(f"{court_id!r} is not a bankruptcy court ({court_name(court_id)})")
    from difflib import get_close_matches  # only for a mistake (rules kept are not checked)

    ids = [c.id for c in all_courts() if c.type is CourtType.BANKRUPTCY]
    close = get_close_matches(court_id, ids, n=3)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    raise ValueError(f"{court_id!r} is not a bankruptcy court id of CM/ECF{hint}")


CourtId = Annotated[str, Field(pattern=r"^[a-z]{2,5}$"), AfterValidator(_bankruptcy_court)]


class ExcludedCourt(_Strict):
    id: CourtId
    message: str = Field(min_length=1, description="Told to the attorney when an NEF is from here")
    # How replies name the court; by default its name in the court table.
    name: str | None = Field(default=None, min_length=1)

    @property
    def display_name(self) -> str:
        return self.name or f"the {short_court_name(self.id)}"


class NefPolicy(_Strict):
    required_nefs: int = Field(ge=1, le=100)
    own_court: CourtId
    counted_notice_types: tuple[NoticeType, ...] = Field(min_length=1)
    excluded_courts: tuple[ExcludedCourt, ...] = ()
    # A notice read by OCR below this confidence (0-1) is unclear: a clerk reads it.
    ocr_min_confidence: float = Field(default=0.8, ge=0, le=1)

    def excluded(self, court_id: str | None) -> ExcludedCourt | None:
        return next((c for c in self.excluded_courts if c.id == court_id), None)


def _check_patterns(phrases: tuple[str, ...]) -> None:
    for phrase in phrases:
        try:
            re.compile(phrase)
        except re.error as exc:
            raise ValueError(f"phrase {phrase!r} is not a valid pattern: {exc}") from exc


def _compiled(phrases: tuple[str, ...]) -> tuple[str, ...]:
    _check_patterns(phrases)
    return phrases


# Regular expressions, matched ignoring case; each checked to compile when loaded.
Phrases = Annotated[tuple[str, ...], AfterValidator(_compiled)]


class StatementForm(_Strict):
    """One way of saying a part of an affirmation: a predicate tied to its object.

    A clause (or a list item read with its lead-in) says the part when one phrase of
    `predicate` and one of `object` are in it, at most `reach` words apart, with no
    `blocker` phrase between them (another court, a second verb: the object belongs
    to something else then). The object may come first ("My login and password are
    for my use only"). When `pronoun` is true the object may be "them"/"it" standing
    for the object of the clause before ("I have read the ECF Procedures and will
    comply with them").
    """

    predicate: Phrases = Field(min_length=1)
    object: Phrases = Field(min_length=1)
    reach: int = Field(default=12, ge=0, le=40)
    blockers: Phrases = ()
    # Phrases that, right after the object, make it something else ("the Northern
    # District of California Bankruptcy Court" is not the district court).
    not_after: Phrases = ()
    pronoun: bool = True
    # The predicate may end its clause, its object the one of the clause before ("I have
    # read the ECF Procedures; I will comply."): for a verb whose object is understood.
    ellipsis: bool = False
    # What else "them" (or a predicate ending its clause) may stand for: named before it
    # in its clause, without the form's own object, it is the pronoun's object ("I know
    # the Local Rules and will comply with them" promises nothing of the ECF Procedures).
    rivals: Phrases = ()
    # Phrases that leave a statement said in this form unclear (a clerk reads it): in
    # the sentence that says it (`doubts`: "a Deputy Attorney General of the State of
    # Nevada"), or anywhere in the letter (`doubts_in_letter`: a state attorney
    # general's letterhead under "I qualify under Civil L.R. 11-2"). `doubt_reason`
    # tells the clerk why.
    doubts: Phrases = ()
    doubts_in_letter: Phrases = ()
    # Phrases one of which the letter must hold (anywhere, its address block too) for a
    # statement in this form to be confirmed; without one it is unclear (`doubt_reason`):
    # "the bar of this Court" is this district's only in a letter written to this court.
    requires_in_letter: Phrases = ()
    # A clause that says the part and also denies it in another tie ("Although I have
    # not read the Local Rules, I am familiar with them") is unclear. False for a form
    # whose statement holds such a denial by its nature ("Although not a member of this
    # Court's bar, I was admitted pro hac vice").
    denial_in_clause: bool = True
    doubt_reason: str = Field(
        default="the letter says something that casts doubt on it", min_length=1
    )


class TakenBack(_Strict):
    """What, anywhere in the letter, takes a part back: someone else given what the part
    keeps to the attorney ("My assistant will also use my login", "I share my password
    with my paralegal"). A clause with a tie of one of `forms`, that names someone other
    than the attorney and holds no negation (nor one of `denials`), leaves the part
    unclear however plainly another sentence said it: a clerk reads the letter."""

    forms: tuple[StatementForm, ...] = Field(min_length=1)
    reason: str = Field(min_length=1)
    # Besides the scope's negations, words that keep the other person out ("rather than
    # my staff", "prohibited").
    denials: Phrases = ()
    # A clause that takes the part back whoever it names ("I withdraw what I said of my
    # login above", "The statement above about my login is not accurate").
    withdrawals: Phrases = ()
    # The same unless it denies it ("I do share my password"; not "I will never share").
    given_away: Phrases = ()
    # Besides the scope's others, who may be given the login ("others in my office",
    # "colleagues", "my team").
    people: Phrases = ()


class StatementPart(_Strict):
    """One thing an affirmation asserts; every part must be said for it to be found."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    forms: tuple[StatementForm, ...] = Field(min_length=1)
    # Words that, just before this part's predicate, leave it not yet done ("I will
    # read" is not "I have read").
    hedges: Phrases = ()
    # Words that are doubt elsewhere but are this part's own statement: a promise to
    # comply may be an intention ("I intend to comply with them").
    not_hedges: Phrases = ()
    taken_back: TakenBack | None = None


class AffirmationRule(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = Field(min_length=1, description="Plain words, used in replies")
    parts: tuple[StatementPart, ...] = Field(min_length=1)
    # Phrases that show a sentence speaks of this affirmation's subject matter: a letter
    # with one but no statement is `unclear` (a clerk reads it), not `missing`.
    touches: Phrases = Field(min_length=1)


class Scope(_Strict):
    """What turns a statement into something else: who speaks, negation, doubt."""

    # The attorney speaking: "I", "my", "the undersigned", "declarant".
    speaker: Phrases = Field(min_length=1)
    # Someone else as the subject ("my paralegal", "Ms. Roe", "our office").
    others: Phrases = ()
    # Third-person pronouns that stand for the speaker after "the undersigned".
    pronouns: Phrases = ()
    negations: Phrases = ()
    # Phrases that look like a negation and are not ("not only ... but also").
    not_negations: Phrases = ()
    # Doubt before the predicate ("I believe", "I hope to", "if").
    hedges: Phrases = ()
    # Phrases that look like doubt and are not ("I would like to confirm").
    not_hedges: Phrases = ()
    # Doubt after the predicate ("my application ... is pending").
    after_hedges: Phrases = ()
    # A negation after the statement in its clause that is a statement of its own, not
    # the statement's ("... and will not share them"): what follows it is not negated.
    after_not_negations: Phrases = ()
    # Who the attorney keeps out ("not my staff's", "not even my assistant"): blanked
    # before the speaker is looked for, so that they are not taken for who speaks.
    kept_out: Phrases = ()
    # Predicates that may take a clause of their own ("I know [that] the Court updates
    # them"): in a relative clause after the object ("the Local Rules, which I know
    # well,") they say the statement only when the relative clause ends with them.
    clause_verbs: Phrases = ()
    # A sentence that takes back the one before it ("Actually, I have not.", "That is
    # not accurate.", "Or rather, I will be."): the statement before it is not confirmed.
    retractions: Phrases = ()
    # A sentence anywhere in the letter (a P.S. under the signature, page two) that
    # takes back what the letter says ("Contrary to what I wrote above, ...", "the first
    # statement above is premature", "I misspoke"): the affirmations it speaks of (all,
    # when it names none) are not confirmed. Said of an affirmation's matter, `undone`
    # words leave the deed unfinished however the letter says it elsewhere ("I have only
    # skimmed the Local Rules", "they are still on my reading list").
    far_retractions: Phrases = ()
    undone: Phrases = ()
    # What shows, anywhere in the letter, that it is a check-box form ("Check each
    # statement that applies", "Place an X in the box", an "Initials" column): an item
    # whose mark is not in the text (a box drawn as a shape) cannot be read as ticked.
    form_signals: Phrases = ()
    # Upper-case words that are not a form's typed initials ("ECF", "USA").
    not_initials: Phrases = ()
    # The words that label a form's answer boxes drawn as shapes (plain words, not
    # patterns), as a column header over the boxes or beside each box: a box labelled
    # with one of `answer_yes` answers yes, one of `answer_no` ("No", "N/A") anything else.
    answer_yes: tuple[str, ...] = ("yes",)
    answer_no: tuple[str, ...] = ("no",)
    # Another court: a statement tied to another court's rules, procedures or bar.
    foreign_courts: Phrases = ()
    # This court, named ("this Court", the Northern District of California): a sentence
    # that names it is checked for another court only near the statement's own words.
    this_court: Phrases = ()
    # A court pointed back to ("that court's"): another court, unless `this_court` is
    # named in the sentence.
    court_references: Phrases = ()
    # What makes a sentence not the attorney's own statement: reported, sampled, asked
    # for, addressed to "you", or a template's blank ("The form asks me to state that",
    # "Sample language:", "Please confirm that you have read", "[ATTORNEY NAME]").
    not_asserted: Phrases = ()
    # The start of an item or sentence said without its subject, in a form or a list
    # ("Have read and understand the Local Rules", "Is admitted to practice ..."): the
    # signing attorney speaks, as on a form the attorney fills in and signs.
    subjectless: Phrases = ()
    # A person named as what the speaker is ("I am an attorney with ..."), not as
    # someone else: the words just before such a name.
    complement: Phrases = ()
    # Between a predicate and an object, words that part them: "I have read everything
    # except the ECF Procedures", "... the tutorial instead of the ECF Procedures".
    exclusions: Phrases = ()
    # A coordinator that starts a new verb phrase ("and will", "and I have"): a
    # predicate that has its own object before it ("familiar with CM/ECF and will comply
    # with the ECF Procedures", "licensed in Oregon and I have an office in the Northern
    # District") is not tied to the object after it, nor one after it to an object before.
    new_clause: Phrases = ()
    # Words that are not an object of their own (prepositions, articles, manner words):
    # what is left between a predicate and `new_clause` when it had no object.
    not_objects: Phrases = ()
    # A condition that opens a sentence ("Assuming my application is granted, ...")
    # governs each of its clauses, not only the first: its opening words.
    openers: Phrases = ()


class OtherKind(_Strict):
    """A kind of PDF that is not the letter, though it may speak of CM/ECF."""

    kind: str = Field(min_length=1, description="In plain words: 'a certificate of service'")
    phrases: Phrases = Field(min_length=1)


class Recognition(_Strict):
    """What makes a PDF the letter: written to this court, by the attorney, about the
    attorney's own CM/ECF account or the training waiver."""

    # The subject matter: the attorney's own account, login, the waiver, the training.
    about: Phrases = Field(min_length=1)
    # The shape of a letter or declaration: salutation, "Re:", "I declare", a closing.
    letter_form: Phrases = Field(min_length=1)
    # A letter that only sends other documents ("Enclosed please find ...").
    cover_letter: Phrases = ()
    others: tuple[OtherKind, ...] = ()
    # Written for the attorney by someone else.
    on_behalf: Phrases = ()
    staff_titles: Phrases = ()


_LEXICON_NAME = re.compile(r"\{([a-z][a-z_]*)\}")


def _expand(value: object, lexicon: dict[str, str]) -> object:
    """`{name}` in a phrase stands for the lexicon's entry `name` (a synonym list, as
    one alternation); numeric braces (`{0,2}`) are regular expressions' own."""
    if isinstance(value, str):

        def word(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in lexicon:
                raise ValueError(f"{{{name}}} is not a [lexicon] entry")
            return lexicon[name]

        return _LEXICON_NAME.sub(word, value)
    if isinstance(value, list):
        return [_expand(v, lexicon) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, lexicon) for k, v in value.items()}
    return value


class LetterPolicy(_Strict):
    recognition: Recognition
    scope: Scope
    affirmations: tuple[AffirmationRule, ...] = Field(min_length=0)
    # Synonym lists that phrases name as `{name}` ("{login}": login, password, user
    # name, credentials...), so that one list of words serves every form.
    lexicon: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # OCR text of a scanned letter with less confidence than this cannot confirm a
    # statement: it is `unclear`.
    ocr_min_confidence: float = Field(default=0.9, ge=0, le=1)
    # When OCR's confidence in each word is known, a statement is judged by the words of
    # its own sentence instead: one under this makes it `unclear` (a pen signature or a
    # logo read as junk elsewhere on the page does not). None: by the page's confidence.
    ocr_min_word_confidence: float | None = Field(default=None, ge=0, le=1)
    # Long words the statements rest on: a word of the letter one typing slip from one
    # of them is read as it ("Proceedures", "familar"); short words never are.
    spelling: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _lexicon(cls, data: object) -> object:
        """Every `{name}` in the policy's phrases replaced by its lexicon entry."""
        if not isinstance(data, dict) or not isinstance(data.get("lexicon"), dict):
            return data
        raw = data["lexicon"]
        lexicon: dict[str, str] = {}
        # An entry may name the entries above it ("{login}" in "denied_sharing").
        for name, words in raw.items():
            if isinstance(words, list) and words:
                expanded = _expand(words, lexicon)
                assert isinstance(expanded, list)
                lexicon[str(name)] = "(?:" + "|".join(f"(?:{w})" for w in expanded) + ")"
        rest = {k: _expand(v, lexicon) for k, v in data.items() if k != "lexicon"}
        return {**rest, "lexicon": raw}

    @field_validator("affirmations")
    @classmethod
    def _unique_ids(cls, rules: tuple[AffirmationRule, ...]) -> tuple[AffirmationRule, ...]:
        ids = [r.id for r in rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"affirmation ids repeat: {', '.join(dupes)}")
        return rules


class MessageWording(_Strict):
    """Plain-English wording of each finding code and each missing item's code, as
    str.format templates (the missing items twice: for the clerk and for the attorney),
    and what to tell an attorney whose PDF could not be read, by the start of the
    reader's reason. Every code of policy/codes.py must be worded."""

    findings: dict[str, str]
    still_needed: dict[str, str]
    still_needed_reply: dict[str, str]
    findings_reply: dict[str, str] = {}
    unreadable_plain: dict[str, str] = {}
    unreadable_advice: dict[str, str] = {}
    # What to send instead: by finding code, and for a file that is not a PDF by the
    # start of what it is ("a ZIP archive", "an email message"...).
    advice: dict[str, str] = {}
    not_pdf_advice: dict[str, str] = {}
    # How one notice of a PDF holding several is named, and a court no table knows.
    notice: dict[str, str]
    # What each kind of clerk's decision is, in words (`intake requests decide`).
    decisions: dict[str, str]
    # What a document was taken for (by notice type, by kind), a document's kind, a
    # request's status and the letter's state on the clerk's pages, and the other words
    # of the replies' and pages' lines.
    notice_names: dict[str, str]
    kind_names: dict[str, str]
    kind_labels: dict[str, str]
    status_labels: dict[str, str]
    letter_labels: dict[str, str]
    view: dict[str, str]

    @model_validator(mode="after")
    def _every_code_worded(self) -> MessageWording:
        gaps = [
            f"[{table}] has no wording for {', '.join(missing)}"
            for table, codes, worded in (
                ("findings", FINDING_CODES, self.findings),
                ("still_needed", MISSING_CODES, self.still_needed),
                ("still_needed_reply", MISSING_CODES, self.still_needed_reply),
                ("notice", NOTICE_WORDS, self.notice),
                ("decisions", DECISION_KINDS, self.decisions),
                ("notice_names", [t.value for t in NoticeType], self.notice_names),
                ("kind_names", [k.value for k in DocumentKind], self.kind_names),
                ("kind_labels", [k.value for k in DocumentKind], self.kind_labels),
                ("status_labels", [s.value for s in Status], self.status_labels),
                ("letter_labels", [s.value for s in LetterStatus], self.letter_labels),
                ("view", VIEW_WORDS, self.view),
            )
            if (missing := [code for code in codes if code not in worded])
        ]
        unknown = sorted(set(self.findings_reply) - set(FINDING_CODES))
        if unknown:
            gaps.append(f"[findings_reply] words no finding code: {', '.join(unknown)}")
        if gaps:
            raise ValueError("; ".join(gaps))
        return self


class Rules(_Strict):
    nef: NefPolicy
    letter: LetterPolicy
    messages: MessageWording

    def word(self, code: str, params: Params) -> str:
        """The finding `code` worded from messages.toml with `params`."""
        return _fill(self.messages.findings[code], params)

    def still_needed(self, item: MissingItem, *, for_attorney: bool = False) -> str:
        """A missing item worded for the clerk (pages, `check`, `requests show`) or for
        the attorney (replies)."""
        table = self.messages.still_needed_reply if for_attorney else self.messages.still_needed
        return _fill(table[item.code], item.params)

    @property
    def excluded_court_names(self) -> tuple[str, ...]:
        """The excluded courts as replies name them ('the U.S. Bankruptcy Court for ...')."""
        return tuple(c.display_name for c in self.nef.excluded_courts)

    def unreadable_advice(self, reason: str) -> str | None:
        """The advice whose key starts `reason` (the longest such key), if any."""
        return _by_prefix(self.messages.unreadable_advice, reason)

    def advice(self, code: str, reason: str | None = None) -> str | None:
        """What the attorney can send instead of a document that does not count."""
        if code == "unreadable":
            return self.unreadable_advice(reason or "")
        if code == "not_pdf":
            return _by_prefix(self.messages.not_pdf_advice, reason or "")
        return self.messages.advice.get(code)

    def notice_label(self, document: str, number: int, count: int, pages: tuple[int, int]) -> str:
        """'NEFs (6).pdf, notice 3 of 6 (page 4)': one notice of a PDF holding several."""
        words = self.pages_words(pages)
        params: Params = {"document": document, "number": number, "count": count, "pages": words}
        return _fill(self.messages.notice["label"], params)

    def pages_words(self, pages: tuple[int, int]) -> str:
        """'page 4', 'pages 3-4': where something is in its PDF ([notice] page, pages)."""
        first, last = pages
        where: Params = {"first": first, "last": last}
        return _fill(self.messages.notice["page" if first == last else "pages"], where)

    def view_word(self, key: str, **params: str | int) -> str:
        """One of the other words of the replies' and the clerk's pages' lines ([view])."""
        return _fill(self.messages.view[key], params)

    def unnamed_court(self, printed: str | None) -> str:
        """A court that no table knows, named by what its notice printed (if anything)."""
        if printed:
            return _fill(self.messages.notice["printed_court"], {"printed": printed})
        return self.messages.notice["unnamed_court"]

    def decision_words(self, kind: str, params: Params) -> str:
        """What a clerk decided, in words ([decisions] of messages.toml)."""
        return _fill(self.messages.decisions[kind], params)

    def word_for_attorney(self, finding: Finding) -> str:
        """`finding` as an attorney reads it: [findings_reply] when it words the code
        (plain words, never the PDF reader's reasons), else the clerk's message."""
        template = self.messages.findings_reply.get(finding.code)
        if template is None:
            return finding.message
        params: Params = dict(finding.params)
        plain = _by_prefix(self.messages.unreadable_plain, str(params.get("reason", "")))
        params["what"] = plain or "the file could not be read"
        text = _fill(template, params)
        advice = params.get("advice")
        return f"{text} {advice}" if advice else text


def _by_prefix(table: dict[str, str], text: str) -> str | None:
    """The value whose key starts `text` (the longest such key), if any."""
    keys = [key for key in table if text.startswith(key)]
    return table[max(keys, key=len)] if keys else None


def _fill(template: str, params: Params) -> str:
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        # A court's edit named a field we do not supply: show its words, not crash.
        return template


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
        # A validator's own sentence, without pydantic's "Value error, " before it.
        lines.append(f"  {key}: {err['msg'].removeprefix('Value error, ')}")
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
    nef, letter, messages = RULES_FILES
    return Rules(
        nef=load_file(directory / nef, NefPolicy),
        letter=load_file(directory / letter, LetterPolicy),
        messages=load_file(directory / messages, MessageWording),
    )
