"""The court the tests write replies for: one set of reply settings, shared."""

from __future__ import annotations

import dataclasses
from typing import Any

from intake.core.policy.rules import Rules
from intake.core.replies.compose import ReplySettings

COURT_NAME = "U.S. Bankruptcy Court, Northern District of California"
TRAINING_MAILBOX = "ecf-training@canb.example.gov"
REGISTRATION_URL = "https://train-pacer.example.gov/register"


def reply_settings(rules: Rules, **changes: Any) -> ReplySettings:
    """The test court's reply settings with `rules`; `changes` replace single fields."""
    settings = ReplySettings(
        court_name=COURT_NAME,
        from_address=TRAINING_MAILBOX,
        clerk_mailbox=TRAINING_MAILBOX,
        registration_url=REGISTRATION_URL,
        rules=rules,
    )
    return dataclasses.replace(settings, **changes)
