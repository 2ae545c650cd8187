"""Where the rules and templates that come with intake are: inside the installed package
(`intake/rules`, `intake/templates`, copied there by the build: see setup.py), or, when
intake runs from its source tree, the project's top-level `rules/` and `templates/`.

A court's own folders (`rules_dir`, `[reply] templates_dir`) replace these; they are only
the default.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def shipped_folder(name: str) -> Path:
    """The shipped folder `name` ("rules" or "templates")."""
    inside = files("intake") / name
    if isinstance(inside, Path) and inside.is_dir():
        return inside
    # A source checkout (or an editable install): the folder sits beside the package.
    return Path(__file__).resolve().parents[1] / name
