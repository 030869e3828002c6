-- The language each chat platform last said a user speaks, "" when it
-- said nothing: Slack's users.info locale (read with the time zone, on
-- the same 12-hour cache) and the locale of the user's latest Discord
-- interaction. A user's own setting (locale) comes first.
ALTER TABLE users ADD COLUMN slack_locale TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE users ADD COLUMN discord_locale TEXT NOT NULL DEFAULT '';
