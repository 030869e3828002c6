-- ClaimDeliveries walks pending rows in id order and checks that each is
-- the head of its stream. With many sent rows (a burst of reminder DMs)
-- that walk went through every done row, once per claim; these partial
-- indexes keep both steps on pending rows only.
CREATE INDEX deliveries_pending_id_idx ON deliveries (id) WHERE status = 'pending';
--bun:split
CREATE INDEX deliveries_pending_stream_idx ON deliveries (stream, id) WHERE status = 'pending';
