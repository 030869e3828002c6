ALTER TABLE users DROP COLUMN tz_checked_at;
--bun:split
ALTER TABLE users DROP COLUMN last_digest_on;
--bun:split
ALTER TABLE users DROP COLUMN digest_minute;
--bun:split
DROP INDEX tasks_deadline_due_idx;
--bun:split
DROP INDEX tasks_remind_due_idx;
--bun:split
ALTER TABLE tasks DROP COLUMN deadline_notified_at;
--bun:split
ALTER TABLE tasks DROP COLUMN reminded_at;
--bun:split
ALTER TABLE tasks DROP COLUMN remind_at;
