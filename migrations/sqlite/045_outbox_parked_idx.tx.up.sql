-- OutboxStats counts parked deliveries on every metrics scrape and admin
-- page; this keeps that count from reading the whole outbox.
CREATE INDEX deliveries_parked_idx ON deliveries (id) WHERE status = 'parked';
