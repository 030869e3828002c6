-- Failed logins per client address, for the panel's per-address limit
-- (core.Authenticate): one row per address, its count in the current
-- window; rows of windows long closed are deleted as logins come.
CREATE TABLE login_ip_failures (
    ip           TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start TIMESTAMP NOT NULL
);
