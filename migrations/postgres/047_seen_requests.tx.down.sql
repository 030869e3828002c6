DROP TABLE IF EXISTS seen_requests;
