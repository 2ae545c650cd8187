"""Which of the court's statements a letter makes: found, missing or unclear. Pure.

An affirmation is a set of parts (`rules/letter.toml`), each said by a predicate tied to
its object inside one clause ("have read" ... "the ECF Procedures"), or tied through
"them" / "it" to the object of the clause before. A clause that ties them is then
scoped: the speaker nearest before the predicate must be the attorney, and no negation,
doubt, question, empty check box or doubtful OCR may touch it. What it rests on is kept
as evidence (found) or as candidate sentences (unclear), so that every answer can be
explained with the letter's own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import pairwise

from intake.core.documents.forms import mark_forms
from intake.core.documents.letter_text import Clause, Sentence, clauses_of
from intake.core.documents.names import PARTICLES, SUFFIXES
from intake.core.model import Affirmation, AffirmationState, Evidence
from intake.core.policy.rules import (
    AffirmationRule,
    LetterPolicy,
    Scope,
    StatementForm,
    StatementPart,
)

_WORD = re.compile(r"[\w'./()-]+")
# What stands for the object of the clause before: a pronoun, or the defined term a
# letter gives it ("the Electronic Case Filing Procedures (the "Procedures")" ... "I will
# comply with the Procedures").
_PRONOUN = re.compile(
    # Not the "it" of "It is untrue that ...", which stands for nothing.
    r"\b(?:them|it(?!\s+(?:is|was|would be|seems|remains)\s+(?:\w+\s+)?"
    r"(?:that|true|untrue|not|to)\b)|its|they|their|these|those|both|the same|"
    r"(?:such|said|the|these|those|the said|the above|the foregoing) (?:procedures|rules|"
    r"guidelines|requirements|credentials|password|login)|said \w+|"
    r"such (?:filings?|documents?|submissions?|use)|there(?:by|with|of|under|to|in))\b",
    re.I,
)
# A pronoun that may stand for any thing named before it, as "the Procedures" may not.
_BARE_PRONOUN = re.compile(r"(?:them|it|its|they|their|these|those|both|the same)$", re.I)
# A predicate that ends its clause stands for itself and the object before it ("I have
# read the ECF Procedures; I will comply."): nothing after it but manner words.
_CLAUSE_END = re.compile(
    r"^\W*(?:(?:fully|completely|strictly|faithfully|always|accordingly|at all times|"
    r"in (?:all|every) respects?|in full|as well|too|also|with (?:each|all|every one) "
    r"of (?:them|it))\W*)*$",
    re.I,
)

# Why a tied statement is not confirmed, in plain words for the clerk.
NEGATED = "negated"
DOUBT = "hedged or conditional"
QUESTION = "asked, not stated"
SPEAKER = "said of someone other than the signing attorney"
NO_SPEAKER = "no speaker: not said in the attorney's own voice"
EMPTY_BOX = "its check box is not ticked (or its answer is no)"
UNSEEN_BOX = "a check-box form whose marks are not in the text: read the boxes"
OCR = "read by OCR with low confidence"
FOREIGN = "tied to another court"
STATUS = "said with a doubt after it (pending, inactive, until, except...)"
SHARED = "someone else is named with the attorney"
RETRACTED = "taken back, or said to be unfinished, elsewhere in the letter"
NOT_OWN_WORDS = "quoted, a sample, a template or a request: not the attorney's own statement"


@lru_cache(maxsize=8192)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    return re.compile("|".join(f"(?:{p})" for p in phrases), re.IGNORECASE)


# The same clause is searched for the same phrases by many parts, forms and checks of
# a letter (of ~1,000 searches in one letter, more than half are repeats): each is done once.
@lru_cache(maxsize=2048)
def _matches(phrases: tuple[str, ...], text: str) -> tuple[re.Match[str], ...]:
    pattern = _pattern(phrases)
    return tuple(pattern.finditer(text)) if pattern else ()


@lru_cache(maxsize=2048)
def _has(phrases: tuple[str, ...], text: str) -> bool:
    pattern = _pattern(phrases)
    return bool(pattern and pattern.search(text))


def _words_between(text: str, start: int, end: int) -> int:
    return len(_WORD.findall(text[start:end])) if end > start else 0


@dataclass(frozen=True)
class Reading:
    """A clause read for one form: the text read (lead-in + item), and where in it the
    clause's own words begin."""

    text: str
    own_start: int
    clause: Clause


def _reading(clause: Clause) -> Reading:
    lead = clause.sentence.lead_in
    if lead and not clause.head:
        prefix = lead.rstrip(":").rstrip() + " "
        return Reading(prefix + clause.text, len(prefix), clause)
    return Reading(clause.text, 0, clause)


@dataclass(frozen=True)
class Tie:
    """A predicate tied to an object in a reading."""

    predicate: re.Match[str]
    object_start: int
    object_end: int
    through_pronoun: bool
    # A predicate ending its clause after a clause with the object, in a form whose verb
    # does not stand alone ("..., but have not read."): it can deny the part, not say it.
    only_denies: bool = False


# A clause of its own after a comma: "..., and their use constitutes ...".
# Or without the comma when a verb follows: "... belong to me alone and their use is my
# signature" (not "for my use and their use", which joins someone to the attorney).
_NEW_SUBJECT = re.compile(
    r",\s+(?:and|but)\s+(?=(?:(?:their|its|such) use|(?:any|every|each|all) "
    r"(?:filings?|documents?|submissions?|pleadings?))\b)|"
    r"\s+(?:and|but)\s+(?=(?:their|its|such) use\s+(?:\w+\s+)?(?:is|are|will|shall|"
    r"constitutes?|serves?|counts?|amounts?|operates?|equals?|means?|binds?)\b)",
    re.I,
)
# What starts a clause of its own inside a sentence: a subject, a modal, "that".
_INNER_CLAUSE = re.compile(
    r"(?-i:\bI\b)|\b(?:we|that|whether|will|shall|must|should|may|might|can|could|would|"
    r"need|needs|required|expected|obliged|obligated|supposed|to)\b",
    re.I,
)
_PHRASE_END = re.compile(r"[,;:.]|\b(?:and|but|or)\b", re.I)


