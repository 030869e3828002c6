-- The relay's lookups: a message's deliveries by kind (✅ on a copied
-- first message) and the open tickets' Discord threads (catch-up).
CREATE INDEX IF NOT EXISTS deliveries_message_idx ON deliveries (message_id, kind);
--bun:split
CREATE INDEX IF NOT EXISTS tickets_open_discord_idx ON tickets (status, discord_thread_id);
