"""Where the rules and templates that come with intake are: inside the installed package
(`intake/rules`, `intake/templates`, copied there by the build: see setup.py), or, when
intake runs from its source tree, the project's top-level `rules/` and `templates/`.

A court's own folders (`rules_dir`, `[reply] templates_dir`) replace these; they are only
the default.
"""

from __future__ import annotations

from pathlib import Path


def shipped_folder(name: str) -> Path:
    """The shipped folder `name` ("rules" or "templates")."""
    # The package's own folder, as importlib.resources.files("intake") gives it for a
    # package on the file system, without importing importlib.resources (~5 ms of CPU
    # at every start: intake check imports this module); inside a zip it is no folder.
    inside = Path(__file__).resolve().parent / name
    if inside.is_dir():
        return inside
    # A source checkout (or an editable install): the folder sits beside the package.
    return Path(__file__).resolve().parents[1] / name
