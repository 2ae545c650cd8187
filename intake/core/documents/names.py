"""Are two written names the same person? Pure.

The policy compares the attorney's name (from the letter's signature or the sender's
display name) with the names on each NEF ("received from", "Filed by", the docket
text's "(DOE, JANE)"). The same person is written in many ways: "Doe, Jane A.",
"JANE DOE", "Jane A. Doe, Esq.", "José Núñez" / "Jose Nunez". The rule: the same last
name and the same first name, after normalization; middle names and initials, suffixes,
titles, case, punctuation, spacing, accents and "Last, First" order do not matter.

Judgement calls, so that a clerk is not surprised:
- A first name written as an initial matches a first name with that initial
  ("J. Doe" ~ "Jane Doe"); a leading initial before a used given name is skipped
  ("J. Robert Smith" ~ "Robert Smith").
- Hyphens and apostrophes are dropped inside a token ("Smith-Jones" = "SmithJones",
  "O'Brien" = "OBrien"), but "Smith Jones" is two tokens and its last name is "Jones".
- A one-word name is only the same as the same one word: "Doe" is not enough to say
  "Jane Doe" filed a notice.
- A name with no letters is nobody: it matches nothing, not even itself.
"""

from __future__ import annotations

import re
import unicodedata

# Words after the last name that are not part of it. "V" is left out: it is as often
# an initial as a numeral.
SUFFIXES = frozenset(
    {"jr", "sr", "ii", "iii", "iv", "esq", "esquire", "jd", "llm", "phd", "md", "cpa"}
)
# Words before the first name that are not part of it.
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "hon", "honorable", "atty", "attorney"})

_TOKEN_JOINERS = re.compile(r"['’`\-‐‑–.]")  # inside a token: O'Brien, Smith-Jones, A.B.
_NOT_NAME = re.compile(r"[^\w\s,]|_|\d")


def _fold(text: str) -> str:
    """Lower case without accents: 'Núñez' → 'nunez', 'STRAẞE' → 'strasse'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(part: str) -> list[str]:
    """The words of one comma-separated part; periods end an initial ("A." → "a")."""
    spaced = part.replace(".", ". ")
    words = (_NOT_NAME.sub(" ", _TOKEN_JOINERS.sub("", w)) for w in spaced.split())
    return [t for w in words for t in w.split()]


def normalize_person_name(name: str) -> tuple[str, ...]:
    """The name's words in "first … last" order, folded, without titles or suffixes.

    >>> normalize_person_name("Doe, Jane A., Esq.")
    ('jane', 'a', 'doe')
    """
    parts = [_words(p) for p in _fold(name).split(",")]
    # A part made only of suffixes ("Jane Doe, Esq.", "Doe, Jane, Jr.") is not a name part.
    parts = [p for p in parts if p and not all(w in SUFFIXES for w in p)]
    if not parts:
        return ()
    # "Last, First Middle" (further parts are rare: "Last, First, Middle").
    words = [w for p in parts[1:] for w in p] + parts[0]
    while len(words) > 1 and words[-1] in SUFFIXES:
        words.pop()
    while len(words) > 1 and words[0] in TITLES:
        words.pop(0)
    return tuple(words)


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


def same_person(a: str, b: str) -> bool:
    """True when `a` and `b` have the same first and last names (see the module's rules)."""
    words_a, words_b = normalize_person_name(a), normalize_person_name(b)
    if not words_a or not words_b:
        return False
    if len(words_a) == 1 or len(words_b) == 1:
        return words_a == words_b
    if words_a[-1] != words_b[-1]:
        return False
    return _first_names_agree(words_a[:-1], words_b[:-1])
