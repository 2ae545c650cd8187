"""Name matching for the NEF filer check (SPEC 4.2 filer_mismatch)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from intake.core.documents.names import SUFFIXES, TITLES, normalize_person_name, same_person


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Doe, Jane A.", "Jane Doe"),
        ("JANE DOE", "jane doe"),
        ("Jane A. Doe, Esq.", "DOE, JANE"),
        ("Mary Ann Smith-Jones", "Smith-Jones, Mary Ann"),
        ("Mary Ann Smith-Jones", "Mary Smith-Jones"),
        ("José Núñez", "Nunez, Jose"),
        ("Doe, Jane, Jr.", "Jane Doe Jr."),
        ("Robert  Smith III", "robert smith"),
        ("Ms. Jane Doe", "Jane Doe"),
        ("J. Robert Smith", "Robert Smith"),
        ("J. Doe", "Jane Doe"),
        ("Patrick O'Brien", "OBRIEN, PATRICK"),
        ("Juan de la Cruz", "de la Cruz, Juan"),
        ("Cher", "CHER"),
    ],
)
def test_same_person(a: str, b: str) -> None:
    assert same_person(a, b)
    assert same_person(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Jane Doe", "John Doe"),
        ("Jane Doe", "Jane Roe"),
        ("Doe, Jane", "Doe, John"),
        ("Jane Doe", "Doe"),  # one word is not enough to name the filer
        ("Mary Ann Smith", "Ann Smith"),
        ("Jane Smith Jones", "Jane Smith-Jones"),
        ("", ""),
        ("Jane Doe", ""),
        ("Esq.", "Esq."),
        ("123", "123"),
    ],
)
def test_not_same_person(a: str, b: str) -> None:
    assert not same_person(a, b)
    assert not same_person(b, a)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Doe, Jane A., Esq.", ("jane", "a", "doe")),
        ("  Jane   A.  Doe  ", ("jane", "a", "doe")),
        ("Dr. Hans Straße", ("hans", "strasse")),
        ("Smith-Jones, Mary Ann", ("mary", "ann", "smithjones")),
        ("J.R. Ewing", ("j", "r", "ewing")),
        ("Esq.", ()),
        ("", ()),
        ("---", ()),
    ],
)
def test_normalize_person_name(name: str, words: tuple[str, ...]) -> None:
    assert normalize_person_name(name) == words


# ------------------------------------------------------------------ properties

LETTERS = "abcdefghijklmnopqrstuvwxyzéèñüçåøß"
# A name word: starts with a letter, may carry an apostrophe or a hyphen inside.
word = (
    st.tuples(
        st.text(LETTERS, min_size=2, max_size=8),
        st.sampled_from(["", "-", "'"]),
        st.text(LETTERS, max_size=6),
    )
    .map(lambda t: t[0] + (t[1] + t[2] if t[2] else ""))
    .filter(lambda w: w.replace("-", "").replace("'", "") not in SUFFIXES | TITLES)
)
initial = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=1).map(lambda c: c + ".")
middles = st.lists(st.one_of(word, initial), max_size=2)
suffix = st.sampled_from(["", " Jr.", " III", ", Esq."])


def title(text: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in text.split())


@given(word, middles, word, suffix)
def test_last_first_order_and_case_do_not_matter(
    first: str, middle: list[str], last: str, end: str
) -> None:
    forward = title(" ".join([first, *middle, last])) + end
    backward = f"{last.upper()}, {first.upper()}"
    assert same_person(forward, backward)
    assert same_person(forward, forward.upper())
    assert same_person(forward.lower(), forward.swapcase())


@given(word, word, word)
def test_different_last_names_never_match(first: str, last_a: str, last_b: str) -> None:
    assume(normalize_person_name(last_a) != normalize_person_name(last_b))
    assert not same_person(f"{first} {last_a}", f"{first} {last_b}")
    assert not same_person(f"{first} {last_a}", f"{last_b}, {first}")


@given(st.text(max_size=40), st.text(max_size=40))
def test_symmetric_on_any_text(a: str, b: str) -> None:
    assert same_person(a, b) == same_person(b, a)


@given(st.text(LETTERS + LETTERS.upper() + " ,.-'", max_size=40), st.text(max_size=40))
def test_case_invariant_on_any_text(a: str, b: str) -> None:
    assert same_person(a.upper(), b) == same_person(a.lower(), b) == same_person(a, b)