def _own_object(scope: Scope, words: str) -> bool:
    """`words` (what follows a predicate) hold an object of their own: anything but
    prepositions, articles and manner words."""
    return re.search(r"\w", _blank(scope.not_objects, words)) is not None


def _detached(scope: Scope, text: str, predicate: re.Match[str], obj: re.Match[str]) -> bool:
    """The predicate and the object belong to different statements of one clause: an
    exclusion between them ("everything except the ECF Procedures"), or a new verb
    phrase after the predicate's own object ("familiar with CM/ECF and will comply with
    the ECF Procedures"; "the Local Rules, and understand that my login ...")."""
    if obj.start() >= predicate.end():
        between = text[predicate.end() : obj.start()]
        if _has(scope.exclusions, between):
            return True
        cut = next(iter(_matches(scope.new_clause, between)), None)
        return cut is not None and _own_object(scope, between[: cut.start()])
    between = text[obj.end() : predicate.start()]
    if _has(scope.exclusions, between):
        return True
    # The predicate starts a verb phrase of its own after the object: its object is
    # what follows it, if anything does.
    if not _has(scope.new_clause, text[obj.end() : predicate.end()]):
        return False
    after = text[predicate.end() :]
    end = _PHRASE_END.search(after)
    return _own_object(scope, after[: end.start()] if end else after)


# "the Local Rules, which I know ...": a relative clause whose verb follows the object.
_RELATIVE_SELF = re.compile(r"\b(?:which|that|whom)\s+(?:I|we)\s+(?:\w+\s+){0,3}$", re.I)
# ... and ends with the verb ("which I know well,"), not with a clause of its own
# ("which I understand the Court updates each year").
_RELATIVE_CLOSED = re.compile(
    r"^\s*(?:(?:\w+ly|well|in full|closely|with care|them|it)\s*)*(?:[,;.)\]]|$|and\b|-)",
    re.I,
)


def _ties(
    form: StatementForm,
    text: str,
    previous_has_object: bool,
    scope: Scope,
    same_sentence: bool = False,
) -> list[Tie]:
    """Every predicate of `form` in `text` tied to an object (or to "them"), nearest first."""
    out: list[Tie] = []
    objects = _matches(form.object, text)
    blockers = form.blockers
    predicates = _matches(form.predicate, text)
    for predicate in predicates:
        takes_clause = _has(scope.clause_verbs, predicate.group(0))
        for obj in objects:
            if obj.start() >= predicate.end():
                lo, hi = predicate.end(), obj.start()
            elif obj.end() <= predicate.start():
                lo, hi = obj.end(), predicate.start()
                if (
                    takes_clause
                    and _RELATIVE_SELF.search(text[lo:hi])
                    and not _RELATIVE_CLOSED.match(text[predicate.end() :])
                ):
                    continue
            else:
                lo = hi = 0  # overlapping: "no one but me" both says and names
            following = " ".join(text[obj.end() :].split()[:8])
            # The object of a clause inside this one is its own predicate's: "I
            # understand that I must be familiar with the Local Rules" is said by "must
            # be familiar", not by "understand".
            nearer = any(
                lo <= p.start()
                and p.end() <= hi
                and _INNER_CLAUSE.search(
                    text[min(p.start(), predicate.end()) : max(p.start(), predicate.end())]
                )
                for p in predicates
                if p is not predicate
            )
            if (
                not nearer
                and _words_between(text, lo, hi) <= form.reach
                and not _blocked(blockers, text[lo:hi])
                and not _has(form.not_after, following)
                and (hi <= lo or not _detached(scope, text, predicate, obj))
            ):
                out.append(Tie(predicate, obj.start(), obj.end(), False))
                break
        earlier_object = any(o.end() <= predicate.start() for o in objects)
        if (
            previous_has_object
            and (form.ellipsis or same_sentence)
            and _CLAUSE_END.match(text[predicate.end() :])
        ):
            out.append(Tie(predicate, predicate.start(), predicate.end(), True, not form.ellipsis))
            if form.ellipsis:
                continue
        # A predicate tied to its object in this clause is not tied again to a pronoun
        # after it: "for my use and my associate's use, and their use ..." is read by
        # the tie to "My login" (someone else is named with the attorney), not by "their".
        tied = bool(out) and out[-1].predicate is predicate and not out[-1].through_pronoun
        if form.pronoun and (previous_has_object or earlier_object) and not tied:
            for pronoun in _PRONOUN.finditer(text):
                if pronoun.start() >= predicate.end():
                    gap = _words_between(text, predicate.end(), pronoun.start())
                elif pronoun.end() <= predicate.start():
                    gap = _words_between(text, pronoun.end(), predicate.start())
                else:
                    # A predicate that holds its own pronoun: "will meet their
                    # requirements in all my filings", "will apply them in every case".
                    gap = 0
                if gap <= form.reach:
                    out.append(Tie(predicate, pronoun.start(), pronoun.end(), True))
                    break
    return out


# A coordinated phrase: "admitted to the State Bar of California and to the bar of the
# U.S. District Court for the Northern District of California".
_COORDINATED = re.compile(
    r"\b(?:and|as well as)\s+(?:also\s+)?(?:of|to|in|before|with|by)\s+", re.I
)


def _blocked(blockers: tuple[str, ...], between: str) -> bool:
    """A blocker between predicate and object breaks the tie, unless it sits in a phrase
    coordinated before the object's own ("... the State Bar of California and of the
    District Court for ...")."""
    if not _has(blockers, between):
        return False
    cuts = list(_COORDINATED.finditer(between))
    return not cuts or _has(blockers, between[cuts[-1].end() :])


def _blank(phrases: tuple[str, ...], text: str) -> str:
    """`text` with each phrase's matches made spaces, every position kept."""
    pattern = _pattern(phrases)
    return pattern.sub(lambda m: " " * len(m.group(0)), text) if pattern else text


