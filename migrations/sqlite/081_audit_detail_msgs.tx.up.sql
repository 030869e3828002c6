-- An audit entry's details as messages of the catalog (issue 21): a JSON
-- array of {"id": …, "args": {…}}, shown in the reader's language. detail
-- keeps the English text, for older rows (which have only it) and for
-- whoever reads the table directly.
ALTER TABLE audit_log ADD COLUMN detail_msgs TEXT NOT NULL DEFAULT '';
