-- Routing of new tickets to Slack channels (issue 19). A rule sends the
-- tickets of a company, of an interest, or opened from a Discord support
-- channel to a Slack channel; rules are tried by kind (company, interest,
-- discord), each kind in position order, and the first match wins.
-- slack_channel_name is the channel's name when the rule was checked, for
-- display only. A rule goes with its company or interest.
CREATE TABLE routing_rules (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    kind               TEXT NOT NULL CHECK (kind IN ('company', 'interest', 'discord')),
    company_id         INTEGER UNIQUE REFERENCES companies (id) ON DELETE CASCADE,
    interest_id        INTEGER UNIQUE REFERENCES interests (id) ON DELETE CASCADE,
    discord_channel_id TEXT UNIQUE,
    slack_channel_id   TEXT NOT NULL,
    slack_channel_name TEXT NOT NULL DEFAULT '',
    position           INTEGER NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    CHECK ((kind = 'company') = (company_id IS NOT NULL)
       AND (kind = 'interest') = (interest_id IS NOT NULL)
       AND (kind = 'discord') = (discord_channel_id IS NOT NULL))
);
--bun:split
-- The Discord support channel a ticket was opened from (its thread's
-- parent); NULL for tickets older than several support channels.
ALTER TABLE tickets ADD COLUMN discord_channel_id TEXT;
--bun:split
-- Set when the Slack channel the ticket was routed to could not take its
-- thread (archived, the bot removed, gone) and it opened in the default
-- channel instead: that channel, and Slack's error code.
ALTER TABLE tickets ADD COLUMN slack_fallback_from TEXT;
--bun:split
ALTER TABLE tickets ADD COLUMN slack_fallback_reason TEXT;
--bun:split
-- The overflow policy counts the open tickets of each channel.
CREATE INDEX tickets_open_slack_idx ON tickets (status, slack_channel_id);
--bun:split
-- Routing finds the client's companies through people's e-mail addresses.
CREATE INDEX people_email_key_idx ON people (lower(email));