def _strip(phrases: tuple[str, ...], text: str) -> str:
    pattern = _pattern(phrases)
    return pattern.sub(" ", text) if pattern else text


_SUBJECT_SELF = re.compile(r"(?-i:\bI\b)|\bwe\b|\bthe undersigned\b", re.I)
# A relative pronoun, with its preposition: "whom I supervise", "on whom I rely".
_RELATIVE = re.compile(r"\b(?:who|whom|whose|which|that|where)\s+(?:\w+\s+)?$", re.I)
_DETERMINER = (
    r"(?:(?:my|our|the|a|an|this|that|his|her|their|one of (?:my|our|the))\s+(?:[\w'-]+\s+)?)?"
)
_OPENING = re.compile(r"^\W*(?:(?:and|but|also|further|moreover|in addition),?\s+)*", re.I)


_TITLE = r"(?:Mr|Ms|Mrs|Miss|Mx|Dr|Attorney|Atty|Counsel)\.?\s+"
_TITLED = (r"\b(?:Mr|Ms|Mrs|Miss|Mx|Dr)\.?\s+(?-i:[A-Z])",)
_PLURAL = (r"\b(?:we|us|our)\b",)


def self_names(name: str | None) -> tuple[str, ...]:
    """The signing attorney's name as a letter in the third person writes it ("Jane A.
    Doe", "Ms. Doe", "Attorney Doe"), not as a person's possessive ("Ms. Doe's
    paralegal"): phrases that stand for the speaker."""
    words = [
        w for w in (name or "").replace(",", " ").split() if w.lower().rstrip(".") not in SUFFIXES
    ]
    if len(words) < 2:
        return ()
    start = next((i for i in range(1, len(words)) if words[i].lower() in PARTICLES), len(words) - 1)
    surnames = {" ".join(words[start:]), words[-1]}
    if len(words) >= 3 and start == len(words) - 1:
        surnames.add(" ".join(words[-2:]))  # two surnames: "Luis Ortega Ruiz", "Mr. Ortega Ruiz"

    def spaced(text: str) -> str:
        return r"\s+".join(re.escape(w) for w in text.split())

    first = spaced(words[0])
    forms = []
    for surname in sorted(surnames, key=len, reverse=True):
        forms.append(rf"(?-i:{first}(?:\s+[A-Z][\w.'-]*){{0,2}}?\s+{spaced(surname)})")
        forms.append(rf"(?i:{_TITLE})(?-i:{spaced(surname)})")
    # A possessive is the attorney's own only for the login and the signature ("Ms. Doe's
    # login and password"), not for a person ("Ms. Doe's associate has read ...").
    own_thing = (
        r"(?:[\w/-]+\s+){0,2}"
        r"(?:log-?ins?|pass\w*|credentials?|user|account|e-?signature|signature|use)\b"
    )
    return (r"\b(?:" + "|".join(forms) + rf")\b(?!['’]s\s+(?!{own_thing}))",)


def _someone_else(others: tuple[str, ...]) -> re.Pattern[str] | None:
    """Someone other than the attorney, with the determiner before: "my paralegal"."""
    return _pattern((_DETERMINER + "(?:" + "|".join(others) + ")",)) if others else None


def _other_subject(scope: Scope, own_before: str, names: tuple[str, ...] = ()) -> bool:
    """The clause's subject is someone else, however far from the predicate: "My
    paralegal, whom I have trained for years, is familiar with ...". The "I" of a
    relative clause is not the subject; an "I" of its own is ("My associate and I")."""
    start = _OPENING.match(own_before)
    rest = own_before[start.end() if start else 0 :]
    pattern = _someone_else(scope.others)
    subject = pattern.match(rest) if pattern else None
    named = _pattern(names)
    if subject is not None and named is not None and named.match(rest):
        return False  # "Ms. Doe has read ...", signed by Jane Doe: the attorney herself
    # "their use constitutes my signature": a pronoun may stand for the speaker or a thing.
    if subject is None or _has(scope.pronouns, subject.group(0)):
        return False
    after = rest[subject.end() :]
    return not any(not _RELATIVE.search(after[: m.start()]) for m in _SUBJECT_SELF.finditer(after))


def _names_someone(scope: Scope, text: str) -> bool:
    """`text` names someone other than the attorney, not by a pronoun alone: "my
    paralegals", "Ms. Roe", "our office"."""
    pattern = _someone_else(scope.others)
    return pattern is not None and any(
        not _has(scope.pronouns, m.group(0).split()[-1]) for m in pattern.finditer(text)
    )


_AGENT = re.compile(r"^\s*(?:to|by)\s+", re.I)


def _other_agent(scope: Scope, after: str) -> bool:
    """Someone else named right after the predicate as who knows or did it: "are
    familiar to my associate", "have been reviewed by my paralegal"."""
    agent = _AGENT.match(after)
    if agent is None:
        return False
    pattern = _someone_else(scope.others)
    someone = pattern.match(after[agent.end() :]) if pattern else None
    # Not "abide by their provisions", "adhere to the requirements they set out": a
    # pronoun there stands for a thing as often as for a person.
    return someone is not None and not _has(scope.pronouns, someone.group(0).split()[-1])


_APPOSITIVE = re.compile(
    r"((?-i:\bI\b)|\bthe undersigned\b)\s*,(?:\s*[^,;.]{1,80}(?:\.[^,;]{0,40})?,){1,3}"
    r"(?=\s*(?:have|has|am|hereby|do|certify|declare|affirm|acknowledge|confirm|state|"
    r"understand|agree|was|will|shall|know|qualify|represent)\b)",
    re.I,
)


