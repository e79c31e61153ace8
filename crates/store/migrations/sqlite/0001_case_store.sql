-- The case store: who may sign in, what the scans found, what the analysts did with it,
-- and the audit log. Times are Unix seconds (UTC). Identifiers in clear live only in
-- `entities`; everything else refers to an entity by its row.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('analyst', 'supervisor', 'auditor', 'admin')),
    password_hash TEXT NOT NULL,
    locked INTEGER NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    created_at INTEGER NOT NULL
);
-- Users are locked, never deleted: their names stay meaningful in the audit log.
CREATE TRIGGER users_no_delete BEFORE DELETE ON users
BEGIN SELECT RAISE(ABORT, 'users are locked, never deleted'); END;

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE entities (
    id INTEGER PRIMARY KEY,
    entity_type TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (entity_type, value)
);

CREATE TABLE scans (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    source TEXT NOT NULL,
    -- The dataset folder the scan read, when known: the number profile reads it.
    dataset TEXT,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    progress TEXT NOT NULL DEFAULT '',
    error TEXT,
    alerts INTEGER NOT NULL DEFAULT 0,
    new_alerts INTEGER NOT NULL DEFAULT 0,
    clusters INTEGER NOT NULL DEFAULT 0,
    started_by INTEGER REFERENCES users (id),
    started_at INTEGER NOT NULL,
    finished_at INTEGER
);

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('new', 'in_progress', 'closed')),
    disposition TEXT CHECK (disposition IN ('confirmed', 'dismissed', 'duplicate')),
    reason TEXT,
    assignee INTEGER REFERENCES users (id),
    severity TEXT NOT NULL,
    sev_rank INTEGER NOT NULL,
    due_at INTEGER NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    detector TEXT NOT NULL,
    entity INTEGER NOT NULL REFERENCES entities (id),
    score REAL NOT NULL,
    severity TEXT NOT NULL,
    sev_rank INTEGER NOT NULL,
    explanation TEXT NOT NULL,
    evidence TEXT NOT NULL,
    first_seen INTEGER,
    last_seen INTEGER,
    first_scan INTEGER NOT NULL REFERENCES scans (id),
    last_scan INTEGER NOT NULL REFERENCES scans (id),
    times_seen INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('new', 'in_progress', 'closed')),
    -- The default queue is the open alerts, most severe first: one index serves it.
    open INTEGER GENERATED ALWAYS AS (CASE WHEN status = 'closed' THEN 0 ELSE 1 END) STORED,
    disposition TEXT CHECK (disposition IN ('confirmed', 'dismissed', 'duplicate')),
    reason TEXT,
    assignee INTEGER REFERENCES users (id),
    case_id INTEGER REFERENCES cases (id),
    due_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (detector, entity)
);
CREATE INDEX alerts_queue ON alerts (open, sev_rank, score, id);
CREATE INDEX alerts_status ON alerts (status, sev_rank, score, id);
CREATE INDEX alerts_due ON alerts (open, due_at, id);
CREATE INDEX alerts_entity ON alerts (entity);
CREATE INDEX alerts_case ON alerts (case_id);

CREATE TABLE clusters (
    id INTEGER PRIMARY KEY,
    scan INTEGER NOT NULL REFERENCES scans (id),
    key TEXT NOT NULL,
    cases INTEGER NOT NULL,
    members INTEGER NOT NULL,
    loss INTEGER NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (scan, key)
);

CREATE TABLE case_clusters (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    cluster INTEGER NOT NULL REFERENCES clusters (id),
    PRIMARY KEY (case_id, cluster)
);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    object_type TEXT NOT NULL,
    object_id INTEGER NOT NULL,
    author INTEGER NOT NULL REFERENCES users (id),
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX comments_object ON comments (object_type, object_id);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    object_type TEXT NOT NULL,
    object_id INTEGER NOT NULL,
    actor INTEGER REFERENCES users (id),
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX events_object ON events (object_type, object_id);

CREATE TABLE reveals (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    entity INTEGER NOT NULL REFERENCES entities (id),
    case_id INTEGER NOT NULL REFERENCES cases (id),
    reason TEXT NOT NULL,
    granted_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE exports (
    id INTEGER PRIMARY KEY,
    requested_by INTEGER NOT NULL REFERENCES users (id),
    object_type TEXT NOT NULL CHECK (object_type IN ('case', 'cluster')),
    object_id INTEGER NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('csv', 'graphml', 'i2')),
    unmasked INTEGER NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
    decided_by INTEGER REFERENCES users (id),
    decided_at INTEGER,
    created_at INTEGER NOT NULL,
    CHECK (decided_by IS NULL OR decided_by <> requested_by)
);

-- Append-only and hash-chained: each entry's hash covers its fields and the hash of the
-- entry before it, so an edit, a deletion or a reordering breaks the chain.
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    channel TEXT NOT NULL,
    request_id TEXT NOT NULL,
    address TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
