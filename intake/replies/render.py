"""The Jinja2 environment shared by replies and clerk summaries.

Templates live in the project's `templates/` folder, where a court edits their wording.
Undefined variables are errors (`StrictUndefined`), so a typo in a template fails the
tests instead of printing an empty string to an attorney; HTML templates (`*.html.j2`)
are autoescaped, plain-text ones are not.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from intake.replies.business_days import long_date

DEFAULT_TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"

_NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
]


class TemplateProblem(Exception):
    """A template is missing or wrong (a typo, an unknown variable): names the file."""


def number_words(value: int) -> str:
    """6 -> 'six' (up to twelve, as a letter would write it)."""
    return _NUMBER_WORDS[value] if 0 <= value < len(_NUMBER_WORDS) else str(value)


def sentence(value: str) -> str:
    """Capitalize the first letter only ('the U.S. Court' -> 'The U.S. Court')."""
    return value[:1].upper() + value[1:]


def plural(singular: str, count: int, many: str | None = None) -> str:
    """{{ "request" | plural(n) }} -> 'request' or 'requests'."""
    return singular if count == 1 else (many or singular + "s")


@lru_cache(maxsize=8)
def template_environment(directory: Path = DEFAULT_TEMPLATES_DIR) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "htm", "html.j2"),
            disabled_extensions=("txt", "txt.j2"),
            default_for_string=False,
            default=False,
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["number_words"] = number_words
    env.filters["long_date"] = long_date
    env.filters["plural"] = plural
    env.filters["sentence"] = sentence
    return env


def render(name: str, context: dict[str, Any], directory: Path | None = None) -> str:
    """Render template `name` (e.g. 'reply/complete.txt.j2'); problems raise TemplateProblem."""
    env = template_environment(directory or DEFAULT_TEMPLATES_DIR)
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(f"template {exc.name} is missing") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(
            f"template {exc.filename or name}, line {exc.lineno}: {exc.message}"
        ) from exc
    except jinja2.UndefinedError as exc:
        raise TemplateProblem(f"template {name}: {exc.message}") from exc
