"""Attachment → `Document`: sniff, read the PDF's text, decide its kind, read its facts."""

from __future__ import annotations

from intake.model import Attachment, Document
from intake.policy.rules import Rules


def read_document(attachment: Attachment, rules: Rules) -> Document:
    raise NotImplementedError
