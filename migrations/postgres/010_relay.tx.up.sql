CREATE INDEX IF NOT EXISTS deliveries_message_idx ON deliveries (message_id, kind);
--bun:split
CREATE INDEX IF NOT EXISTS tickets_open_discord_idx ON tickets (status, discord_thread_id);
