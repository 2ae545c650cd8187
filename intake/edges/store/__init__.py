"""Durable state: one SQLite file in the state folder (see `db.Store`)."""

from intake.edges.store.db import DB_FILENAME, Store, StoreError, utc_now
from intake.edges.store.records import (
    ACCUMULATING,
    AuditRow,
    MailboxAction,
    MessageRow,
    MessageStatus,
    OutboxRow,
    PollRow,
    RequestRow,
    RequestStatus,
)
from intake.edges.store.schema import LATEST as SCHEMA_VERSION

__all__ = [
    "ACCUMULATING",
    "DB_FILENAME",
    "SCHEMA_VERSION",
    "AuditRow",
    "MailboxAction",
    "MessageRow",
    "MessageStatus",
    "OutboxRow",
    "PollRow",
    "RequestRow",
    "RequestStatus",
    "Store",
    "StoreError",
    "utc_now",
]