def _speaker(
    scope: Scope, before: str, whole: str, own: str, names: tuple[str, ...] = ()
) -> str | None:
    """None when the attorney speaks; else why not. `before` is the text before the
    predicate (lead-in and sentence head included), `whole` the entire reading, `own`
    the item's or sentence's own words (without its lead-in)."""
    # "I, Dr. Helen Marsh, an attorney with Doe Law, have read": the speaker's own name
    # and description, not someone else.
    before = _APPOSITIVE.sub(
        lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))), before
    )
    selves = [(m.start(), "self") for m in _matches(scope.speaker + names, before)]
    # "I am an attorney with ...", "as counsel for ...": what the speaker is.
    others = [
        (m.start(), "other")
        for m in _matches(scope.others, before)
        if not _has(scope.complement, before[max(0, m.start() - 16) : m.start()])
    ]
    people = sorted(selves + others)
    if people:
        position, who = people[-1]
        if who == "self":
            return None
        nearest = before[position:]
        # "The undersigned certifies that he has read": the pronoun is the speaker.
        if _has(scope.pronouns, nearest[:12]) and selves:
            return None
        return SPEAKER
    if _has(scope.speaker + names, whole):
        return None  # "The ECF Procedures have been read by me", "... is my signature"
    if _has(scope.subjectless, own.lstrip()):
        return None  # "Have read and understand the Local Rules" on the attorney's form
    return NO_SPEAKER


_POSSESSIVE = re.compile(r"\s*['’]s?\s+(?:[\w/-]+\s+){0,2}$")


def _owned_by_other_court(scope: Scope, text: str, start: int) -> bool:
    """Another court named as the owner of the object that starts at `start`: "the
    Central District's ECF Procedures", "the District of Arizona's Local Rules"."""
    before = text[max(0, start - 80) : start]
    return any(_POSSESSIVE.match(before[m.end() :]) for m in _matches(scope.foreign_courts, before))


def _names_other_courts_object(scope: Scope, form: StatementForm, text: str) -> bool:
    """An object of `form` in `text` that is another court's, by its owner before it or
    the court named after it ("the ECF Procedures of the Central District")."""
    return any(
        _owned_by_other_court(scope, text, o.start())
        or _has(scope.foreign_courts, " ".join(text[o.end() :].split()[:10]))
        for o in _matches(form.object, text)
    )


def _asked(sentence: Sentence) -> bool:
    return sentence.text.rstrip().endswith("?") or bool(
        sentence.lead_in and sentence.lead_in.rstrip().endswith("?")
    )


_QUOTED = re.compile(r"[\"“][^\"“”]{12,}[\"”]")
# The speaker naming themself: "I, Jane Q. Doe, have read ...".
# Not "I, however, ...", "I, too, ...": the words set off start as a name or a blank does.
_SELF_NAMED = re.compile(r"(?-i:\bI\b),\s+((?-i:[A-Z\[(_])[^,]{1,59}?),")


def _quoted(sentence: str, at: int) -> bool:
    """Whether the predicate at `at` is inside a quotation ('... must state: "I have
    read ..."'), not a quoted name ('the "ECF Procedures"')."""
    return at >= 0 and any(m.start() < at < m.end() for m in _QUOTED.finditer(sentence))


def _named_other(scope: Scope, sentence: str, names: tuple[str, ...]) -> bool:
    """ "I, <a name>, ..." where the name is not the signing attorney's (a template's
    "John Doe", "[NAME]", "Attorney Name", "XXXX"). Unknown when the letter is unsigned."""
    named = _SELF_NAMED.search(sentence)
    if named is None or not names:
        return False
    who = named.group(1)
    return not _has(names + scope.speaker, who)


_RESTART = re.compile(r",\s+(?=(?:I|we|the undersigned)\b)")
_PARENTHETICAL = re.compile(r"[^,;:]{1,40},")
# A head that ends with a negation whose verb is still to come ("I am not, however,").
_OPEN_NEGATION = re.compile(
    r"(?:\bnot|n't|\bnever|\bno longer|\byet)(?:\s+(?:now|yet|as yet))?\W*"
    r"(?:\b(?:but|however|though|although|while|whereas)\b\W*)?$",
    re.I,
)
_COMPLEMENT = re.compile(r"^\W*that\b", re.I)
_NEGATIVE_SUBJECT = re.compile(
    r"^\W*(?:no|not (?:a single|one|any)|none|nobody|no one|neither)\b", re.I
)


# A pronoun that may stand for a person as well as for a thing ("They are for my use").
_THING_OR_PERSON = re.compile(r"(?:they|these|those|both)", re.I)


def _stands_for_object(tie: Tie, text: str) -> bool:
    """The tie's object is a pronoun before its predicate that a speaker check would take
    for a person: "They [the login and password] are for my use only"."""
    return (
        tie.through_pronoun
        and tie.object_end <= tie.predicate.start()
        and _THING_OR_PERSON.fullmatch(text[tie.object_start : tie.object_end]) is not None
    )


