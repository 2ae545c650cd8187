"""Are two written names the same person? Is a printed field a person's name at all? Pure.

The policy compares the attorney's name (from the letter's signature or the sender's
display name) with the names on each NEF ("received from", "Filed by", the docket
text's "(DOE, JANE)"). The same person is written in many ways: "Doe, Jane A.",
"JANE DOE", "Jane A. Doe, Esq.", "José Núñez" / "Jose Nunez", "García López, Ana" /
"Ana García", "van der Berg, Pieter" / "Pieter Van Der Berg". The rule: the same first
name, and surnames that agree, after normalization; middle names and initials,
suffixes, titles, case, punctuation, spacing, accents and "Last, First" order do not
matter.

Surnames agree when one's words (less the particles van, von, de, da, del, della, der,
den, di, du, la, le, y...) are a run of the other's, in order or reversed: "García" ~
"García López" ~ "López García", "Smith-Jones" ~ "Smith Jones" ~ "Jones". Without a
comma, where the given names end and the surname begins is not written, so every split
is tried ("Ana María García López" may be "Ana María" + "García López"); a comma says it
("García López, Ana María").

Judgement calls, so that a clerk is not surprised:
- A first name written as an initial matches a first name with that initial
  ("J. Doe" ~ "Jane Doe"); a leading initial before a used given name is skipped
  ("J. Robert Smith" ~ "Robert Smith").
- Apostrophes are dropped inside a word ("O'Brien" = "OBrien"); a hyphen separates two
  surname words, which are never split between given name and surname.
- A one-word name is only the same as the same one word: "Doe" is not enough to say
  "Jane Doe" filed a notice.
- A name with no letters is nobody: it matches nothing, not even itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence

# Words after the last name that are not part of it. "V" is left out: it is as often
# an initial as a numeral.
SUFFIXES = frozenset(
    {"jr", "sr", "ii", "iii", "iv", "esq", "esquire", "jd", "llm", "phd", "md", "cpa"}
)
# Words before the first name that are not part of it.
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "hon", "honorable", "atty", "attorney"})
# Surname particles: part of the surname as written, not what tells two surnames apart
# ("de la Cruz" ~ "Cruz", "van der Berg" ~ "Berg"); "y" and "e" join two surnames.
PARTICLES = frozenset(
    {
        "van", "von", "der", "den", "ter", "ten", "de", "da", "das", "do", "dos", "del",
        "della", "dello", "di", "du", "des", "la", "le", "lo", "las", "los", "y", "e", "st",
        "al", "el", "bin", "ibn", "mac",
    }
)  # fmt: skip
# Words that no person's name holds: what a misread filer field shows instead (a docket
# banner "CASE CLOSED", a "DEFICIENCY" flag, the transaction's own words).
_NOT_NAME_WORDS = frozenset(
    {
        "closed", "reopened", "terminated", "dismissed", "sealed", "restricted", "deficiency",
        "deficient", "notice", "docket", "filing", "filed", "transaction", "entered",
        "received", "cmecf", "ecf", "pacer", "clerk", "court", "bankruptcy", "district",
        "document", "case", "on", "behalf", "electronic", "system", "proceeding", "pending",
    }
)  # fmt: skip

_APOSTROPHES = re.compile(r"['’`.]")  # inside a word: O'Brien, A.B.
_HYPHENS = re.compile(r"[\-‐‑–]")
_NOT_NAME = re.compile(r"[^\w\s,\-‐‑–]|_|\d")


def _fold(text: str) -> str:
    """Lower case without accents: 'Núñez' → 'nunez', 'STRAẞE' → 'strasse'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _tokens(part: str) -> list[tuple[str, ...]]:
    """The words of one comma-separated part, each as its hyphen-joined pieces;
    periods end an initial ("A." → "a")."""
    spaced = part.replace(".", ". ")
    out: list[tuple[str, ...]] = []
    for raw in spaced.split():
        cleaned = _NOT_NAME.sub(" ", _APOSTROPHES.sub("", raw))
        for word in cleaned.split():
            pieces = tuple(p for p in _HYPHENS.split(word) if p)
            if pieces:
                out.append(pieces)
    return out


def _parts(name: str) -> list[list[tuple[str, ...]]]:
    """Comma-separated parts, less those made only of suffixes ("Jane Doe, Esq.")."""
    parts = [_tokens(p) for p in _fold(name).split(",")]
    return [p for p in parts if p and not all(t in {(s,) for s in SUFFIXES} for t in p)]


