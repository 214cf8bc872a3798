"""The store's schema as named, append-only migrations: never edit a shipped one, add a new one."""

from __future__ import annotations

import re

# which writes to a draft's rows bump its count (`drafts.writes`), on both backends: (table, verb); appending to the
# audit log is how the log grows (a seal's own event is appended after it reads the count)
COUNTED_WRITES = (
    *((t, v) for t in ("versions", "notes", "reviews", "predictions") for v in ("INSERT", "UPDATE", "DELETE")),
    ("audit", "UPDATE"),
    ("audit", "DELETE"),
)
# which rows of a write to a draft's table name the draft(s) whose count it bumps
_ROW_WRITES = {"INSERT": "NEW.draft_id", "UPDATE": "OLD.draft_id, NEW.draft_id", "DELETE": "OLD.draft_id"}

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        """
        CREATE TABLE drafts (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('text', 'code')),
            lang TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            current_version INTEGER NOT NULL,
            approved_sha256 TEXT,
            approved_version INTEGER,
            incomplete INTEGER NOT NULL DEFAULT 0,
            confidence_level TEXT,
            confidence_score REAL,
            request_json TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX drafts_status ON drafts (status);

        CREATE TABLE versions (
            draft_id TEXT NOT NULL REFERENCES drafts (id),
            number INTEGER NOT NULL,
            content TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            origin TEXT NOT NULL CHECK (origin IN ('model', 'human', 'imported')),
            author TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            meta_json TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (draft_id, number)
        );

        CREATE VIRTUAL TABLE drafts_fts USING fts5 (content);

        CREATE TABLE notes (
            id TEXT PRIMARY KEY,
            draft_id TEXT NOT NULL REFERENCES drafts (id),
            number INTEGER NOT NULL,
            version INTEGER NOT NULL,
            kind TEXT NOT NULL,
            severity TEXT NOT NULL CHECK (severity IN ('info', 'verify', 'blocking')),
            line_start INTEGER,
            line_end INTEGER,
            quote TEXT NOT NULL DEFAULT '',
            why TEXT NOT NULL,
            risk REAL,
            signals_json TEXT NOT NULL DEFAULT '{}',
            source TEXT NOT NULL,
            author TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            resolution_json TEXT,
            UNIQUE (draft_id, number)
        );

        CREATE TABLE reviews (
            id TEXT PRIMARY KEY,
            draft_id TEXT NOT NULL REFERENCES drafts (id),
            version INTEGER NOT NULL,
            reviewer TEXT NOT NULL,
            editorial_responsibility TEXT NOT NULL,
            status TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            reason TEXT NOT NULL DEFAULT '',
            seen_json TEXT NOT NULL DEFAULT '[]',
            decisions_json TEXT NOT NULL DEFAULT '[]'
        );
        CREATE INDEX reviews_draft ON reviews (draft_id);

        CREATE TABLE audit (
            seq INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            event TEXT NOT NULL,
            draft_id TEXT,
            payload_json TEXT NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_draft ON audit (draft_id);

        CREATE TABLE predictions (
            id INTEGER PRIMARY KEY,
            draft_id TEXT NOT NULL REFERENCES drafts (id),
            version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            model TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            calibrator TEXT NOT NULL DEFAULT 'default',
            features_json TEXT NOT NULL,
            risk REAL,
            level TEXT,
            outcome_json TEXT,
            outcome_at TEXT
        );
        CREATE INDEX predictions_draft ON predictions (draft_id);

        CREATE TABLE ideas (
            id TEXT PRIMARY KEY,
            batch TEXT NOT NULL,
            number INTEGER NOT NULL,
            topic TEXT NOT NULL,
            title TEXT NOT NULL,
            rationale TEXT NOT NULL,
            risks_json TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL
        );
        """,
    ),
    (
        "0002_calibrators",
        """
        CREATE TABLE calibrators (
            version TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            method TEXT NOT NULL CHECK (method IN ('platt', 'isotonic')),
            params_json TEXT NOT NULL,
            thresholds_json TEXT NOT NULL,
            n_labels INTEGER NOT NULL,
            metrics_json TEXT NOT NULL DEFAULT '{}',
            active INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX calibrators_one_active ON calibrators (active) WHERE active = 1;
        """,
    ),
    (
        # A draft's export record, made once when it becomes final and recorded in the audit chain (the event
        # `audit_seq` holds its digest), so `export --all` writes it instead of rebuilding it from a dozen rows per
        # draft. `head` and `tail` are that JSON line around its content, which stays in its version row and is
        # checked against the approved sha256 as it is read. `drafts.writes` counts every write to a draft's rows
        # and audit events (the triggers count hand edits too, and the count can only grow): a seal holds only
        # while the count is the one it was made at; otherwise the export rebuilds the record and checks each row.
        "0003_seals",
        """
        CREATE TABLE seals (
            draft_id TEXT NOT NULL REFERENCES drafts (id),
            version INTEGER NOT NULL,
            content_sha256 TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            writes INTEGER NOT NULL,
            audit_seq INTEGER NOT NULL,
            head TEXT NOT NULL,
            tail TEXT NOT NULL,
            PRIMARY KEY (draft_id, version)
        );
        ALTER TABLE drafts ADD COLUMN writes INTEGER NOT NULL DEFAULT 0;
        CREATE TRIGGER drafts_writes_only_grow BEFORE UPDATE OF writes ON drafts WHEN NEW.writes < OLD.writes
        BEGIN SELECT RAISE(ABORT, 'drafts.writes only grows'); END;
        CREATE TRIGGER drafts_update_counts
        AFTER UPDATE OF id, title, kind, lang, status, current_version, approved_sha256, approved_version ON drafts
        BEGIN UPDATE drafts SET writes = writes + 1 WHERE id = NEW.id; END;
        """
        + "".join(
            f"""
        CREATE TRIGGER {table}_{verb.lower()}_counts AFTER {verb} ON {table}
        BEGIN UPDATE drafts SET writes = writes + 1 WHERE id IN ({_ROW_WRITES[verb]}); END;"""
            for table, verb in COUNTED_WRITES
        ),
    ),
]

MIGRATIONS.append(
    (
        # Teams (issue 17): the review policy, written only with its audit event (`audit_seq` holds the policy it
        # recorded), and who is asked to review a draft.
        "0004_team",
        """
        CREATE TABLE policies (
            name TEXT PRIMARY KEY,
            value_json TEXT NOT NULL,
            audit_seq INTEGER NOT NULL
        );
        CREATE TABLE assignments (
            draft_id TEXT PRIMARY KEY REFERENCES drafts (id),
            assignee TEXT NOT NULL,
            assigned_by TEXT NOT NULL,
            assigned_at TEXT NOT NULL
        );
        """,
    )
)

MIGRATIONS.append(
    (
        # PostgreSQL's 0005 makes the server check the database role an audit event names; a SQLite file has one
        # writer, its owner, and no roles: nothing to check, but the migrations keep the same names on both backends.
        "0005_audit_names_its_writer",
        "SELECT 1;",
    )
)

# The triggers a seal's write count relies on: where one is missing (dropped by hand), no seal is trusted.
COUNTING_TRIGGERS = frozenset(re.findall(r"CREATE TRIGGER (?:IF NOT EXISTS )?(\w+)", dict(MIGRATIONS)["0003_seals"]))