def _scope_problem(
    scope: Scope,
    reading: Reading,
    tie: Tie,
    hedges: tuple[str, ...],
    part_not_hedges: tuple[str, ...] = (),
    names: tuple[str, ...] = (),
) -> str | None:
    text = reading.text
    sentence = reading.clause.sentence
    before = text[: tie.predicate.start()]
    # A subject restarted after a comma ("Although I have not ..., I have read") closes
    # the scope of what came before it.
    # Not a parenthetical ("I have not, I confess, read ..."): it closes with a comma
    # before the predicate, and the negation before it still governs the predicate.
    restart = [m for m in _RESTART.finditer(before) if not _PARENTHETICAL.match(before[m.end() :])]
    near = before[restart[-1].end() :] if restart else before
    # The predicate itself too: "may not be shared" is one phrase, not doubt + negation.
    said = tie.predicate.group(0)
    # What only looks like a negation is blanked in the whole reading first, so that a
    # phrase may see the words after the predicate ("I will not divulge my password").
    blank = _blank(scope.not_negations, text)
    end = tie.predicate.end()
    # A predicate that is itself a denial ("I will not allow anyone, not even my staff,
    # to use my login", "will not be used by any other person") holds its own negation:
    # only a negation before it denies the statement.
    denial = _has(scope.negations, said)
    window_end = end - len(said) if denial else end
    if _has(scope.negations, blank[end - len(near) - len(said) : window_end]):
        return NEGATED
    # A denial names after it who is kept out, not a negation of its own.
    # A clause that continues its head's verb: the head's negation governs it ("I am
    # not, however, familiar with ...", "I have not, but for a glance at the contents,
    # read ...", "I cannot say, however, that I am familiar with ...").
    head = reading.clause.head
    if head and (
        _OPEN_NEGATION.search(head)
        or _COMPLEMENT.match(reading.clause.text)
        # "No attorney in my office, and that includes me, has read ...": the head's
        # negative subject is the clause's, when the clause has none of its own.
        or (_NEGATIVE_SUBJECT.match(head) and not _SUBJECT_SELF.search(near))
    ):
        head_blank = _blank(scope.not_negations, head)
        starts = [
            m.end()
            for m in _RESTART.finditer(head_blank)
            if not _PARENTHETICAL.match(head_blank[m.end() :])
        ]
        if _has(scope.negations, head_blank[starts[-1] if starts else 0 :]):
            return NEGATED
    # Between the predicate and its object: "I have read neither the Local Rules nor ...".
    if (
        not denial
        and tie.object_start > end
        and _has(scope.negations, blank[end : tie.object_start])
    ):
        return NEGATED
    # After it in its clause, however far, when no subject comes before the predicate
    # (the statement is a noun, its verb comes later): "Familiarity with the Local Rules,
    # which every practitioner here needs, is not something I can claim." Not past a
    # statement of its own that follows ("... and will not share them with anyone").
    own_near = near[max(0, reading.own_start - len(before) + len(near)) :]
    if not denial and not _SUBJECT_SELF.search(own_near):
        tail = blank[max(end, tie.object_end) :]
        own_statement = _pattern(scope.after_not_negations)
        cut = own_statement.search(tail) if own_statement else None
        if _has(scope.negations, tail[: cut.start()] if cut else tail):
            return NEGATED
    # A condition before the comma still governs what follows it ("Provided my request
    # is granted, I have read ..."); the part's own hedges sit just before its predicate
    # ("I will read", "I'll read").
    # The part's own not-hedges are no doubt before its predicate either: "I have taken
    # the time to read" is a deed, "I will take the time to read" still a promise.
    if _has(scope.hedges, _strip(scope.not_hedges + part_not_hedges, before + said)) or _has(
        hedges, _strip(part_not_hedges, near)
    ):
        return DOUBT
    # "Assuming my application is granted, I have read ..., and I am familiar with
    # ...": the sentence's opening condition governs its later clauses too.
    head = reading.clause.head
    if "," in head and _has(scope.openers, head):
        opening = head.split(",", 1)[0]
        if _has(scope.openers, opening) and _has(
            scope.hedges, _strip(scope.not_hedges + part_not_hedges, opening)
        ):
            return DOUBT
    after = text[max(tie.predicate.end(), tie.object_end) :]
    # The rest of the sentence too: "I qualify under Civil L.R. 11-1(a), although my
    # admission is inactive."
    whole = sentence.text
    at = whole.find(reading.clause.text)
    rest = whole[at + len(reading.clause.text) :] if at >= 0 else ""
    # And what is said between the predicate and its object: "familiar (I hope) with".
    between = text[tie.predicate.end() : tie.object_start]
    if _has(scope.after_hedges, between + " " + after + " " + rest):
        return STATUS
    # "... used only by me and my assistant": someone joined to the attorney.
    window = " ".join(after.split()[:8])
    # Not "... for my sole use, and their use constitutes my signature": a new clause.
    window = _NEW_SUBJECT.split(window, maxsplit=1)[0]
    # Not "... shared with anyone, including my staff": the sharing is denied.
    for other in _matches(scope.others, window):
        joined = window[: other.start()].lower().split()[-2:]
        if {"and", "or", "with", "including", "plus"} & set(joined) and not denial:
            return SHARED
    # "... the Local Rules of the Central District", "... admitted in the Northern
    # District of California and in the District of Oregon": another court's.
    span = text[
        min(tie.predicate.start(), tie.object_start) : max(tie.predicate.end(), tie.object_end)
    ]
    # Between predicate and object (not one coordinated before this district's), or
    # just after: "... the Local Rules of the Central District". When the sentence and its
    # lead-in name no court but another, anywhere: "... the ECF Procedures of the
    # Bankruptcy Court for the District of Arizona", "In the District of Oregon, where I
    # file, I have read ...".
    near_after = " ".join(after.split()[:10])
    context = (sentence.lead_in or "") + " " + whole
    if (
        _blocked(scope.foreign_courts, span)
        or _has(scope.foreign_courts, near_after)
        or (
            _has(scope.foreign_courts + scope.court_references, context)
            and not _has(scope.this_court, context)
        )
        or (not tie.through_pronoun and _owned_by_other_court(scope, text, tie.object_start))
    ):
        return FOREIGN
    if _asked(sentence):
        return QUESTION
    # Words reported, sampled or asked for, or a template's blank: "The form asks me to
    # state that ...", 'Sample language: "I have read ..."', "Please confirm that you
    # have read ...", "I, [ATTORNEY NAME], have read ...", "I, John Doe, have read ..."
    # in a letter another attorney signs.
    if (
        _has(scope.not_asserted, whole)  # not its lead-in: "Check each that applies to you"
        or _quoted(whole, at + tie.predicate.start() - reading.own_start if at >= 0 else -1)
        or _named_other(scope, whole, names)
    ):
        return NOT_OWN_WORDS
    own = head or text[reading.own_start :]
    # Not "... never be disclosed to my staff": the agent of a denial is who is kept out.
    if _other_subject(scope, text[reading.own_start : tie.predicate.start()], names) or (
        not denial and _other_agent(scope, text[tie.predicate.end() :])
    ):
        return SPEAKER
    if _stands_for_object(tie, text):
        # "They are for my use only": "they" is the login, not a person who speaks.
        before = before[: tie.object_start] + " " * (tie.object_end - tie.object_start)
        before += text[tie.object_end : tie.predicate.start()]
    problem = _speaker(
        scope, _blank(scope.kept_out, head + " " + before), head + " " + text, own, names
    )
    if problem:
        return problem
    if sentence.box is False:
        return EMPTY_BOX
    if sentence.box is None and sentence.unseen_box:
        return UNSEEN_BOX
    if sentence.ocr_doubt:
        return OCR
    return None


