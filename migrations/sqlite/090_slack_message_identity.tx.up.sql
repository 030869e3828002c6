-- A Slack ts is unique only within its channel, and tickets live in
-- several Slack channels (routing, overflow): a Slack message is known by
-- its channel and ts, stored in source_id as "C123:1712345678.000100"
-- (core.SourceKey). Older rows hold the bare ts: they take their
-- ticket's Slack channel, the only one the relay read them from. A row
-- whose ticket has no channel stays bare; the Slack adapter gives it the
-- default staff channel when it starts (core.AdoptBareSlackSourceIDs).
-- Discord snowflakes are unique across Discord and stay as they are.
UPDATE messages
   SET source_id = (SELECT t.slack_channel_id FROM tickets AS t WHERE t.id = messages.ticket_id) || ':' || source_id
 WHERE source_platform = 'slack'
   AND instr(source_id, ':') = 0
   AND COALESCE((SELECT t.slack_channel_id FROM tickets AS t WHERE t.id = messages.ticket_id), '') <> '';
