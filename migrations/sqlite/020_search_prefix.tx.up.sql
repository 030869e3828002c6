-- Exact and prefix search on folded names (/crm company, /crm person).
CREATE INDEX companies_search_prefix_idx ON companies (search);
--bun:split
CREATE INDEX people_search_prefix_idx ON people (search);
