DROP INDEX deliveries_parked_idx;
--bun:split
DROP FUNCTION jayaya_claim_deliveries(text, timestamptz, timestamptz, text[], int);
--bun:split
DROP FUNCTION jayaya_claim_stream_heads(text, timestamptz, timestamptz, text[]);
--bun:split
DROP FUNCTION jayaya_complete_deliveries(bigint[], text, timestamptz, text[]);
--bun:split
ALTER FUNCTION jayaya_stream_heads(text[]) RESET enable_seqscan;
