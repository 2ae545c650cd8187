"""Documents of one request → `Assessment` (SPEC 4.2-4.4). Pure."""

from __future__ import annotations

from collections.abc import Sequence

from intake.model import Assessment, Document
from intake.policy.rules import Rules


def assess(documents: Sequence[Document], sender_name: str | None, rules: Rules) -> Assessment:
    """Assess every document received so far from one attorney.

    `sender_name` is the From display name, used for the attorney's name when no letter
    gives it.
    """
    raise NotImplementedError
