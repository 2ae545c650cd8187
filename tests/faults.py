"""Faults the tests inject into the pipeline, in one place."""

from __future__ import annotations

from typing import Any

import pytest

import intake.service.cycle as pipeline
from intake.core.model import Envelope
from intake.core.policy.rules import Rules
from intake.service import documents


def reader_fails_on(monkeypatch: pytest.MonkeyPatch, filename: str) -> None:
    """Make the (pure) document reader raise for one file, as a bug in it would."""
    real = documents.read_documents

    def reader(envelope: Envelope, rules: Rules) -> list[Any]:
        if any(a.filename == filename for a in envelope.attachments):
            raise ValueError(f"cannot cope with {filename}")
        return real(envelope, rules)

    monkeypatch.setattr(pipeline, "read_documents", reader)
