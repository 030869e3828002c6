DROP INDEX deliveries_pending_stream_idx;
--bun:split
DROP INDEX deliveries_pending_id_idx;
