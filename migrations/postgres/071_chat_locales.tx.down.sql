ALTER TABLE users DROP COLUMN discord_locale;
--bun:split
ALTER TABLE users DROP COLUMN slack_locale;
