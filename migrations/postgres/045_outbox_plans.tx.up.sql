-- The outbox's hot statements run inside functions whose settings pin
-- their plans to the indexes. A plan cached by a session that started on
-- a nearly empty outbox (the table a page or two long) would otherwise
-- scan the whole table on every call once it has grown, and with
-- autovacuum off or behind nothing would ever replan it.
ALTER FUNCTION jayaya_stream_heads(text[]) SET enable_seqscan = off;
--bun:split
-- Marks deliveries a worker holds sent: ids[i] got the platform's ID
-- remote_ids[i]. Returns each delivery still held and whether its stream
-- has other pending deliveries. The rows of one call are of different
-- streams (a worker holds one delivery per stream), so no row's look at
-- its stream sees another row of the call.
CREATE FUNCTION jayaya_complete_deliveries(ids bigint[], worker text, at timestamptz, remote_ids text[])
RETURNS TABLE (done_id bigint, more boolean)
LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $$
BEGIN
	RETURN QUERY
	WITH done AS (
		UPDATE deliveries AS d
		SET locked_until = NULL, locked_by = '', updated_at = at, status = 'done', done_at = at,
			remote_id = remote_ids[array_position(ids, d.id)], last_error = ''
		WHERE d.id = ANY (ids) AND d.locked_by = worker AND d.status || '' = 'pending'
		RETURNING d.id, d.stream)
	SELECT done.id, EXISTS (SELECT 1 FROM deliveries AS e
		WHERE e.stream = done.stream AND e.status = 'pending' AND e.id <> done.id)
	FROM done;
END
$$;
--bun:split
-- Leases to worker the oldest pending delivery of each stream when it is
-- due and nobody holds it.
CREATE FUNCTION jayaya_claim_stream_heads(worker text, until timestamptz, at timestamptz, streams text[])
RETURNS SETOF deliveries
LANGUAGE plpgsql VOLATILE SET enable_seqscan = off AS $$
BEGIN
	RETURN QUERY
	UPDATE deliveries AS u
	SET locked_by = worker, locked_until = until, attempts = u.attempts + 1, updated_at = at
	WHERE u.id = ANY (ARRAY(
		SELECT (SELECT d.id FROM deliveries AS d WHERE d.stream = s.stream AND d.status = 'pending' ORDER BY d.id LIMIT 1)
		FROM unnest(streams) AS s(stream)))
	  AND u.status || '' = 'pending' AND u.next_attempt_at <= at AND (u.locked_until IS NULL OR u.locked_until < at)
	RETURNING u.*;
END
$$;
--bun:split
-- Leases to worker up to lim due deliveries, each the oldest pending one
-- of its stream, walking pending rows in id order and stopping at the
-- limit. Sorting is off: without fresh statistics (a burst of reminders,
-- autovacuum off) the planner would rather fetch every pending row and
-- sort them, a cost that grows with the backlog. It is planned on each
-- call, for the same reason. FOR UPDATE SKIP LOCKED keeps two workers off
-- one row.
CREATE FUNCTION jayaya_claim_deliveries(worker text, until timestamptz, at timestamptz, platforms text[], lim int)
RETURNS SETOF deliveries
LANGUAGE plpgsql VOLATILE
SET enable_sort = off SET enable_seqscan = off SET plan_cache_mode = force_custom_plan AS $$
BEGIN
	RETURN QUERY
	UPDATE deliveries AS u
	SET locked_by = worker, locked_until = until, attempts = u.attempts + 1, updated_at = at
	WHERE u.id IN (
		SELECT d.id FROM deliveries AS d
		WHERE d.status = 'pending' AND d.next_attempt_at <= at
		  AND (d.locked_until IS NULL OR d.locked_until < at)
		  AND (platforms IS NULL OR d.platform = ANY (platforms))
		  AND NOT EXISTS (SELECT 1 FROM deliveries AS e WHERE e.stream = d.stream AND e.id < d.id AND e.status = 'pending')
		ORDER BY d.id LIMIT lim
		FOR UPDATE SKIP LOCKED)
	RETURNING u.*;
END
$$;
--bun:split
-- OutboxStats counts parked deliveries on every metrics scrape and admin
-- page; this keeps that count from reading the whole outbox.
CREATE INDEX deliveries_parked_idx ON deliveries (id) WHERE status = 'parked';
