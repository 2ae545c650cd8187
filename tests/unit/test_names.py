"""Name matching for the NEF filer check (SPEC 4.2 filer_mismatch)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from intake.core.documents.names import (
    SUFFIXES,
    TITLES,
    looks_like_person_name,
    normalize_person_name,
    same_person,
)


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
        # Two surnames, hyphenated or not, in either order, or one of them alone.
        ("Jane Smith Jones", "Jane Smith-Jones"),
        ("Ana María García López", "García, Ana María"),
        ("Ana María García López", "GARCIA LOPEZ, ANA"),
        ("Ana García López", "López García, Ana"),
        ("Ana García-López", "Lopez, Ana M."),
        ("Ana García y López", "Ana Garcia Lopez"),
        # Particles, written or not, in either order of the name.
        ("Pieter van der Berg", "Van Der Berg, Pieter"),
        ("Pieter van der Berg", "Berg, Pieter"),
        ("Maria da Silva", "DA SILVA, MARIA"),
        ("Luis del Toro", "Toro, Luis"),
        ("Marie-Claire de La Fontaine", "La Fontaine, Marie-Claire"),
        ("Al Green", "Green, Al"),
        ("Da Costa, Manuel", "Manuel Da Costa"),
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
        ("Ana García López", "Ana Fernández"),
        ("Ana García López", "María García López"),
        ("Pieter van der Berg", "Pieter van der Meer"),
        ("Jane Doe", "Jane"),
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
    # Surnames with no word in common (a hyphenated surname holds each of its words).
    def words(last: str) -> set[str]:
        return set(last.replace("'", "").split("-"))

    assume(not words(last_a) & words(last_b))
    assert not same_person(f"{first} {last_a}", f"{first} {last_b}")
    assert not same_person(f"{first} {last_a}", f"{last_b}, {first}")


@given(st.text(max_size=40), st.text(max_size=40))
def test_symmetric_on_any_text(a: str, b: str) -> None:
    assert same_person(a, b) == same_person(b, a)


@given(st.text(LETTERS + LETTERS.upper() + " ,.-'", max_size=40), st.text(max_size=40))
def test_case_invariant_on_any_text(a: str, b: str) -> None:
    assert same_person(a.upper(), b) == same_person(a.lower(), b) == same_person(a, b)


@pytest.mark.parametrize(
    "text",
    ["Jane Doe", "Doe, Jane A.", "Ana María García López", "van der Berg, Pieter", "O'Brien, Pat"],
)
def test_names_look_like_names(text: str) -> None:
    assert looks_like_person_name(text)


@pytest.mark.parametrize(
    "text",
    [
        "CASE CLOSED",
        "***CASE CLOSED***",
        "Vance,",
        "wiq",
        "",
        "on 3/4/2025",
        "jdoe@example-law.test",
        "DEFICIENCY NOTICE",
        "Docket Text",
        "12345",
        "Case Reopened",
    ],
)
def test_what_is_not_a_name(text: str) -> None:
    assert not looks_like_person_name(text)