@dataclass(frozen=True)
class _Said:
    part: str
    form: int
    problem: str | None  # None: said and confirmed
    sentence: Sentence


def _evidence(sentences: Iterable[Sentence]) -> Evidence | None:
    ordered = sorted({s.index: s for s in sentences}.values(), key=lambda s: s.index)
    if not ordered:
        return None
    source = "ocr" if any(s.ocr_doubt for s in ordered) else "text"
    return Evidence(text=" ".join(s.text for s in ordered), page=ordered[0].page, source=source)


def _candidates(sentences: Iterable[Sentence]) -> tuple[Evidence, ...]:
    ordered = sorted({s.index: s for s in sentences}.values(), key=lambda s: s.index)
    return tuple(Evidence(text=s.text, page=s.page) for s in ordered[:5])


def _doubted(form: StatementForm, reading: Reading) -> bool:
    """The form's doubt phrases in the sentence (or lead-in) that says it."""
    sentence = reading.clause.sentence
    return bool(form.doubts) and (
        _has(form.doubts, reading.text)
        or _has(form.doubts, sentence.text)
        or _has(form.doubts, sentence.lead_in or "")
    )


def _denied_too(scope: Scope, text: str, held: Tie, negated: Sequence[Tie]) -> bool:
    """A tie that holds, and another in its clause that is negated: the clause both says
    and denies it ("The Local Rules, which I know matter, I have not read"). Not when the
    negated one is a statement of its own after it ("I am admitted to ..., and have never
    been denied admission")."""
    own_statement = _pattern(scope.after_not_negations)
    held_end = max(held.predicate.end(), held.object_end)
    for tie in negated:
        start = tie.predicate.start()
        between = text[held_end : tie.predicate.end()]
        if start > held_end and own_statement and own_statement.search(between):
            continue
        return True
    return False


def _stands_for_rival(form: StatementForm, text: str, tie: Tie, before: str) -> bool:
    """The tie's "them" (or its predicate ending the clause) stands for a rival of the
    form's object named before it in the clause: "I know the Local Rules and will comply
    with them" promises nothing of the ECF Procedures."""
    bare = _BARE_PRONOUN.match(text[tie.object_start : tie.object_end]) is not None
    ellipsis = tie.object_start == tie.predicate.start()
    return (bare or ellipsis) and _has(form.rivals, before)


def _retracted(clauses: Sequence[Clause], scope: Scope) -> frozenset[int]:
    """The sentences that the next one takes back: "I have read the Local Rules.
    Actually, I have not." "... That is not accurate." "Or rather, I will be."."""
    if not scope.retractions:
        return frozenset()
    by_index = {c.sentence.index: c.sentence for c in clauses}
    sentences = sorted(by_index.values(), key=lambda s: s.index)
    return frozenset(
        here.index for here, after in pairwise(sentences) if _has(scope.retractions, after.text)
    )


_RECIPIENT = re.compile(r"^\W*(?:(?:[\w'-]+\s+){0,3}?(?:with|to|by|within|among|across)\s+)?", re.I)


def _given_to_someone(scope: Scope, people: tuple[str, ...], text: str, tie: Tie) -> bool:
    """The tie's doer or recipient is someone other than the attorney: the person
    nearest before the predicate ("My assistant will also use my login"), one between
    it and its object ("give my associate my password"), or one right after them ("I
    share my password with my secretary", "... used by others in my office")."""
    pattern = _pattern(tuple(_DETERMINER + "(?:" + p + ")" for p in scope.others) + people)
    if pattern is None:
        return False

    def other(m: re.Match[str]) -> bool:
        return not _has(scope.pronouns, m.group(0).split()[-1])

    before = text[: tie.predicate.start()]
    selves = [m.start() for m in _matches(scope.speaker, before)]
    others = [
        m.start()
        for m in pattern.finditer(before)
        if other(m) and not _has(scope.complement, before[max(0, m.start() - 16) : m.start()])
    ]
    if others and max(others) >= max(selves, default=-1):
        return True
    between = text[tie.predicate.end() : tie.object_start]
    if any(other(m) for m in pattern.finditer(between)):
        return True
    after = text[max(tie.predicate.end(), tie.object_end) :]
    lead = _RECIPIENT.match(after)
    someone = pattern.match(after[lead.end() :]) if lead else None
    return someone is not None and other(someone)


def _taken_back(
    part: StatementPart, clauses: Sequence[Clause], scope: Scope, names: tuple[str, ...]
) -> Sentence | None:
    """The first sentence that gives someone else what `part` keeps to the attorney: a
    tie of its `taken_back` forms whose doer or recipient is someone other than the
    attorney, in a clause that denies nothing ("My paralegal knows my password"; not
    "My paralegal will never use my login", nor "My paralegal has her own login")."""
    back = part.taken_back
    if back is None:
        return None
    denials = scope.negations + back.denials
    withdrawn = next(
        (
            c.sentence
            for c in clauses
            if _has(back.withdrawals, text := _reading(c).text)
            or (_has(back.given_away, text) and not _has(denials, text))
        ),
        None,
    )
    if withdrawn is not None:
        return withdrawn
    # Not the attorney named in the third person, nor who the attorney keeps out, nor the
    # part's own words ("I am the only person who will use my login").
    own = tuple(p for f in part.forms for p in f.predicate)
    for form in back.forms:
        previous_object = False
        for clause in clauses:
            text = _reading(clause).text
            has_object = _has(form.object, text)
            # The head of the sentence too, unless it denies: "My secretary, however, will
            # file with it"; not "I will not make my login available to others; a filing
            # made with it is my signature".
            head = clause.head
            if clause.sentence.lead_in or _has(denials, head):
                head = ""
            words = _blank(own, _blank(names, _blank(scope.kept_out, head + text)))
            ties = [
                t
                for t in _ties(form, words, previous_object, scope)
                if t.predicate.start() >= len(head)
            ]
            previous_object = has_object or (previous_object and _PRONOUN.search(text) is not None)
            if not ties or _has(denials, text):
                continue
            if any(_given_to_someone(scope, back.people, words, tie) for tie in ties):
                return clause.sentence
    return None


