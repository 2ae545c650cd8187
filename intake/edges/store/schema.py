"""The state database's schema, as ordered migrations applied when the store opens.

Each migration moves the schema from version N-1 to N and runs in one transaction
together with the bump of `schema_version`, so a crash leaves the file at one version
or the next, never between. Never edit a migration that has shipped: add the next one.
"""

from __future__ import annotations

import sqlite3

from intake.errors import IntakeError

V1_CORE = """
CREATE TABLE requests (
    id              INTEGER PRIMARY KEY,
    attorney        TEXT NOT NULL,          -- normalized sender address: the attorney's key
    attorney_name   TEXT,                   -- latest From display name, for the assessment
    status          TEXT NOT NULL CHECK (status IN
                        ('open', 'complete', 'needs_review', 'training_required',
                         'incomplete', 'closed')),
    closed_reason   TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
-- One request per attorney accumulates documents until it is complete or closed.
CREATE UNIQUE INDEX requests_one_open_per_attorney
    ON requests (attorney) WHERE status NOT IN ('complete', 'closed');
CREATE INDEX requests_status ON requests (status);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    folder          TEXT NOT NULL,
    uidvalidity     INTEGER NOT NULL,
    uid             INTEGER NOT NULL,
    message_id      TEXT,
    sha256          TEXT NOT NULL,          -- of the raw bytes as fetched
    size            INTEGER NOT NULL,
    sender          TEXT,
    subject         TEXT,
    status          TEXT NOT NULL CHECK (status IN
                        ('received', 'processed', 'failed', 'ignored', 'duplicate')),
    error           TEXT,                   -- why it failed, or why it was ignored
    request_id      INTEGER REFERENCES requests (id),
    duplicate_of    INTEGER REFERENCES messages (id),
    -- The mailbox action owed for this message ('processed' | 'failed'), and when it was
    -- applied: an action that is owed but not done is applied again at the next poll.
    mailbox_action  TEXT CHECK (mailbox_action IN ('processed', 'failed')),
    action_done_at  TEXT,
    received_at     TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (folder, uidvalidity, uid)
);
CREATE INDEX messages_message_id ON messages (message_id);
CREATE INDEX messages_sha256 ON messages (sha256);
CREATE INDEX messages_request ON messages (request_id);
CREATE INDEX messages_pending_action
    ON messages (folder, uidvalidity) WHERE mailbox_action IS NOT NULL AND action_done_at IS NULL;

CREATE TABLE mailbox_cursor (
    folder          TEXT NOT NULL,
    uidvalidity     INTEGER NOT NULL,
    last_uid        INTEGER NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (folder, uidvalidity)
);

CREATE TABLE documents (
    sha256          TEXT PRIMARY KEY,
    filename        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    facts           TEXT NOT NULL,          -- Document.model_dump_json()
    first_message   INTEGER NOT NULL REFERENCES messages (id),
    created_at      TEXT NOT NULL
);

CREATE TABLE request_documents (
    request_id      INTEGER NOT NULL REFERENCES requests (id),
    sha256          TEXT NOT NULL REFERENCES documents (sha256),
    filename        TEXT NOT NULL,          -- as named in this request's email
    message         INTEGER NOT NULL REFERENCES messages (id),
    added_at        TEXT NOT NULL,
    PRIMARY KEY (request_id, sha256)
);

CREATE TABLE assessments (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL REFERENCES requests (id),
    message         INTEGER REFERENCES messages (id),   -- the email that prompted it
    status          TEXT NOT NULL,
    assessment      TEXT NOT NULL,          -- Assessment.model_dump_json()
    created_at      TEXT NOT NULL
);
CREATE INDEX assessments_request ON assessments (request_id);

CREATE TABLE audit (
    id              INTEGER PRIMARY KEY,
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,          -- 'poll', 'retry', 'clerk:<name>', ...
    action          TEXT NOT NULL,
    subject         TEXT NOT NULL,          -- 'message:12', 'request:3', 'mailbox:INBOX'
    detail          TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_subject ON audit (subject);
"""

V2_OUTBOX = """
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER REFERENCES requests (id),
    message_id      TEXT NOT NULL UNIQUE,   -- fixed at insert, so a resend is recognizable
    kind            TEXT NOT NULL,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    sent_at         TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
"""

