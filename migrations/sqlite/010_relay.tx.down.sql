DROP INDEX IF EXISTS tickets_open_discord_idx;
--bun:split
DROP INDEX IF EXISTS deliveries_message_idx;
