"""The store's schema as named, append-only migrations: never edit a shipped one, add a new one."""

from __future__ import annotations

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
]
