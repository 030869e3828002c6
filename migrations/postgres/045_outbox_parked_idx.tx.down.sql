DROP INDEX deliveries_parked_idx;
