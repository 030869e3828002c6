-- Back to bare Slack ts values. Two messages of two channels that share
-- a ts cannot both go back: the unique key stops the migration and
-- nothing changes.
UPDATE messages
   SET source_id = substr(source_id, position(':' IN source_id) + 1)
 WHERE source_platform = 'slack'
   AND position(':' IN source_id) > 0;
