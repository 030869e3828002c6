-- A Slack ts is unique only within its channel, and tickets live in
-- several Slack channels (routing, overflow): a Slack message is known by
-- its channel and ts, stored in source_id as "C123:1712345678.000100"
-- (core.SourceKey). Older rows hold the bare ts: they take their
-- ticket's Slack channel, the only one the relay read them from. A row
-- whose ticket has no channel stays bare; the Slack adapter gives it the
-- default staff channel when it starts (core.AdoptBareSlackSourceIDs).
-- Discord snowflakes are unique across Discord and stay as they are.
UPDATE messages AS m
   SET source_id = t.slack_channel_id || ':' || m.source_id
  FROM tickets AS t
 WHERE t.id = m.ticket_id
   AND m.source_platform = 'slack'
   AND position(':' IN m.source_id) = 0
   AND COALESCE(t.slack_channel_id, '') <> '';
