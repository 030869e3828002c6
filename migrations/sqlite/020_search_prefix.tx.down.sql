DROP INDEX IF EXISTS people_search_prefix_idx;
--bun:split
DROP INDEX IF EXISTS companies_search_prefix_idx;
