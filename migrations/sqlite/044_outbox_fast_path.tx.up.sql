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