def _trimmed(tokens: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    tokens = list(tokens)
    while len(tokens) > 1 and len(tokens[-1]) == 1 and tokens[-1][0] in SUFFIXES:
        tokens.pop()
    while len(tokens) > 1 and len(tokens[0]) == 1 and tokens[0][0] in TITLES:
        tokens.pop(0)
    return tokens


def normalize_person_name(name: str) -> tuple[str, ...]:
    """The name's words in "first … last" order, folded, without titles or suffixes
    (a hyphenated word kept as one: "smithjones").

    >>> normalize_person_name("Doe, Jane A., Esq.")
    ('jane', 'a', 'doe')
    """
    parts = _parts(name)
    if not parts:
        return ()
    # "Last, First Middle" (further parts are rare: "Last, First, Middle").
    tokens = _trimmed([t for p in parts[1:] for t in p] + parts[0])
    return tuple("".join(t) for t in tokens)


# A reading of a name: (given names, surname words).
_Form = tuple[tuple[str, ...], tuple[str, ...]]


def _forms(name: str) -> list[_Form]:
    """Every way to read the name as given names + surname."""
    parts = _parts(name)
    if not parts:
        return []
    if len(parts) > 1:  # "Surname(s), Given names" says where the surname is
        given = _trimmed([t for p in parts[1:] for t in p])
        surname = _trimmed(parts[0])
        return [(tuple(w for t in given for w in t), tuple(w for t in surname for w in t))]
    tokens = _trimmed(parts[0])
    forms: list[_Form] = []
    for split in range(1, len(tokens)):
        given, surname = tokens[:split], tokens[split:]
        if len(given) > 1 and len(given[-1]) == 1 and given[-1][0] in PARTICLES:
            continue  # "Pieter van | der Berg": a particle opens the surname ("Da" may be a name)
        if all(len(w) == 1 for t in surname for w in t):
            continue  # a lone initial is no surname
        forms.append((tuple(w for t in given for w in t), tuple(w for t in surname for w in t)))
    return forms


def _surname_key(words: Sequence[str]) -> tuple[str, ...]:
    key = tuple(w for w in words if w not in PARTICLES and len(w) > 1)
    return key or tuple(words)


def _run_of(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    size = len(short)
    runs = (long[i : i + size] for i in range(len(long) - size + 1))
    return any(run in (short, short[::-1]) for run in runs)


def _surnames_agree(a: Sequence[str], b: Sequence[str]) -> bool:
    key_a, key_b = _surname_key(a), _surname_key(b)
    if not key_a or not key_b:
        return False
    short, long = sorted((key_a, key_b), key=len)
    return _run_of(short, long)


def _first_names_agree(given_a: tuple[str, ...], given_b: tuple[str, ...]) -> bool:
    first_a, first_b = given_a[0], given_b[0]
    if first_a == first_b:
        return True
    if (len(first_a) == 1 or len(first_b) == 1) and first_a[0] == first_b[0]:
        return True
    # "J. Robert Smith" goes by Robert: compare the first given names written in full.
    full_a = next((g for g in given_a if len(g) > 1), None)
    full_b = next((g for g in given_b if len(g) > 1), None)
    skipped_initial = len(first_a) == 1 or len(first_b) == 1
    return skipped_initial and full_a is not None and full_a == full_b


def _pairs(a: str, b: str) -> Iterator[tuple[_Form, _Form]]:
    for form_a in _forms(a):
        for form_b in _forms(b):
            yield form_a, form_b


def same_person(a: str, b: str) -> bool:
    """True when `a` and `b` have the same first name and agreeing surnames (see the
    module's rules)."""
    words_a, words_b = normalize_person_name(a), normalize_person_name(b)
    if not words_a or not words_b:
        return False
    if len(words_a) == 1 or len(words_b) == 1:
        return words_a == words_b
    return any(
        given_a
        and given_b
        and _surnames_agree(surname_a, surname_b)
        and _first_names_agree(given_a, given_b)
        for (given_a, surname_a), (given_b, surname_b) in _pairs(a, b)
    )


def looks_like_person_name(text: str) -> bool:
    """True when a printed field can be a person's name: a given name and a surname
    ("Jane Doe", "Doe, Jane A."), no digits, none of a docket's own words.

    Not a name: a banner read into the filer field ("CASE CLOSED"), one word with a
    trailing comma ("Vance,"), a CM/ECF login ("wiq"), an address or a date.
    """
    if not text or re.search(r"\d|@|/", text):
        return False
    words = [w for t in _tokens(_fold(text).replace(",", " ")) for w in t]
    if any(w in _NOT_NAME_WORDS for w in words):
        return False
    return bool(_forms(text)) and all(given and surname for given, surname in _forms(text)[:1])
