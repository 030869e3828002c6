-- Exact and prefix search on folded names (/crm company, /crm person):
-- text_pattern_ops serves both "search = ?" and "search LIKE 'abc%'".
CREATE INDEX companies_search_prefix_idx ON companies (search text_pattern_ops);
--bun:split
CREATE INDEX people_search_prefix_idx ON people (search text_pattern_ops);
