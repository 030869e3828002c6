CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TIMESTAMP NOT NULL,
    actor_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_login  TEXT NOT NULL DEFAULT '',
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL DEFAULT '',
    subject_id   INTEGER,
    subject_name TEXT NOT NULL DEFAULT '',
    detail       TEXT NOT NULL DEFAULT '',
    remote_addr  TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
