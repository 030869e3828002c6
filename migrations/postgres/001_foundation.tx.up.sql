CREATE EXTENSION IF NOT EXISTS pg_trgm;
--bun:split
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'client')),
    slack_id      TEXT UNIQUE,
    discord_id    TEXT UNIQUE,
    time_zone     TEXT NOT NULL DEFAULT 'UTC',
    password_hash TEXT NOT NULL DEFAULT '',
    disabled_at   TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE INDEX users_role_idx ON users (role);
--bun:split
CREATE TABLE interests (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    color      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE TABLE companies (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    search     TEXT NOT NULL,
    address    TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT '',
    website    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE INDEX companies_search_trgm ON companies USING gin (search gin_trgm_ops);
--bun:split
CREATE TABLE company_interests (
    company_id  BIGINT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    interest_id BIGINT NOT NULL REFERENCES interests (id) ON DELETE CASCADE,
    PRIMARY KEY (company_id, interest_id)
);
--bun:split
CREATE INDEX company_interests_interest_idx ON company_interests (interest_id);
--bun:split
CREATE TABLE comments (
    id          BIGSERIAL PRIMARY KEY,
    company_id  BIGINT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    author_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    author_name TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE INDEX comments_company_idx ON comments (company_id, created_at);
--bun:split
CREATE TABLE people (
    id         BIGSERIAL PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name  TEXT NOT NULL DEFAULT '',
    search     TEXT NOT NULL,
    email      TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    job_title  TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE INDEX people_search_trgm ON people USING gin (search gin_trgm_ops);
--bun:split
CREATE TABLE company_people (
    company_id BIGINT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    person_id  BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    job_title  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (company_id, person_id)
);
--bun:split
CREATE INDEX company_people_person_idx ON company_people (person_id);
--bun:split
CREATE TABLE tasks (
    id              BIGSERIAL PRIMARY KEY,
    owner_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    place           TEXT NOT NULL DEFAULT '',
    due_at          TIMESTAMPTZ NOT NULL,
    remind_minutes  INTEGER NOT NULL DEFAULT 60,
    description     TEXT NOT NULL DEFAULT '',
    done_at         TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
--bun:split
CREATE INDEX tasks_owner_due_idx ON tasks (owner_id, due_at);
--bun:split
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
--bun:split
CREATE TABLE tickets (
    id               BIGSERIAL PRIMARY KEY,
    number           BIGINT NOT NULL UNIQUE,
    subject          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    visibility       TEXT NOT NULL CHECK (visibility IN ('private', 'public')),
    opener_id        BIGINT REFERENCES users (id) ON DELETE SET NULL,
    discord_thread_id TEXT UNIQUE,
    slack_channel_id TEXT,
    slack_thread_ts  TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    closed_at        TIMESTAMPTZ,
    UNIQUE (slack_channel_id, slack_thread_ts)
);
--bun:split
CREATE TABLE ticket_participants (
    ticket_id BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (ticket_id, user_id)
);
--bun:split
CREATE INDEX ticket_participants_user_idx ON ticket_participants (user_id);
--bun:split
CREATE TABLE messages (
    id              BIGSERIAL PRIMARY KEY,
    ticket_id       BIGINT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    author_name     TEXT NOT NULL,
    body            TEXT NOT NULL,
    attachments     TEXT NOT NULL DEFAULT '[]',
    internal        BOOLEAN NOT NULL DEFAULT FALSE,
    source_platform TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    target_id       TEXT,
    created_at      TIMESTAMPTZ NOT NULL,
    edited_at       TIMESTAMPTZ,
    deleted_at      TIMESTAMPTZ,
    UNIQUE (source_platform, source_id)
);
--bun:split
CREATE INDEX messages_ticket_idx ON messages (ticket_id, id);
--bun:split
CREATE TABLE deliveries (
    id              BIGSERIAL PRIMARY KEY,
    stream          TEXT NOT NULL,
    kind            TEXT NOT NULL,
    platform        TEXT NOT NULL,
    ticket_id       BIGINT REFERENCES tickets (id) ON DELETE CASCADE,
    message_id      BIGINT REFERENCES messages (id) ON DELETE CASCADE,
    payload         TEXT NOT NULL DEFAULT '{}',
    status          TEXT NOT NULL CHECK (status IN ('pending', 'done', 'parked')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    locked_until    TIMESTAMPTZ,
    locked_by       TEXT NOT NULL DEFAULT '',
    last_error      TEXT NOT NULL DEFAULT '',
    remote_id       TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    done_at         TIMESTAMPTZ
);
--bun:split
CREATE INDEX deliveries_pending_idx ON deliveries (next_attempt_at) WHERE status = 'pending';
--bun:split
CREATE INDEX deliveries_stream_idx ON deliveries (stream, id);
--bun:split
CREATE TABLE inbound_events (
    platform   TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform, event_id)
);
