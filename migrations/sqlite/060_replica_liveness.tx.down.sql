DROP TABLE IF EXISTS session_locks;
--bun:split
DROP TABLE IF EXISTS outbox_workers;
