-- The Discord webhook pool (adapters/discord/webhooks.go): each ticket
-- thread posts through one webhook of its support channel
-- (discord_channel_id, 050), chosen when the ticket opens and kept:
-- discord_webhook_slot is the webhook's place in the channel's pool (0 to
-- 14, Discord's 15 webhooks per channel). Tickets opened before the pool
-- have none: they post through slot 0, the webhook they always used.
ALTER TABLE tickets ADD COLUMN discord_webhook_slot INTEGER CHECK (discord_webhook_slot BETWEEN 0 AND 14);
--bun:split
-- Choosing the least busy webhook counts the open tickets per slot.
CREATE INDEX tickets_open_webhook_idx ON tickets (discord_channel_id, discord_webhook_slot) WHERE status = 'open';
--bun:split
-- Every webhook the pool ever posted through (IDs only: tokens stay with
-- Discord), so that a post made through one a moderator deleted since is
-- still recognised as the relay's after a restart (the look-back of a
-- post whose outcome was lost), and the panel shows each slot's webhook.
CREATE TABLE discord_webhooks (
    id         TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    slot       INTEGER NOT NULL CHECK (slot BETWEEN 0 AND 14),
    created_at TIMESTAMP NOT NULL,
    gone_at    TIMESTAMP
);
--bun:split
CREATE INDEX discord_webhooks_channel_idx ON discord_webhooks (channel_id, slot);
