-- One row per running delivery worker (one per replica), refreshed every
-- quarter second with the database's clock. A worker whose row has not been
-- refreshed for two seconds is dead: another replica releases the
-- deliveries it leased and deletes its row (core.Store.RescueDeadWorkers).
CREATE TABLE outbox_workers (
    name       TEXT PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    beat_at    TIMESTAMPTZ NOT NULL
);
--bun:split
-- The holder of each session advisory lock (core.Store.WithSessionLock,
-- the Discord gateway's): its replica, its backend and its last
-- heartbeat on the connection that holds the lock. A replica waiting for
-- the lock ends the session of a holder whose heartbeat stopped (a paused
-- process keeps its connection, and so its lock, open).
CREATE TABLE session_locks (
    lock_key BIGINT PRIMARY KEY,
    holder   TEXT NOT NULL,
    pid      INTEGER NOT NULL,
    beat_at  TIMESTAMPTZ NOT NULL
);
