CREATE TABLE seen_requests (
    request_key TEXT PRIMARY KEY,
    expires_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX seen_requests_expires_idx ON seen_requests (expires_at);