def _retracted_far(
    rule: AffirmationRule, clauses: Sequence[Clause], scope: Scope, every_touch: tuple[str, ...]
) -> list[Sentence]:
    """The sentences, anywhere in the letter, that take back what it says of `rule`: a
    retraction that speaks of its matter or of no affirmation's at all ("I misspoke
    above."), or its matter said to be unfinished ("I have only skimmed the Local Rules")."""
    out: dict[int, Sentence] = {}
    for clause in clauses:
        sentence = clause.sentence
        text = " ".join(t for t in (sentence.lead_in, sentence.text) if t)
        touches = _has(rule.touches, text)
        if (_has(scope.far_retractions, text) and (touches or not _has(every_touch, text))) or (
            touches and _has(scope.undone, text)
        ):
            out[sentence.index] = sentence
    return list(out.values())


def read_affirmation(
    rule: AffirmationRule,
    clauses: Sequence[Clause],
    scope: Scope,
    other_objects: tuple[str, ...] = (),
    names: tuple[str, ...] = (),
    originals: Mapping[int, Sentence] | None = None,
    every_touch: tuple[str, ...] = (),
) -> Affirmation:
    """One affirmation's state, with the sentences it rests on (as the letter wrote
    them: `originals` by index, when the clauses were read respelled). `other_objects`:
    what the other affirmations speak of; "them" in a clause that names one of those
    (and none of this one's) may stand for it: "My knowledge of the Local Rules is
    slight, as I have never read them" does not deny the ECF statement before it."""

    def written(sentences: Iterable[Sentence]) -> list[Sentence]:
        return [originals.get(s.index, s) if originals else s for s in sentences]

    said: list[_Said] = []
    letter = " \n ".join(c.sentence.text for c in clauses) if clauses else ""
    retracted = _retracted(clauses, scope)
    for part in rule.parts:
        for form_number, form in enumerate(part.forms):
            doubted_letter = _has(form.doubts_in_letter, letter) or (
                bool(form.requires_in_letter) and not _has(form.requires_in_letter, letter)
            )
            # The object seen in the clause before, and whether that clause was negated:
            # "I have yet to study the Local Rules. I will follow them." stays negated.
            previous_object = False
            previous_problem: str | None = None
            previous_people = False
            previous_sentence = -1
            for clause in clauses:
                reading = _reading(clause)
                same_sentence = previous_sentence == clause.sentence.index
                has_object = _has(form.object, reading.text)
                # "them" after another affirmation's object may stand for that object:
                # such a clause neither denies this one ("My knowledge of the Local Rules
                # is slight, as I have never read them") nor says it ("I have read the ECF
                # Procedures. I know the Local Rules and will comply with them.").
                ties = _ties(form, reading.text, previous_object, scope, same_sentence)
                previous_sentence = clause.sentence.index
                problem: str | None = None
                # The clause says the part when one of its ties holds; else its first
                # tie's problem is why it does not.
                problems: list[str | None] = []
                negated: list[Tie] = []
                held: Tie | None = None
                for tie in ties:
                    found = _scope_problem(scope, reading, tie, part.hedges, part.not_hedges, names)
                    if found is None and (doubted_letter or _doubted(form, reading)):
                        found = form.doubt_reason
                    if tie.through_pronoun and previous_problem and found is None:
                        found = previous_problem
                    # "My paralegals know my login. They are for my use only.": "they"
                    # may be the people, not the login.
                    if found is None and previous_people and _stands_for_object(tie, reading.text):
                        found = SPEAKER
                    if tie.only_denies and found != NEGATED:
                        continue
                    before_pronoun = reading.text[reading.own_start : tie.object_start]
                    if (
                        tie.through_pronoun
                        and not has_object
                        and (
                            _has(other_objects, before_pronoun)
                            if found == NEGATED
                            else _stands_for_rival(form, reading.text, tie, before_pronoun)
                        )
                    ):
                        continue
                    problems.append(found)
                    if found == NEGATED:
                        negated.append(tie)
                    elif found is None and held is None:
                        held = tie
                if problems:
                    problem = None if None in problems else problems[0]
                    if problem is None and clause.sentence.index in retracted:
                        problem = NEGATED
                    said.append(_Said(part.id, form_number, problem, clause.sentence))
                    if (
                        problem is None
                        and held
                        and form.denial_in_clause
                        and _denied_too(scope, reading.text, held, negated)
                    ):
                        # "Although I have not read the Local Rules, I am familiar with
                        # them": said and denied in one clause; a clerk reads both.
                        said.append(_Said(part.id, form_number, NEGATED, clause.sentence))
                # Only the clause just before can lend its object to "them", which
                # it may itself hold as "them" ("nobody but me will use them, and any
                # filing made with them...").
                previous_object = (
                    has_object
                    or bool(ties)
                    or (previous_object and _PRONOUN.search(reading.text) is not None)
                )
                # A question lends its object as asked, not stated: "Is this the right
                # link to the ECF Procedures? I have read them." is not confirmed.
                asked = has_object and _asked(clause.sentence)
                # Nor does another court's: "The Central District's ECF Procedures are on
                # my desk. I have read them." says nothing of this Court's.
                if ties:
                    previous_problem = problem
                elif asked:
                    previous_problem = QUESTION
                elif has_object and _names_other_courts_object(scope, form, reading.text):
                    previous_problem = FOREIGN
                else:
                    previous_problem = None
                previous_people = _names_someone(scope, reading.text[reading.own_start :])
    # A part taken back elsewhere in the letter ("My assistant will also use my login")
    # is not confirmed, however plainly another sentence says it.
    taken: set[str] = set()
    for part in rule.parts:
        back = _taken_back(part, clauses, scope, names)
        if back is not None and part.taken_back is not None:
            taken.add(part.id)
            said.append(_Said(part.id, -1, part.taken_back.reason, back))
    # A part said and also denied ("I have read the ECF Procedures ... I have not yet
    # read them") is not confirmed: a clerk reads both.
    denied = {(s.part, s.form) for s in said if s.problem in (NEGATED, STATUS)}
    confirmed = {
        s.part: s
        for s in said
        if s.problem is None and (s.part, s.form) not in denied and s.part not in taken
    }
    if all(part.id in confirmed for part in rule.parts):
        evidence = _evidence(written(s.sentence for s in confirmed.values()))
        # "P.S. Contrary to what I wrote above, ...": a clerk reads the letter.
        far = _retracted_far(rule, clauses, scope, every_touch)
        if far:
            return Affirmation(
                id=rule.id,
                state=AffirmationState.UNCLEAR,
                evidence=evidence,
                candidates=_candidates(written([*(s.sentence for s in confirmed.values()), *far])),
                reason=RETRACTED,
            )
        return Affirmation(id=rule.id, state=AffirmationState.FOUND, evidence=evidence)
    doubtful = [s for s in said if s.problem is not None]
    # A sentence touches the affirmation when someone speaks in it (or in its lead-in)
    # of its matter, the attorney or a third person that may be the attorney ("his
    # password", "Mr. Castillo's login" in a declaration): an address line or a heading
    # does not. Only what nothing touches is told to the attorney as missing.
    speaking = scope.speaker + names + scope.pronouns + _TITLED + _PLURAL
    touching = [
        c.sentence
        for c in clauses
        if _has(rule.touches, (text := _reading(c).text)) and _has(speaking, text)
    ]
    if not said and not touching:
        return Affirmation(id=rule.id, state=AffirmationState.MISSING)
    missing_parts = [p.id for p in rule.parts if p.id not in confirmed]
    reasons = sorted({s.problem for s in doubtful if s.part in missing_parts and s.problem})
    reason = (
        "; ".join(reasons)
        if reasons
        else f"the letter speaks of it, but does not say: {', '.join(missing_parts)}"
    )
    return Affirmation(
        id=rule.id,
        state=AffirmationState.UNCLEAR,
        evidence=_evidence(written(s.sentence for s in confirmed.values())),
        candidates=_candidates(written([*(s.sentence for s in doubtful), *touching])),
        reason=reason,
    )


