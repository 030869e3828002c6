DROP TABLE discord_webhooks;
--bun:split
DROP INDEX tickets_open_webhook_idx;
--bun:split
ALTER TABLE tickets DROP COLUMN discord_webhook_slot;
