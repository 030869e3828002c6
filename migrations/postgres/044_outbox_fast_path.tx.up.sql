-- Every query on a stream looks at its pending deliveries only, through
-- deliveries_pending_stream_idx; this index was one more to update on
-- every change of status.
DROP INDEX deliveries_stream_idx;
--bun:split
-- The claim walks pending rows in id order (deliveries_pending_id_idx)
-- and stops at its limit; with this index the planner could instead
-- fetch every due row and sort them, which under a backlog made each
-- claim cost in proportion to the backlog.
DROP INDEX deliveries_pending_idx;
--bun:split
-- The heads of streams, each locked first (transaction advisory lock), so
-- that two transactions queuing in one stream see each other's rows: each
-- statement of a volatile function takes a fresh snapshot, so the look
-- after the locks sees what their last holders committed. One round trip
-- and one cached plan for what took two statements planned every time.
CREATE FUNCTION jayaya_stream_heads(streams text[])
RETURNS TABLE (head_stream text, head_locked_by text, head_locked_until timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	s text;
BEGIN
	FOREACH s IN ARRAY streams LOOP
		PERFORM pg_advisory_xact_lock(hashtextextended(s, 0));
	END LOOP;
	-- One index probe per stream (deliveries_pending_stream_idx): a plan
	-- that cannot grow with the backlog, whatever the statistics say.
	FOREACH s IN ARRAY streams LOOP
		RETURN QUERY
			SELECT d.stream, d.locked_by, d.locked_until FROM deliveries AS d
			WHERE d.stream = s AND d.status = 'pending'
			ORDER BY d.id LIMIT 1;
	END LOOP;
END
$$;