_LONG_WORD = re.compile(r"[^\W\d_]{7,}")


def _slips(word: str, target: str) -> int:
    """Typing slips from `word` to `target` (letters added, dropped, changed, two
    swapped): the optimal string alignment distance."""
    rows = [list(range(len(target) + 1))]
    for i, a in enumerate(word, 1):
        row = [i]
        for j, b in enumerate(target, 1):
            cost = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + (a != b))
            if i > 1 and j > 1 and a == target[j - 2] and word[i - 2] == b:
                cost = min(cost, rows[i - 2][j - 2] + 1)
            row.append(cost)
        rows.append(row)
    return rows[-1][-1]


@lru_cache(maxsize=8192)
def _respelled(word: str, vocabulary: tuple[str, ...]) -> str | None:
    """The vocabulary word `word` is one typing slip from, if exactly one; never a word
    with an ending added or dropped ("attorneys", "districts")."""
    lower = word.lower()
    if lower in vocabulary:
        return None
    near = {
        v
        for v in vocabulary
        if v[:2] == lower[:2]
        and abs(len(v) - len(lower)) <= 1
        and not (lower.startswith(v) or v.startswith(lower))
        and _slips(lower, v) == 1
    }
    if len(near) != 1:
        return None
    (target,) = near
    return target.capitalize() if word[0].isupper() else target


def _spelled(text: str, vocabulary: tuple[str, ...]) -> str:
    return _LONG_WORD.sub(lambda m: _respelled(m.group(0), vocabulary) or m.group(0), text)


def _respell(sentence: Sentence, vocabulary: tuple[str, ...]) -> Sentence:
    text = _spelled(sentence.text, vocabulary)
    lead_in = _spelled(sentence.lead_in, vocabulary) if sentence.lead_in else sentence.lead_in
    if text == sentence.text and lead_in == sentence.lead_in:
        return sentence
    return replace(sentence, text=text, lead_in=lead_in)


def read_affirmations(
    sentences: Sequence[Sentence], policy: LetterPolicy, attorney: str | None = None
) -> list[Affirmation]:
    """Every affirmation's state. `attorney`: the signing attorney's name, which a letter
    in the third person may use for the speaker ("Ms. Doe has read ...")."""
    names = self_names(attorney)
    marked = mark_forms(sentences, policy.scope)
    vocabulary = tuple(w.lower() for w in policy.spelling)
    spelled = [_respell(s, vocabulary) for s in marked] if vocabulary else marked
    originals = {s.index: s for s in marked}
    clauses = [c for s in spelled for c in clauses_of(s)]
    objects = {
        rule.id: tuple(p for part in rule.parts for form in part.forms for p in form.object)
        for rule in policy.affirmations
    }
    every_touch = tuple(p for rule in policy.affirmations for p in rule.touches)
    return [
        read_affirmation(
            rule,
            clauses,
            policy.scope,
            tuple(p for other, phrases in objects.items() if other != rule.id for p in phrases),
            names,
            originals,
            every_touch,
        )
        for rule in policy.affirmations
    ]
