"""What a terminal or a page shows of a stranger's text: no controls, no bidi tricks."""

from __future__ import annotations

import pytest

from intake.core.display import displayable, displayable_data, displayable_lines


@pytest.mark.parametrize(
    "hostile",
    [
        "\x1b[2J\x1b[31mred",  # clear the screen, colours
        "\x1b]0;title\x07",  # set the window title (OSC ... BEL)
        "\x9b6n",  # C1 CSI: a cursor report request
        "over\rwrite",  # print over what came before
        "\u202egpj.exe",  # right-to-left override
        "\u2066isolate\u2069",
        "zero\u200bwidth",
        "\x00nul\x7fdel",
    ],
)
def test_controls_and_bidi_overrides_are_removed(hostile: str) -> None:
    shown = displayable(hostile)
    assert shown.isprintable()
    assert all(ch not in shown for ch in "\x1b\x9b\x07\r\u202e\u2066\u200b\x00\x7f")


def test_ordinary_text_is_kept_as_it_is() -> None:
    for text in ("Jane Doe", "José Ñúñez-García", "محمد\u200cرضا", "日本語の名前", "a, b; c"):
        assert displayable(text) == text


def test_lines_are_kept_when_asked_and_joined_otherwise() -> None:
    assert displayable("a\nb\tc", multiline=True) == "a\nb\tc"
    assert displayable("a\nb\tc") == "a b c"
    assert displayable_lines("one\x1b[1m\ntwo\tthree") == "one[1m\ntwo three"


def test_every_string_of_a_json_value_is_cleaned_keys_included() -> None:
    value = {"sub\x1bject": ["a\u202eb", {"k": "x\x9by"}], "n": 3, "none": None}
    assert displayable_data(value) == {"subject": ["ab", {"k": "xy"}], "n": 3, "none": None}