V3_POLLS = """
-- One row per poll the daemon ran, for `intake status` (the last poll, recent failures).
CREATE TABLE polls (
    id              INTEGER PRIMARY KEY,
    started_at      TEXT NOT NULL,
    finished_at     TEXT NOT NULL,
    ok              INTEGER NOT NULL CHECK (ok IN (0, 1)),
    result          TEXT NOT NULL,          -- PollResult.summary(), or what failed
    error           TEXT
);
"""

V4_SENDING = """
-- The full bytes of the message as it will be sent (Message-ID fixed inside them).
-- NULL: a clerk summary queued with its assessment whose page and packet are rendered
-- just after that transaction (rendering a packet is too slow to hold the write lock).
ALTER TABLE outbox ADD COLUMN raw BLOB;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
-- When the request first became complete: the decision window counts from here.
ALTER TABLE requests ADD COLUMN completed_at TEXT;
CREATE INDEX outbox_recipient_day ON outbox (to_address, kind, created_at);
"""

V5_ONCE = """
-- What an email carried: the SHA-256 of its attachments' hashes and sizes, sorted. The
-- same Message-ID with the same key is the same email however its headers differ; with
-- another key, a conflict for the clerk. NULL: recorded before this column existed.
ALTER TABLE messages ADD COLUMN documents_key TEXT;
-- A sender's claim on an outbox row while it sends it (any process: daemon, CLI,
-- digest): taken in one UPDATE, so two senders never send one row; `claimed_until`
-- lets the next round take over the row of a sender that died mid-send.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
"""

V6_DECISIONS = """
-- A clerk's decision on one document of a request (`intake requests decide`): an input
-- of every later assessment of that request, applied to that document (by its hash)
-- only. kind: letter_accepted | affirmation_accepted | counted | not_counted.
CREATE TABLE decisions (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL REFERENCES requests(id),
    sha256          TEXT NOT NULL,
    filename        TEXT NOT NULL,
    kind            TEXT NOT NULL,
    affirmation     TEXT,                   -- affirmation_accepted: its id
    notice          INTEGER NOT NULL DEFAULT 0,
    clerk           TEXT NOT NULL,
    reason          TEXT NOT NULL,
    at              TEXT NOT NULL
);
CREATE INDEX decisions_request ON decisions (request_id, id);
"""

V7_HOSTILE = """
-- Whether the court's mail server authenticated the sender (issue 10): 'off' (no
-- sender check configured), 'verified' or 'not_verified', with what it found.
ALTER TABLE messages ADD COLUMN sender_check TEXT;
ALTER TABLE messages ADD COLUMN sender_check_detail TEXT;
-- Marks made (and committed) before a message is handled; deleted in the transaction
-- that records it. A mark still there at the next poll means that handling was
-- interrupted (killed, out of memory, a crash in C code): after two, the message is
-- recorded failed and set aside instead of being tried again forever.
CREATE TABLE message_attempts (
    folder          TEXT NOT NULL,
    uidvalidity     INTEGER NOT NULL,
    uid             INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    last_started_at TEXT NOT NULL,
    PRIMARY KEY (folder, uidvalidity, uid)
);
"""

# Version N is MIGRATIONS[N - 1].
MIGRATIONS: tuple[str, ...] = (
    V1_CORE,
    V2_OUTBOX,
    V3_POLLS,
    V4_SENDING,
    V5_ONCE,
    V6_DECISIONS,
    V7_HOSTILE,
)
LATEST = len(MIGRATIONS)


class SchemaError(IntakeError):
    """The database is from a newer release, or a migration failed."""


def current_version(conn: sqlite3.Connection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(conn: sqlite3.Connection, target: int = LATEST) -> int:
    """Apply the migrations above the database's version up to `target`; return the version.

    `conn` must be in autocommit mode (isolation_level=None): each step is its own
    BEGIN IMMEDIATE … COMMIT, so two processes opening the same file do not both migrate.
    """
    if not 0 <= target <= LATEST:
        raise ValueError(f"no schema version {target} (latest is {LATEST})")
    version = current_version(conn)
    if version > LATEST:
        raise SchemaError(
            f"the state database is at schema version {version}, newer than this release "
            f"knows ({LATEST}): upgrade intake, or use another state_dir"
        )
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have migrated while we waited for the lock.
            version = current_version(conn)
            if version >= target:
                conn.execute("COMMIT")
                break
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
            version += 1
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise SchemaError(f"migration to schema version {version + 1} failed: {exc}") from exc
    return version


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit on its own)."""
    out: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            out.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        out.append(buffer.strip())
    return [s for s in out if s.strip(" \n;")]
