-- Comments (context for alerts), threads, alerts, decisions, policy changes.
-- Times are epoch seconds (REAL). `ingested_at` is wall-clock arrival, used for retention.
CREATE TABLE comments (
    comment_id  TEXT PRIMARY KEY,
    thread_id   TEXT NOT NULL,
    parent_id   TEXT,
    author_id   TEXT NOT NULL,
    author_name TEXT,
    community   TEXT,
    text        TEXT NOT NULL,
    created_at  REAL NOT NULL,
    edited_at   REAL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    ingested_at REAL NOT NULL
);
CREATE INDEX comments_by_thread ON comments (thread_id, created_at);
CREATE INDEX comments_by_arrival ON comments (ingested_at);
CREATE INDEX comments_by_author ON comments (author_id, created_at);

CREATE TABLE threads (
    thread_id   TEXT PRIMARY KEY,
    community   TEXT,
    first_at    REAL NOT NULL,
    last_at     REAL NOT NULL,
    ingested_at REAL NOT NULL
);

CREATE TABLE alerts (
    seq                INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id           TEXT NOT NULL UNIQUE,
    thread_id          TEXT NOT NULL,
    severity           TEXT NOT NULL,
    score              REAL NOT NULL,
    trigger_comment_id TEXT NOT NULL,
    offender_author_id TEXT,
    target_author_id   TEXT,
    community          TEXT,
    tier               TEXT,
    rules              TEXT NOT NULL DEFAULT '[]',
    status             TEXT NOT NULL DEFAULT 'new',
    suppressed         INTEGER NOT NULL DEFAULT 0,
    event_time         REAL NOT NULL,
    detected_at        REAL NOT NULL,
    ingested_at        REAL NOT NULL,
    raw                TEXT NOT NULL
);
CREATE INDEX alerts_by_thread ON alerts (thread_id);
CREATE INDEX alerts_by_status ON alerts (status, seq);
CREATE INDEX alerts_by_arrival ON alerts (ingested_at);

CREATE TABLE decisions (
    feedback_id TEXT PRIMARY KEY,
    alert_id    TEXT NOT NULL,
    decision    TEXT NOT NULL,
    note        TEXT,
    moderator   TEXT NOT NULL,
    decided_at  REAL NOT NULL,
    record      TEXT NOT NULL,
    published   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX decisions_by_alert ON decisions (alert_id, decided_at);
CREATE INDEX decisions_unpublished ON decisions (published);

CREATE TABLE policy_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    community  TEXT NOT NULL,
    policy     TEXT NOT NULL,
    applied_by TEXT NOT NULL,
    applied_at REAL NOT NULL
);
