DROP INDEX people_email_key_idx;
--bun:split
DROP INDEX tickets_open_slack_idx;
--bun:split
ALTER TABLE tickets DROP COLUMN slack_fallback_reason;
--bun:split
ALTER TABLE tickets DROP COLUMN slack_fallback_from;
--bun:split
ALTER TABLE tickets DROP COLUMN discord_channel_id;
--bun:split
DROP TABLE routing_rules;
