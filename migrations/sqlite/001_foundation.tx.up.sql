CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'client')),
    slack_id      TEXT UNIQUE,
    discord_id    TEXT UNIQUE,
    time_zone     TEXT NOT NULL DEFAULT 'UTC',
    password_hash TEXT NOT NULL DEFAULT '',
    disabled_at   TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX users_role_idx ON users (role);
--bun:split
CREATE TABLE interests (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    color      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE companies (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    search     TEXT NOT NULL,
    address    TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT '',
    website    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE company_interests (
    company_id  INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    interest_id INTEGER NOT NULL REFERENCES interests (id) ON DELETE CASCADE,
    PRIMARY KEY (company_id, interest_id)
);
--bun:split
CREATE INDEX company_interests_interest_idx ON company_interests (interest_id);
--bun:split
CREATE TABLE comments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id  INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    author_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_name TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX comments_company_idx ON comments (company_id, created_at);
--bun:split
CREATE TABLE people (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name TEXT NOT NULL,
    last_name  TEXT NOT NULL DEFAULT '',
    search     TEXT NOT NULL,
    email      TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    job_title  TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE company_people (
    company_id INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    job_title  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (company_id, person_id)
);
--bun:split
CREATE INDEX company_people_person_idx ON company_people (person_id);
--bun:split
CREATE TABLE tasks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    place           TEXT NOT NULL DEFAULT '',
    due_at          TIMESTAMP NOT NULL,
    remind_minutes  INTEGER NOT NULL DEFAULT 60,
    description     TEXT NOT NULL DEFAULT '',
    done_at         TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX tasks_owner_due_idx ON tasks (owner_id, due_at);
--bun:split
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
--bun:split
CREATE TABLE tickets (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    number           INTEGER NOT NULL UNIQUE,
    subject          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    visibility       TEXT NOT NULL CHECK (visibility IN ('private', 'public')),
    opener_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    discord_thread_id TEXT UNIQUE,
    slack_channel_id TEXT,
    slack_thread_ts  TEXT,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    closed_at        TIMESTAMP,
    UNIQUE (slack_channel_id, slack_thread_ts)
);
--bun:split
CREATE TABLE ticket_participants (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
);
--bun:split
CREATE INDEX ticket_participants_user_idx ON ticket_participants (user_id);
--bun:split
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id       INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_name     TEXT NOT NULL,
    body            TEXT NOT NULL,
    attachments     TEXT NOT NULL DEFAULT '[]',
    internal        BOOLEAN NOT NULL DEFAULT FALSE,
    source_platform TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    target_id       TEXT,
    created_at      TIMESTAMP NOT NULL,
    edited_at       TIMESTAMP,
    deleted_at      TIMESTAMP,
    UNIQUE (source_platform, source_id)
);
--bun:split
CREATE INDEX messages_ticket_idx ON messages (ticket_id, id);
--bun:split
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    stream          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    platform        TEXT NOT NULL,
    ticket_id       INTEGER REFERENCES tickets (id) ON DELETE CASCADE,
    message_id      INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    payload         TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL CHECK (status IN ('pending', 'done', 'parked')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP,
    locked_by       TEXT NOT NULL DEFAULT '',
    last_error      TEXT NOT NULL DEFAULT '',
    remote_id       TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    done_at         TIMESTAMP
);
--bun:split
CREATE INDEX deliveries_pending_idx ON deliveries (next_attempt_at) WHERE status = 'pending';
--bun:split
CREATE INDEX deliveries_stream_idx ON deliveries (stream, id);
--bun:split
CREATE TABLE inbound_events (
    platform   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (platform, event_id)
);
