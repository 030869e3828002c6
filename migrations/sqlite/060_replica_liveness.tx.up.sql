-- One row per running delivery worker, refreshed every quarter second; a
-- worker whose row is older than two seconds is dead and its leases are
-- released (core.Store.RescueDeadWorkers). SQLite serves one process, so
-- this only matters when that process is restarted: the new one takes
-- over what the old one leased within seconds.
CREATE TABLE outbox_workers (
    name       TEXT PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    beat_at    TIMESTAMP NOT NULL
);
--bun:split
-- Holders of session advisory locks: PostgreSQL only (one process holds
-- everything on SQLite); kept so that both schemas have the same tables.
CREATE TABLE session_locks (
    lock_key BIGINT PRIMARY KEY,
    holder   TEXT NOT NULL,
    pid      INTEGER NOT NULL,
    beat_at  TIMESTAMP NOT NULL
);
