DROP FUNCTION jayaya_stream_heads(text[]);
--bun:split
CREATE INDEX deliveries_stream_idx ON deliveries (stream, id);
--bun:split
CREATE INDEX deliveries_pending_idx ON deliveries (next_attempt_at) WHERE status = 'pending';
