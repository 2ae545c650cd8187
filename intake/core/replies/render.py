"""The Jinja2 environment shared by replies and clerk summaries.

Templates live in the project's `templates/` folder, where a court edits their wording.
Undefined variables are errors (`StrictUndefined`), so a typo in a template fails the
tests instead of printing an empty string to an attorney; HTML templates (`*.html.j2`)
are autoescaped, plain-text ones are not.

A folder's templates are a `TemplateSet`: every file read and every `*.j2` compiled at
once, held in memory and never read again (no Jinja auto-reload). So an edit on disk
changes nothing until the set is loaded anew, and a load either yields a whole new set
or fails naming every broken file - the daemon's SIGHUP takes a new set only when it
compiled, and a bad edit never reaches a reply.

The set is passed to whatever renders (compose_reply, the clerk pages, the digest), never
installed globally: the poll renders with the set its runtime loaded. `shipped_templates`
is the set of the shipped folder, for callers that take no court's templates (tests,
`intake check`-like tools).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from intake.core.display import displayable
from intake.core.replies.business_days import long_date
from intake.errors import SetupError
from intake.shipped import shipped_folder

DEFAULT_TEMPLATES_DIR = shipped_folder("templates")

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


class TemplateProblem(SetupError):
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


class TemplateSet:
    """The compiled templates of one folder, as they were when `load_templates` read them."""

    def __init__(self, directory: Path, environment: jinja2.Environment) -> None:
        self.directory = directory
        self.environment = environment

    @property
    def names(self) -> list[str]:
        return self.environment.list_templates()

    def render(self, name: str, context: dict[str, Any]) -> str:
        """Render template `name`; a missing one or a bad variable raises TemplateProblem."""
        try:
            return self.environment.get_template(name).render(**context)
        except jinja2.TemplateNotFound as exc:
            raise TemplateProblem(f"template {exc.name} is missing (in {self.directory})") from exc
        except jinja2.TemplateSyntaxError as exc:  # not compiled up front: not a *.j2
            raise TemplateProblem(
                f"template {self.directory / name}, line {exc.lineno}: {exc.message}"
            ) from exc
        except TemplateProblem:
            raise
        except Exception as exc:  # an undefined variable, a filter given the wrong type
            what = exc.message if isinstance(exc, jinja2.UndefinedError) else f"{exc}"
            raise TemplateProblem(f"{self.where(exc, name)}: {what}") from exc

    def where(self, exc: BaseException, name: str) -> str:
        """'FILE, line N' of the template line that raised (Jinja keeps it in the
        traceback, since each template is compiled with its file name)."""
        tb = exc.__traceback__
        found: tuple[str, int] | None = None
        while tb is not None:
            filename = tb.tb_frame.f_code.co_filename
            if filename.endswith(".j2"):
                found = (filename, tb.tb_lineno)
            tb = tb.tb_next
        if found is None:
            return f"template {self.directory / name}"
        return f"template {found[0]}, line {found[1]}"


def _displayable_value(value: Any) -> Any:
    # Markup (already escaped, has __html__) is the templates' own: left as it is.
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return displayable(value, multiline=True)
    return value


def new_environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    """An environment with our filters and escaping rules; it never re-reads a file."""
    env = jinja2.Environment(
        loader=loader,
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
        auto_reload=False,
        cache_size=-1,  # every compiled template stays: nothing is compiled twice
        # Every value a template shows loses terminal controls and bidi overrides.
        finalize=_displayable_value,
    )
    env.filters["number_words"] = number_words
    env.filters["long_date"] = long_date
    env.filters["plural"] = plural
    env.filters["sentence"] = sentence
    return env


def _read_sources(directory: Path) -> tuple[dict[str, str], list[str]]:
    """Every text file under `directory` by template name; problems for unreadable *.j2."""
    if not directory.is_dir():
        return {}, [f"{directory}: no templates folder here"]
    sources: dict[str, str] = {}
    problems: list[str] = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        name = path.relative_to(directory).as_posix()
        try:
            sources[name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            if name.endswith(".j2"):  # other files (a logo) are no templates
                problems.append(f"{path}: unreadable ({exc})")
    return sources, problems


class _FolderLoader(jinja2.BaseLoader):
    """The sources read once, each with its file name: a runtime error's traceback then
    says which file and line raised."""

    def __init__(self, sources: dict[str, str], directory: Path) -> None:
        self.sources = sources
        self.directory = directory

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if template not in self.sources:
            raise jinja2.TemplateNotFound(template)
        return self.sources[template], str(self.directory / template), lambda: True

    def list_templates(self) -> list[str]:
        return sorted(self.sources)


def compile_templates(directory: Path) -> tuple[TemplateSet, list[str]]:
    """Read the folder once and compile every *.j2; the set and each problem found.

    A problem reads 'file, line N: what' (one per broken file, all of them).
    """
    sources, problems = _read_sources(directory)
    env = new_environment(_FolderLoader(sources, directory))
    for name in sorted(sources):
        if not name.endswith(".j2"):
            continue
        try:
            env.get_template(name)  # compiled now, and cached for good
        except jinja2.TemplateSyntaxError as exc:
            where = directory / (exc.name or name)
            problems.append(f"{where}, line {exc.lineno}: {exc.message}")
    return TemplateSet(directory, env), problems


def load_templates(directory: Path) -> TemplateSet:
    """The folder's templates, all compiled; TemplateProblem naming every broken file."""
    templates, problems = compile_templates(directory)
    if problems:
        raise TemplateProblem("; ".join(problems))
    return templates


@functools.cache
def shipped_templates() -> TemplateSet:
    """The templates that come with intake, compiled once (they do not change on disk
    while intake runs; a court's own folder is loaded by its runtime instead)."""
    return load_templates(DEFAULT_TEMPLATES_DIR)
